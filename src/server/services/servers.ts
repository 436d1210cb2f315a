/**
 * Customers' servers: listing, creating and acting on them. Every query is scoped to the owner in its
 * WHERE clause; another customer's server is indistinguishable from one that does not exist.
 * A change of state and the job that carries it out are written in one transaction.
 */
import { and, desc, eq, inArray, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { idSchema, type CreateServerInput, type Server, type ServerEvent } from '../../shared/api.ts';
import {
  actionsAllowedIn,
  canTerminate,
  provisioningSteps,
  transitionFor,
  type ProvisioningStep,
  type ServerAction,
} from '../../shared/server-status.ts';
import type { Database } from '../db/client.ts';
import {
  auditEvents,
  images,
  locations,
  plans,
  serverJobs,
  servers,
  users,
  type JobKind,
} from '../db/schema.ts';
import { appError } from '../errors.ts';
import { notifyJobQueued, type Tx } from '../worker/queue.ts';
import { withoutPveDetails } from './activity.ts';
import { recordAudit } from './audit.ts';
import { allocateAddress } from './ipam.ts';
import type { PveClient } from '../pve/client.ts';
import { chooseNode, nodeCandidates } from '../worker/placement.ts';

const image = alias(images, 'image');
const location = alias(locations, 'location');
const currentJob = alias(serverJobs, 'current_job');

const publicServerColumns = {
  id: servers.id,
  name: servers.name,
  status: servers.status,
  statusReason: servers.statusReason,
  cpuCores: servers.cpuCores,
  memoryMb: servers.memoryMb,
  diskGb: servers.diskGb,
  ipAddress: servers.ipAddress,
  createdAt: servers.createdAt,
  updatedAt: servers.updatedAt,
  imageId: image.id,
  imageSlug: image.slug,
  imageName: image.name,
  locationId: location.id,
  locationSlug: location.slug,
  locationName: location.name,
  // The provisioning step of the server's active job, if any.
  jobKind: currentJob.kind,
  jobStep: currentJob.step,
};

type ServerRow = {
  [K in keyof typeof publicServerColumns]: (typeof publicServerColumns)[K]['_']['data'] | null;
};

/** Where provisioning stands: the step after the last one the worker persisted. */
function progressOf(row: ServerRow): Server['progress'] {
  if (row.status !== 'provisioning') return null;
  const done =
    row.jobKind === 'provision' && row.jobStep
      ? provisioningSteps.indexOf(row.jobStep as ProvisioningStep)
      : -1;
  const stepIndex = Math.min(done + 1, provisioningSteps.length - 1);
  return { step: provisioningSteps[stepIndex]!, stepIndex, stepCount: provisioningSteps.length };
}

/** Spelled out field by field: it runs for every row of every list, and rest-spreads are slow there. */
function toServer(row: ServerRow): Server {
  return {
    id: row.id!,
    name: row.name!,
    status: row.status!,
    statusReason: row.statusReason,
    cpuCores: row.cpuCores!,
    memoryMb: row.memoryMb!,
    diskGb: row.diskGb!,
    ipAddress: row.ipAddress,
    image: row.imageId ? { id: row.imageId, slug: row.imageSlug!, name: row.imageName! } : null,
    location: row.locationId
      ? { id: row.locationId, slug: row.locationSlug!, name: row.locationName! }
      : null,
    progress: progressOf(row),
    createdAt: row.createdAt!,
    updatedAt: row.updatedAt!,
  };
}

function selectServers(db: Database | Tx) {
  return db
    .select(publicServerColumns)
    .from(servers)
    .leftJoin(image, eq(image.id, servers.imageId))
    .leftJoin(location, eq(location.id, servers.locationId))
    .leftJoin(
      currentJob,
      and(eq(currentJob.serverId, servers.id), inArray(currentJob.state, ['queued', 'running'])),
    );
}

const notFound = () => appError('NOT_FOUND', 'No server with this id exists in your account.');

/** A syntactically impossible id cannot match anything; answer without asking the database. */
function assertServerId(id: string): void {
  if (!idSchema.safeParse(id).success) throw notFound();
}

export interface ListServersOptions {
  limit: number;
  cursor?: string | undefined;
  includeTerminated?: boolean | undefined;
}

function encodeCursor(server: Server): string {
  return Buffer.from(`${server.createdAt.toISOString()}|${server.id}`).toString('base64url');
}

/** A timestamp as encodeCursor writes it; anything else (a year past 9999, say) was not made here. */
const cursorTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id, ...extra] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(at ?? '');
  if (
    extra.length > 0 ||
    !cursorTimePattern.test(at ?? '') ||
    Number.isNaN(createdAt.getTime()) ||
    createdAt.toISOString() !== at ||
    !id ||
    !idSchema.safeParse(id).success
  ) {
    throw appError('VALIDATION_FAILED', 'Invalid request: cursor is not one this API returned', {
      fields: { cursor: 'is not one this API returned' },
    });
  }
  return { createdAt, id };
}

