/**
 * What every self-service operation on a server checks first, under the server row's lock: the server
 * is the caller's, settled (running or stopped; not suspended) and has no other operation under way.
 */
import { and, eq } from 'drizzle-orm';
import { canOperate, suspendedByProviderMessage } from '../../../shared/server-status.ts';
import type { Tx } from '../../db/client.ts';
import { plans, servers } from '../../db/schema.ts';
import { appError } from '../../errors.ts';
import { activeJobOf } from '../../jobs/queue.ts';
import { assertServerId, serverNotFound } from './read.ts';

const operationNames: Record<string, string> = {
  provision: 'provisioning',
  reinstall: 'a reinstall',
  root_password: 'a root password change',
  resize: 'a resize',
  snapshot_create: 'a snapshot',
  snapshot_rollback: 'a rollback',
  snapshot_delete: 'a snapshot deletion',
};

/**
 * Locks the owner's server for the rest of the transaction and refuses it unless it can be operated
 * on. `what` reads in "Cannot <what> this server": `reinstall`, `take a snapshot of`, ….
 */
export async function lockForOperation(tx: Tx, userId: string, id: string, what: string) {
  assertServerId(id);
  const [row] = await tx
    .select({
      id: servers.id,
      name: servers.name,
      status: servers.status,
      planId: servers.planId,
      imageId: servers.imageId,
      cpuCores: servers.cpuCores,
      memoryMb: servers.memoryMb,
      diskGb: servers.diskGb,
      pveNode: servers.pveNode,
      pveVmid: servers.pveVmid,
    })
    .from(servers)
    .where(and(eq(servers.id, id), eq(servers.userId, userId)))
    .for('update')
    .limit(1);
  if (!row) throw serverNotFound();
  const job = await activeJobOf(tx, row.id);
  if (job)
    throw appError(
      'INVALID_STATE',
      `Cannot ${what} this server now: ${operationNames[job.kind] ?? `a ${job.kind}`} is still in progress on it.`,
    );
  if (row.status === 'suspended') throw appError('INVALID_STATE', suspendedByProviderMessage);
  if (!canOperate(row.status))
    throw appError(
      'INVALID_STATE',
      `Cannot ${what} a server that is ${row.status}; it must be running or stopped.`,
    );
  if (!row.pveNode || !row.pveVmid)
    throw appError('INVALID_STATE', `Cannot ${what} this server: it has no virtual machine.`);
  return { ...row, pveNode: row.pveNode, pveVmid: row.pveVmid };
}
export type LockedServer = Awaited<ReturnType<typeof lockForOperation>>;

/** The plan's snapshot limit; a server without a plan (migrated) gets the default. */
export async function snapshotLimitOf(tx: Tx, planId: string | null): Promise<number> {
  if (!planId) return 3;
  const [plan] = await tx.select({ limit: plans.snapshotLimit }).from(plans).where(eq(plans.id, planId));
  return plan?.limit ?? 3;
}
