/**
 * The operators' side of servers: every customer's servers, filtered; one server with its owner, VM
 * and events; power actions, suspension, the retry of a failed operation, and termination. Every
 * change is written to the audit log with the operator as its actor and the owner in its data.
 */
import { and, eq, exists, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { idSchema } from '../../../shared/api.ts';
import type {
  AdminListServersInput,
  AdminServer,
  AdminServerDetail,
  AdminServerResult,
} from '../../../shared/admin.ts';
import type { AdminServerAction } from '../../../shared/server-status.ts';
import type { Database, Tx } from '../../db/client.ts';
import { servers, users } from '../../db/schema.ts';
import { adminTerminateDecision, retryDecision } from '../../domain/suspension.ts';
import { appError } from '../../errors.ts';
import { activeJobOf, cancelJob, lastFailedJob } from '../../jobs/queue.ts';
import {
  busy,
  lockServer,
  queuePowerAction,
  queueTermination,
  type LockedServer,
} from '../servers/actions.ts';
import { findServerById, listServerPage, recentEvents, type ServerPage } from '../servers/read.ts';
import { queueRequestedJob } from '../servers/request.ts';
import { adminServerNotFound, suspendServer, unsuspendServer, type Actor } from './suspension.ts';

const suspender = alias(users, 'suspender');

export { adminServerNotFound };

/** `%text%` for ILIKE, with the pattern characters in `text` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function filtersOf(db: Database, input: AdminListServersInput): SQL[] {
  const filters: SQL[] = [];
  if (input.status) filters.push(eq(servers.status, input.status));
  if (input.userId) filters.push(eq(servers.userId, input.userId));
  if (input.locationId) filters.push(eq(servers.locationId, input.locationId));
  if (input.node) filters.push(eq(servers.pveNode, input.node));
  if (input.query) {
    const pattern = containsPattern(input.query);
    const matches: SQL[] = [
      ilike(servers.name, pattern),
      ilike(servers.ipAddress, pattern),
      exists(
        db
          .select({ one: sql`1` })
          .from(users)
          .where(
            and(eq(users.id, servers.userId), or(ilike(users.email, pattern), ilike(users.name, pattern))),
          ),
      ),
    ];
    if (idSchema.safeParse(input.query).success) matches.push(eq(servers.id, input.query));
    filters.push(or(...matches)!);
  }
  return filters;
}

/** Every customer's servers matching the filters, newest first, with each one's owner. */
export async function listAdminServers(
  db: Database,
  input: AdminListServersInput,
): Promise<ServerPage<AdminServer>> {
  const page = await listServerPage(db, filtersOf(db, input), {
    limit: input.limit,
    cursor: input.cursor,
    // Asking for terminated servers by status shows them.
    includeTerminated: input.includeTerminated || input.status === 'terminated',
  });
  const ids = page.servers.map((s) => s.id);
  const owners = ids.length
    ? await db
        .select({ serverId: servers.id, id: users.id, email: users.email })
        .from(servers)
        .innerJoin(users, eq(users.id, servers.userId))
        .where(inArray(servers.id, ids))
    : [];
  const ownerOf = new Map(owners.map((o) => [o.serverId, { id: o.id, email: o.email }]));
  return {
    servers: page.servers.map((s) => ({ ...s, owner: ownerOf.get(s.id)! })),
    nextCursor: page.nextCursor,
  };
}

/** One server as an operator sees it: owner, node and VMID, suspension, current job, last failure, events. */
export async function getAdminServer(db: Database, id: string): Promise<AdminServerResult> {
  const server = await findServerById(db, id);
  if (!server) throw adminServerNotFound();
  const [row] = await db
    .select({
      owner: { id: users.id, email: users.email, name: users.name },
      node: servers.pveNode,
      vmid: servers.pveVmid,
      clusterId: servers.clusterId,
      suspendedAt: servers.suspendedAt,
      suspensionReason: servers.suspensionReason,
      restore: servers.powerBeforeSuspension,
      // Null when nobody suspended it, or the operator who did is gone (a left join).
      suspender: { id: suspender.id, email: suspender.email },
    })
    .from(servers)
    .innerJoin(users, eq(users.id, servers.userId))
    .leftJoin(suspender, eq(suspender.id, servers.suspendedBy))
    .where(eq(servers.id, server.id));
  const job = await activeJobOf(db, server.id);
  const failure = await lastFailedJob(db, server.id);
  const detail: AdminServerDetail = {
    ...server,
    owner: row!.owner,
    node: row!.node,
    vmid: row!.vmid,
    clusterId: row!.clusterId,
    suspension: row!.suspendedAt
      ? {
          at: row!.suspendedAt,
          by: row!.suspender,
          reason: row!.suspensionReason,
          restore: row!.restore,
        }
      : null,
    job: job ?? null,
    lastFailure: failure ? { kind: failure.kind, error: failure.error, at: failure.at } : null,
  };
  return { server: detail, events: await recentEvents(db, server.id, { pveDetails: true, limit: 100 }) };
}

const requestInfo = (actor: Actor) => ({ userId: actor.id, requestId: actor.requestId ?? null });

/** Repeats the operation that put a server in `error`, from its start. */
async function retryLocked(tx: Tx, actor: Actor, server: LockedServer, reason: string | null) {
  const current = await activeJobOf(tx, server.id);
  if (current) throw busy(current.kind);
  const failed = await lastFailedJob(tx, server.id);
  const decision = retryDecision(server.status, failed?.kind ?? null);
  if (!decision.ok) throw appError('INVALID_STATE', decision.reason);
  await tx
    .update(servers)
    .set({ status: decision.status, statusReason: null })
    .where(eq(servers.id, server.id));
  await queueRequestedJob(tx, requestInfo(actor), server.id, decision.job, {
    kind: 'server.retry',
    message: `Retrying ${decision.job} after: ${failed?.error ?? 'an error'}`,
    data: { ownerId: server.userId, job: decision.job, ...(reason ? { reason } : {}) },
  });
}

/** An operator's action on any server; the answer is the server as it is after the request. */
export async function adminActOnServer(
  db: Database,
  actor: Actor,
  id: string,
  action: AdminServerAction,
  reason?: string,
): Promise<AdminServerResult> {
  const note = reason || null;
  if (action === 'suspend') {
    await suspendServer({ db }, actor, id, note);
  } else if (action === 'unsuspend') {
    await unsuspendServer({ db }, actor, id, note);
  } else {
    await db.transaction(async (tx) => {
      const server = await lockServer(tx, id, null, adminServerNotFound);
      if (action === 'retry') return retryLocked(tx, actor, server, note);
      if (server.status === 'suspended')
        throw appError(
          'INVALID_STATE',
          `This server is suspended; unsuspend it before you ${action} it (terminating stays possible).`,
        );
      await queuePowerAction(tx, requestInfo(actor), server, action, {
        ownerId: server.userId,
        byOperator: true,
        ...(note ? { reason: note } : {}),
      });
    });
  }
  return getAdminServer(db, id);
}

/** An operator's termination: also of a suspended server, cutting short a power job under way. */
export async function adminTerminateServer(
  db: Database,
  actor: Actor,
  id: string,
): Promise<AdminServerResult> {
  await db.transaction(async (tx) => {
    const server = await lockServer(tx, id, null, adminServerNotFound);
    const active = await activeJobOf(tx, server.id);
    const decision = adminTerminateDecision(server.status, active?.kind ?? null);
    if (!decision.ok) throw appError('INVALID_STATE', decision.reason);
    if (active && decision.cancelJob) await cancelJob(tx, active.id, 'superseded by termination');
    await queueTermination(tx, requestInfo(actor), server, {
      ownerId: server.userId,
      byOperator: true,
      from: server.status,
    });
  });
  return getAdminServer(db, id);
}
