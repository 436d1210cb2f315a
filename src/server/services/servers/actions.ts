/**
 * Acting on a customer's server: power actions and termination. The change of state and the job that
 * carries it out are written in one transaction, with the server row locked.
 */
import { and, eq } from 'drizzle-orm';
import type { Server } from '../../../shared/api.ts';
import {
  actionsAllowedIn,
  canTerminate,
  transitionFor,
  type ServerAction,
} from '../../../shared/server-status.ts';
import type { Database, Tx } from '../../db/client.ts';
import { servers } from '../../db/schema.ts';
import { appError } from '../../errors.ts';
import { activeJobOf, cancelJob } from '../../jobs/queue.ts';
import { assertServerId, getServer, serverNotFound } from './read.ts';
import { queueRequestedJob, type RequestInfo } from './request.ts';

/** Locks the owner's server row for the rest of the transaction, or answers NOT_FOUND. */
async function lockServer(tx: Tx, userId: string, id: string) {
  assertServerId(id);
  const [row] = await tx
    .select({ id: servers.id, name: servers.name, status: servers.status })
    .from(servers)
    .where(and(eq(servers.id, id), eq(servers.userId, userId)))
    .for('update')
    .limit(1);
  if (!row) throw serverNotFound();
  return row;
}

const busy = (kind: string) =>
  appError('INVALID_STATE', `Another operation (${kind}) is still in progress on this server.`);

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
    });
  });
  return getServer(db, info.userId, id);
}

export async function terminateServer(db: Database, info: RequestInfo, id: string): Promise<Server> {
  await db.transaction(async (tx) => {
    const server = await lockServer(tx, info.userId, id);
    if (!canTerminate(server.status)) {
      throw appError('INVALID_STATE', `Cannot terminate a server that is ${server.status}.`);
    }
    const current = await activeJobOf(tx, server.id);
    if (current) throw busy(current.kind);
    await tx
      .update(servers)
      .set({ status: 'terminating', statusReason: null })
      .where(eq(servers.id, server.id));
    await queueRequestedJob(tx, info, server.id, 'terminate', {
      kind: 'server.terminate',
      message: `Termination of ${server.name} requested`,
    });
  });
  return getServer(db, info.userId, id);
}
