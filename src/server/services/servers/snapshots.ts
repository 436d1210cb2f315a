/**
 * A server's snapshots: listed from Proxmox VE, taken, rolled back to and deleted by the worker. Each
 * request is checked here first (a settled server, no other operation, the plan's limit, a storage
 * that can snapshot at all) so that the customer hears a refusal at once rather than a failed job.
 */
import { and, eq } from 'drizzle-orm';
import type { Server } from '../../../shared/api.ts';
import type { Snapshot, SnapshotList } from '../../../shared/self-service.ts';
import type { Database } from '../../db/client.ts';
import { servers } from '../../db/schema.ts';
import { appError } from '../../errors.ts';
import { activeJobOf } from '../../jobs/queue.ts';
import type { PveClient } from '../../pve/client.ts';
import type { PveSnapshot } from '../../pve/types.ts';
import { PveError } from '../../pve/errors.ts';
import { lockForOperation, snapshotLimitOf } from './operation.ts';
import { assertServerId, getServer, serverNotFound } from './read.ts';
import { queueRequestedJob, type RequestInfo } from './request.ts';

export interface SnapshotDeps {
  db: Database;
  pve?: PveClient | undefined;
}

/** Pure: PVE's list as the customer sees it, oldest first, without `current`. */
export function snapshotsFromPve(rows: readonly PveSnapshot[]): Snapshot[] {
  return rows
    .filter((r) => r.name !== 'current')
    .map((r) => ({
      name: r.name,
      description: r.description ?? '',
      createdAt: r.snaptime ? new Date(r.snaptime * 1000) : null,
      complete: !r.snapstate,
    }))
    .sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0));
}

/** Proxmox VE's answer, or UNAVAILABLE in words the customer can act on. */
async function fromPve<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof PveError)
      throw appError('UNAVAILABLE', 'The virtualisation cluster did not answer; try again in a moment.');
    throw err;
  }
}

const pendingKinds = {
  snapshot_create: 'create',
  snapshot_rollback: 'rollback',
  snapshot_delete: 'delete',
} as const;

export async function listSnapshots(deps: SnapshotDeps, userId: string, id: string): Promise<SnapshotList> {
  assertServerId(id);
  const [row] = await deps.db
    .select({ id: servers.id, planId: servers.planId, node: servers.pveNode, vmid: servers.pveVmid })
    .from(servers)
    .where(and(eq(servers.id, id), eq(servers.userId, userId)))
    .limit(1);
  if (!row) throw serverNotFound();
  const pve = deps.pve;
  const [limit, job] = await deps.db.transaction(async (tx) =>
    Promise.all([snapshotLimitOf(tx, row.planId), activeJobOf(tx, row.id)]),
  );
  const snapshots =
    pve && row.node && row.vmid
      ? snapshotsFromPve(await fromPve(() => pve.snapshots(row.node!, row.vmid!)))
      : [];
  const pending =
    job && job.kind in pendingKinds ? pendingKinds[job.kind as keyof typeof pendingKinds] : null;
  return { snapshots, limit, pending };
}

export async function createSnapshot(
  deps: SnapshotDeps,
  info: RequestInfo,
  input: { id: string; name: string; description?: string | undefined },
): Promise<Server> {
  await deps.db.transaction(async (tx) => {
    const server = await lockForOperation(tx, info.userId, input.id, 'take a snapshot of');
    const node = server.pveNode;
    const vmid = server.pveVmid;
    // Without PVE to ask (tests), the worker's own checks decide.
    const pve = deps.pve;
    const [canSnapshot, existing, limit] = await Promise.all([
      pve ? fromPve(() => pve.vmFeature(node, vmid, 'snapshot')) : true,
      pve ? fromPve(() => pve.snapshots(node, vmid)) : [],
      snapshotLimitOf(tx, server.planId),
    ]);
    if (!canSnapshot)
      throw appError(
        'INVALID_STATE',
        "This server's disk is on storage that cannot take snapshots, so snapshots are not available for it.",
      );
    const taken = snapshotsFromPve(existing);
    if (taken.some((s) => s.name === input.name))
      throw appError('CONFLICT', `A snapshot named "${input.name}" already exists. Choose another name.`);
    if (taken.length >= limit)
      throw appError(
        'QUOTA_EXCEEDED',
        `This server's plan allows ${limit} snapshot${limit === 1 ? '' : 's'} at once; delete one before taking another.`,
      );
    await queueRequestedJob(
      tx,
      info,
      server.id,
      'snapshot_create',
      { kind: 'snapshot.create', message: `Snapshot "${input.name}" requested`, data: { name: input.name } },
      { name: input.name, description: input.description ?? '', limit },
    );
  });
  return getServer(deps.db, info.userId, input.id);
}

async function requestOnSnapshot(
  deps: SnapshotDeps,
  info: RequestInfo,
  input: { id: string; name: string },
  kind: 'snapshot_rollback' | 'snapshot_delete',
): Promise<Server> {
  const what = kind === 'snapshot_rollback' ? 'roll back' : 'delete a snapshot of';
  await deps.db.transaction(async (tx) => {
    const server = await lockForOperation(tx, info.userId, input.id, what);
    const pve = deps.pve;
    const snapshot = pve
      ? snapshotsFromPve(await fromPve(() => pve.snapshots(server.pveNode, server.pveVmid))).find(
          (s) => s.name === input.name,
        )
      : { complete: true };
    if (!snapshot) throw appError('NOT_FOUND', `This server has no snapshot named "${input.name}".`);
    if (!snapshot.complete)
      throw appError('INVALID_STATE', `The snapshot "${input.name}" is incomplete and cannot be used.`);
    await queueRequestedJob(
      tx,
      info,
      server.id,
      kind,
      kind === 'snapshot_rollback'
        ? {
            kind: 'snapshot.rollback',
            message: `Rollback to snapshot "${input.name}" requested`,
            data: { name: input.name },
          }
        : {
            kind: 'snapshot.delete',
            message: `Deletion of snapshot "${input.name}" requested`,
            data: { name: input.name },
          },
      // A rollback stops the VM; it is started again if it was running when the customer asked.
      { name: input.name, wasRunning: server.status === 'running' },
    );
  });
  return getServer(deps.db, info.userId, input.id);
}

export const rollbackSnapshot = (
  deps: SnapshotDeps,
  info: RequestInfo,
  input: { id: string; name: string },
) => requestOnSnapshot(deps, info, input, 'snapshot_rollback');

export const deleteSnapshot = (deps: SnapshotDeps, info: RequestInfo, input: { id: string; name: string }) =>
  requestOnSnapshot(deps, info, input, 'snapshot_delete');
