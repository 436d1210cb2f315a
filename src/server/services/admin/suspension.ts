/**
 * Suspension, decided by an operator: the server goes to `suspended` at once (every customer request
 * on it is refused from then on) and a `suspend` job stops its VM (ACPI shutdown, hard stop after
 * SUSPEND_GRACE_S). Unsuspending returns it to the power state it had. Reconciliation (worker/reconcile.ts)
 * stops a suspended server's VM again if it is found running.
 */
import { and, eq, isNull, notInArray } from 'drizzle-orm';
import type { Database, Tx } from '../../db/client.ts';
import { recordAudit } from '../../db/audit.ts';
import { emitServerEvent } from '../../db/events.ts';
import { servers } from '../../db/schema.ts';
import { suspendDecision, unsuspendDecision } from '../../domain/suspension.ts';
import { appError } from '../../errors.ts';
import { activeJobOf, cancelJob } from '../../jobs/queue.ts';
import { lockServer, type LockedServer } from '../servers/actions.ts';
import { queueRequestedJob } from '../servers/request.ts';

/** What the suspension services need: the database (or the caller's transaction). */
export interface SuspensionDeps {
  db: Database | Tx;
}

/** The operator acting, for the job and the audit log. */
export interface Actor {
  id: string;
  requestId?: string | null;
}

/** Not found, in the operator's words (any customer's server would have been found). */
export const adminServerNotFound = () => appError('NOT_FOUND', 'No server with this id exists.');

const requestInfo = (actor: Actor) => ({ userId: actor.id, requestId: actor.requestId ?? null });

/** What the customer reads in the server's status reason. */
export function suspendedReasonText(reason: string | null | undefined): string {
  return reason ? `Suspended by your provider: ${reason}` : 'Suspended by your provider.';
}

async function suspendLocked(tx: Tx, actor: Actor, server: LockedServer, reason: string | null) {
  const active = await activeJobOf(tx, server.id);
  const decision = suspendDecision(server.status, active?.kind ?? null);
  if (!decision.ok) throw appError('INVALID_STATE', decision.reason);
  if (active && decision.cancelJob) await cancelJob(tx, active.id, 'superseded by suspension');
  await tx
    .update(servers)
    .set({
      status: 'suspended',
      statusReason: suspendedReasonText(reason),
      suspendedAt: new Date(),
      suspendedBy: actor.id,
      suspensionReason: reason,
      powerBeforeSuspension: decision.restore,
    })
    .where(eq(servers.id, server.id));
  await queueRequestedJob(tx, requestInfo(actor), server.id, 'suspend', {
    kind: 'server.suspend',
    message: reason ? `Suspended: ${reason}` : 'Suspended',
    data: {
      ownerId: server.userId,
      reason,
      from: server.status,
      restore: decision.restore,
      ...(active ? { cancelledJob: active.kind } : {}),
    },
  });
  await emitServerEvent(tx, 'server.suspended', server.id);
}

/** An operator's change to one server's suspension, made in one transaction on the locked server. */
function suspensionChange(
  change: (tx: Tx, actor: Actor, server: LockedServer, reason: string | null) => Promise<void>,
) {
  return (deps: SuspensionDeps, actor: Actor, serverId: string, reason?: string | null): Promise<void> =>
    deps.db.transaction(async (tx) =>
      change(tx, actor, await lockServer(tx, serverId, null, adminServerNotFound), reason || null),
    );
}

/** Suspends one server: 409 INVALID_STATE when it cannot be (provisioning, terminating, already suspended). */
export const suspendServer = suspensionChange(suspendLocked);

/** Lifts a suspension: a server that was running is started again, one that was stopped stays stopped. */
export const unsuspendServer = suspensionChange(async (tx, actor, server, reason) => {
  const [row] = await tx
    .select({ restore: servers.powerBeforeSuspension })
    .from(servers)
    .where(eq(servers.id, server.id));
  const active = await activeJobOf(tx, server.id);
  const decision = unsuspendDecision(server.status, row?.restore ?? null, active?.kind ?? null);
  if (!decision.ok) throw appError('INVALID_STATE', decision.reason);
  await tx
    .update(servers)
    .set({
      status: decision.status,
      statusReason: null,
      suspendedAt: null,
      suspendedBy: null,
      suspensionReason: null,
      powerBeforeSuspension: null,
    })
    .where(eq(servers.id, server.id));
  const audit = {
    kind: 'server.unsuspend',
    message: decision.job ? 'Unsuspended; starting it again' : 'Unsuspended; it stays stopped',
    data: { ownerId: server.userId, restore: row?.restore ?? null, ...(reason ? { reason } : {}) },
  };
  if (decision.job) {
    await queueRequestedJob(tx, requestInfo(actor), server.id, decision.job, audit);
  } else {
    await recordAudit(tx, {
      ...audit,
      serverId: server.id,
      actorUserId: actor.id,
      requestId: actor.requestId ?? null,
    });
  }
  await emitServerEvent(tx, 'server.unsuspended', server.id);
});

export interface UserSuspension {
  /** The servers suspended now. */
  suspended: string[];
  /** Servers left as they were, each with the reason (already suspended, still provisioning, …). */
  skipped: { serverId: string; reason: string }[];
}

/**
 * Suspends every live server of a customer in one transaction (a customer who has not paid, or a
 * disabled account). Servers that cannot be suspended now are reported, not failed on: one still
 * provisioning must not keep the others running.
 */
export async function suspendUserServers(
  deps: SuspensionDeps,
  actor: Actor,
  userId: string,
  reason?: string | null,
): Promise<UserSuspension> {
  return deps.db.transaction(async (tx) => {
    const rows = await tx
      .select({ id: servers.id, name: servers.name, status: servers.status, userId: servers.userId })
      .from(servers)
      .where(
        and(
          eq(servers.userId, userId),
          isNull(servers.terminatedAt),
          notInArray(servers.status, ['terminated', 'terminating']),
        ),
      )
      .orderBy(servers.id)
      .for('update');
    const result: UserSuspension = { suspended: [], skipped: [] };
    for (const server of rows) {
      const active = await activeJobOf(tx, server.id);
      const decision = suspendDecision(server.status, active?.kind ?? null);
      if (!decision.ok) {
        result.skipped.push({ serverId: server.id, reason: decision.reason });
        continue;
      }
      await suspendLocked(tx, actor, server, reason || null);
      result.suspended.push(server.id);
    }
    return result;
  });
}
