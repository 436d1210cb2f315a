/**
 * Acting on a server: power actions and termination. The change of state and the job that carries it
 * out are written in one transaction, with the server row locked. Customers reach these through their
 * own servers only; operators through services/admin with any server.
 */
import { and, eq } from 'drizzle-orm';
import { idSchema, type Server } from '../../../shared/api.ts';
import {
  actionsAllowedIn,
  canTerminate,
  suspendedByProviderMessage,
  transitionFor,
  type ServerAction,
  type ServerStatus,
} from '../../../shared/server-status.ts';
import type { Database, Tx } from '../../db/client.ts';
import { servers } from '../../db/schema.ts';
import { appError } from '../../errors.ts';
import { activeJobOf, cancelJob } from '../../jobs/queue.ts';
import { getServer, serverNotFound } from './read.ts';
import { queueRequestedJob, type RequestInfo } from './request.ts';

export interface LockedServer {
  id: string;
  name: string;
  status: ServerStatus;
  userId: string;
}

/**
 * Locks the server row for the rest of the transaction, or answers NOT_FOUND. With `ownerId`, only
 * that user's server is found (a customer's request); null finds any (an operator's).
 */
export async function lockServer(
  tx: Tx,
  id: string,
  ownerId: string | null,
  notFound: () => Error = serverNotFound,
): Promise<LockedServer> {
  if (!idSchema.safeParse(id).success) throw notFound();
  const [row] = await tx
    .select({ id: servers.id, name: servers.name, status: servers.status, userId: servers.userId })
    .from(servers)
    .where(ownerId ? and(eq(servers.id, id), eq(servers.userId, ownerId)) : eq(servers.id, id))
    .for('update')
    .limit(1);
  if (!row) throw notFound();
  return row;
}

export const busy = (kind: string) =>
  appError('INVALID_STATE', `Another operation (${kind}) is still in progress on this server.`);

/** Refuses every customer request on a suspended server, saying who suspended it. */
function refuseIfSuspended(server: LockedServer): void {
  if (server.status === 'suspended') throw appError('INVALID_STATE', suspendedByProviderMessage);
}

/**
 * A power action on a locked server: checks the transition, cuts short a shutdown a hard stop
 * supersedes, sets the new status and queues the job with its audit line (`data` added to it).
 */
export async function queuePowerAction(
  tx: Tx,
  info: RequestInfo,
  server: LockedServer,
  action: ServerAction,
  data?: Record<string, unknown>,
): Promise<void> {
  const next = transitionFor(server.status, action);
  if (!next) {
    const allowed = actionsAllowedIn(server.status);
    throw appError(
      'INVALID_STATE',
      `Cannot ${action} a server that is ${server.status}.` +
        (allowed.length ? ` Allowed now: ${allowed.join(', ')}.` : ' No action is allowed until it settles.'),
    );
  }
  const current = await activeJobOf(tx, server.id);
  if (current) {
    // A hard stop may cut short a graceful shutdown that the guest is ignoring; nothing else overlaps.
    if (!(action === 'stop' && current.kind === 'shutdown')) throw busy(current.kind);
    await cancelJob(tx, current.id, 'superseded by stop');
  }
  await tx.update(servers).set({ status: next, statusReason: null }).where(eq(servers.id, server.id));
  await queueRequestedJob(tx, info, server.id, action, {
    kind: `server.${action}`,
    message: `${action} requested`,
    ...(data ? { data } : {}),
  });
}

export async function requestAction(
  db: Database,
  info: RequestInfo,
  id: string,
  action: ServerAction,
): Promise<Server> {
  await db.transaction(async (tx) => {
    const server = await lockServer(tx, id, info.userId);
    refuseIfSuspended(server);
    await queuePowerAction(tx, info, server, action);
  });
  return getServer(db, info.userId, id);
}

/** Sets `terminating` and queues the job that deletes the VM and releases the address. */
export async function queueTermination(
  tx: Tx,
  info: RequestInfo,
  server: LockedServer,
  data?: Record<string, unknown>,
): Promise<void> {
  await tx
    .update(servers)
    .set({ status: 'terminating', statusReason: null })
    .where(eq(servers.id, server.id));
  await queueRequestedJob(tx, info, server.id, 'terminate', {
    kind: 'server.terminate',
    message: `Termination of ${server.name} requested`,
    ...(data ? { data } : {}),
  });
}

export async function terminateServer(db: Database, info: RequestInfo, id: string): Promise<Server> {
  await db.transaction(async (tx) => {
    const server = await lockServer(tx, id, info.userId);
    refuseIfSuspended(server);
    if (!canTerminate(server.status)) {
      throw appError('INVALID_STATE', `Cannot terminate a server that is ${server.status}.`);
    }
    const current = await activeJobOf(tx, server.id);
    if (current) throw busy(current.kind);
    await queueTermination(tx, info, server);
  });
  return getServer(db, info.userId, id);
}