/** Newest first, `limit` at a time; `nextCursor` continues the list. */
export async function listServers(
  db: Database,
  userId: string,
  options: ListServersOptions,
): Promise<{ servers: Server[]; nextCursor: string | null }> {
  return listServerPage(db, eq(servers.userId, userId), options);
}

export type ServerWithOwner = Server & { owner: { id: string; email: string } };

/** Every customer's servers, with their owners: for administrators only (the router checks the role). */
export async function listAllServers(
  db: Database,
  options: ListServersOptions,
): Promise<{ servers: ServerWithOwner[]; nextCursor: string | null }> {
  const page = await listServerPage(db, null, options);
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

async function listServerPage(
  db: Database,
  owner: SQL | null,
  options: ListServersOptions,
): Promise<{ servers: Server[]; nextCursor: string | null }> {
  const conditions: SQL[] = owner ? [owner] : [];
  if (!options.includeTerminated) conditions.push(ne(servers.status, 'terminated'));
  if (options.cursor) {
    const after = decodeCursor(options.cursor);
    conditions.push(
      or(
        lt(servers.createdAt, after.createdAt),
        and(eq(servers.createdAt, after.createdAt), lt(servers.id, after.id)),
      )!,
    );
  }
  const rows = await selectServers(db)
    .where(and(...conditions))
    .orderBy(desc(servers.createdAt), desc(servers.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit).map(toServer);
  const last = page.at(-1);
  return { servers: page, nextCursor: rows.length > options.limit && last ? encodeCursor(last) : null };
}

export async function getServer(db: Database | Tx, userId: string, id: string): Promise<Server> {
  assertServerId(id);
  const [row] = await selectServers(db)
    .where(and(eq(servers.id, id), eq(servers.userId, userId)))
    .limit(1);
  if (!row) throw notFound();
  return toServer(row);
}

/**
 * The server's recent audit trail, newest first. Ownership is checked by the caller's getServer. The
 * trail names PVE nodes and VMIDs for operators; customers see it without them unless `pveDetails`.
 */
export async function recentEvents(
  db: Database,
  serverId: string,
  options: { pveDetails: boolean; limit?: number },
): Promise<ServerEvent[]> {
  const rows = await db
    .select({
      id: auditEvents.id,
      at: auditEvents.at,
      kind: auditEvents.kind,
      message: auditEvents.message,
      data: auditEvents.data,
      pveUpid: auditEvents.pveUpid,
    })
    .from(auditEvents)
    .where(eq(auditEvents.serverId, serverId))
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(options.limit ?? 50);
  const events = rows.map(({ id, at, kind, message }) => ({ id, at, kind, message }));
  return options.pveDetails ? events : withoutPveDetails(db, serverId, rows);
}

export interface RequestInfo {
  userId: string;
  requestId: string;
}

async function enqueueJob(tx: Tx, serverId: string, kind: JobKind, info: RequestInfo): Promise<number> {
  const [job] = await tx
    .insert(serverJobs)
    .values({ serverId, kind, requestedBy: info.userId, requestId: info.requestId })
    .returning({ id: serverJobs.id });
  await notifyJobQueued(tx);
  return job!.id;
}

function audit(tx: Tx, info: RequestInfo, serverId: string, kind: string, message: string, jobId: number) {
  return recordAudit(tx, {
    kind,
    message,
    serverId,
    jobId,
    actorUserId: info.userId,
    requestId: info.requestId,
  });
}

export interface Quota {
  maxServers: number;
  maxCores: number;
  maxMemoryMb: number;
}

/** Refuses an order that would take the user past their quota, counting every server not terminated. */
async function checkQuota(
  tx: Tx,
  userId: string,
  quota: Quota,
  plan: { cpuCores: number; memoryMb: number },
) {
  const [used] = await tx
    .select({
      servers: sql<number>`count(*)::int`,
      cores: sql<number>`coalesce(sum(${servers.cpuCores}), 0)::int`,
      memoryMb: sql<number>`coalesce(sum(${servers.memoryMb}), 0)::int`,
    })
    .from(servers)
    .where(and(eq(servers.userId, userId), ne(servers.status, 'terminated')));
  const u = used ?? { servers: 0, cores: 0, memoryMb: 0 };
  const over =
    u.servers + 1 > quota.maxServers
      ? `at most ${quota.maxServers} servers`
      : u.cores + plan.cpuCores > quota.maxCores
        ? `at most ${quota.maxCores} vCPUs in all (${u.cores} in use)`
        : u.memoryMb + plan.memoryMb > quota.maxMemoryMb
          ? `at most ${quota.maxMemoryMb / 1024} GB of memory in all (${u.memoryMb / 1024} GB in use)`
          : null;
  if (over) throw appError('QUOTA_EXCEEDED', `This order would exceed your quota: ${over}.`);
}

export async function createServer(
  db: Database,
  info: RequestInfo,
  input: CreateServerInput,
  quota: Quota,
  pve?: PveClient,
): Promise<Server> {
  const [[plan], [img], [loc]] = await Promise.all([
    db
      .select()
      .from(plans)
      .where(and(eq(plans.id, input.planId), eq(plans.active, true)))
      .limit(1),
    db
      .select()
      .from(images)
      .where(and(eq(images.id, input.imageId), eq(images.active, true)))
      .limit(1),
    db
      .select()
      .from(locations)
      .where(and(eq(locations.id, input.locationId), eq(locations.active, true)))
      .limit(1),
  ]);
  const fields: Record<string, string> = {};
  if (!plan) fields.planId = 'does not name a plan open to orders';
  if (!img) fields.imageId = 'does not name an image open to orders';
  if (!loc) fields.locationId = 'does not name a location open to orders';
  if (!plan || !img || !loc) {
    const message = `Invalid request: ${Object.entries(fields)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}`;
    throw appError('VALIDATION_FAILED', message, { fields });
  }
  if (pve) await checkCapacity(pve, plan, img, loc);
  const id = await db.transaction(async (tx) => {
    // Serialises one user's orders, so two at once cannot both slip under the quota.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${info.userId}))`);
    await checkQuota(tx, info.userId, quota, plan);
    const [server] = await tx
      .insert(servers)
      .values({
        userId: info.userId,
        name: input.name,
        status: 'provisioning',
        planId: plan.id,
        imageId: img.id,
        locationId: loc.id,
        cpuCores: plan.cpuCores,
        memoryMb: plan.memoryMb,
        diskGb: plan.diskGb,
        sshKeys: input.sshKeys ?? [],
      })
      .returning({ id: servers.id });
    const address = await allocateAddress(tx, loc.id, server!.id);
    if (!address) {
      throw appError(
        'CONFLICT',
        `${loc.name} has no free IP address right now. Try another location or contact support.`,
      );
    }
    const jobId = await enqueueJob(tx, server!.id, 'provision', info);
    await audit(
      tx,
      info,
      server!.id,
      'server.create',
      `Server ${input.name} ordered (${plan.name}, ${address})`,
      jobId,
    );
    return server!.id;
  });
  return getServer(db, info.userId, id);
}

/**
 * Refuses an order no node of the location can take, so the customer hears it now rather than as a
 * failed server later. If PVE does not answer quickly the order is taken and the worker decides.
 */
async function checkCapacity(
  pve: PveClient,
  plan: { memoryMb: number },
  img: { pveTemplates: Record<string, number>; name: string },
  loc: { pveNodes: string[]; name: string },
): Promise<void> {
  let nodes;
  try {
    nodes = await pve.nodes({ retry: false, timeoutMs: 3000 });
  } catch {
    return;
  }
  const placement = chooseNode(nodeCandidates(loc.pveNodes, nodes, img.pveTemplates), plan.memoryMb);
  if (!placement.ok) {
    throw appError(
      'NO_CAPACITY',
      `${loc.name} cannot take this server now (${placement.reason}). Choose another plan or location.`,
    );
  }
}

/** Locks the owner's server row for the rest of the transaction, or answers NOT_FOUND. */
async function lockServer(tx: Tx, userId: string, id: string) {
  assertServerId(id);
  const [row] = await tx
    .select({ id: servers.id, name: servers.name, status: servers.status })
    .from(servers)
    .where(and(eq(servers.id, id), eq(servers.userId, userId)))
    .for('update')
    .limit(1);
  if (!row) throw notFound();
  return row;
}

async function activeJob(tx: Tx, serverId: string) {
  const [job] = await tx
    .select({ id: serverJobs.id, kind: serverJobs.kind })
    .from(serverJobs)
    .where(and(eq(serverJobs.serverId, serverId), inArray(serverJobs.state, ['queued', 'running'])))
    .limit(1);
  return job;
}

export async function requestAction(
  db: Database,
  info: RequestInfo,
  id: string,
  action: ServerAction,
): Promise<Server> {
  await db.transaction(async (tx) => {
    const server = await lockServer(tx, info.userId, id);
    const next = transitionFor(server.status, action);
    if (!next) {
      const allowed = actionsAllowedIn(server.status);
      throw appError(
        'INVALID_STATE',
        `Cannot ${action} a server that is ${server.status}.` +
          (allowed.length
            ? ` Allowed now: ${allowed.join(', ')}.`
            : ' No action is allowed until it settles.'),
      );
    }
    const current = await activeJob(tx, server.id);
    if (current) {
      // A hard stop may cut short a graceful shutdown that the guest is ignoring; nothing else overlaps.
      if (!(action === 'stop' && current.kind === 'shutdown')) {
        throw appError(
          'INVALID_STATE',
          `Another operation (${current.kind}) is still in progress on this server.`,
        );
      }
      await tx
        .update(serverJobs)
        .set({ state: 'cancelled', finishedAt: new Date(), lastError: 'superseded by stop' })
        .where(eq(serverJobs.id, current.id));
    }
    await tx.update(servers).set({ status: next, statusReason: null }).where(eq(servers.id, server.id));
    const jobId = await enqueueJob(tx, server.id, action, info);
    await audit(tx, info, server.id, `server.${action}`, `${action} requested`, jobId);
  });
  return getServer(db, info.userId, id);
}

export async function terminateServer(db: Database, info: RequestInfo, id: string): Promise<Server> {
  await db.transaction(async (tx) => {
    const server = await lockServer(tx, info.userId, id);
    if (!canTerminate(server.status)) {
      throw appError('INVALID_STATE', `Cannot terminate a server that is ${server.status}.`);
    }
    const current = await activeJob(tx, server.id);
    if (current) {
      throw appError(
        'INVALID_STATE',
        `Another operation (${current.kind}) is still in progress on this server.`,
      );
    }
    await tx
      .update(servers)
      .set({ status: 'terminating', statusReason: null })
      .where(eq(servers.id, server.id));
    const jobId = await enqueueJob(tx, server.id, 'terminate', info);
    await audit(tx, info, server.id, 'server.terminate', `Termination of ${server.name} requested`, jobId);
  });
  return getServer(db, info.userId, id);
}
