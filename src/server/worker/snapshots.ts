/**
 * Snapshot jobs: take, roll back to, delete. Each PVE task is dispatched once (task-once.ts); the
 * checks the request made are made again before the first dispatch, since PVE is the authority.
 */
import { PermanentJobError, taskFailure } from '../domain/retry-policy.ts';
import { finishJob } from './finish.ts';
import type { JobContext } from './job-context.ts';
import { serverVm, settledStatus } from './operation.ts';
import { runTaskOnce } from './task-once.ts';

interface SnapshotProgress {
  name: string;
  description?: string;
  limit?: number;
  wasRunning?: boolean;
  [key: string]: unknown;
}

/** PVE's task exit statuses in words for the customer. */
function snapshotFailure(what: string, exitstatus: string): Error {
  if (/snapshot feature is not available/.test(exitstatus))
    return new PermanentJobError("this server's disk is on storage that cannot take snapshots");
  return taskFailure(what, exitstatus);
}

async function snapshotCreate(ctx: JobContext): Promise<void> {
  const { node, vmid } = await serverVm(ctx);
  const p = { ...(ctx.job.progress as SnapshotProgress) };
  if (p.snapshotUpid === undefined && p.snapshotUpidAt === undefined) {
    const taken = (await ctx.pve.snapshots(node, vmid)).filter((s) => s.name !== 'current');
    if (taken.some((s) => s.name === p.name))
      throw new PermanentJobError(`a snapshot named "${p.name}" already exists`);
    if (p.limit !== undefined && taken.length >= p.limit)
      throw new PermanentJobError(`the plan allows ${p.limit} snapshots at once`);
  }
  const result = await runTaskOnce(ctx, p, {
    key: 'snapshotUpid',
    node,
    vmid,
    type: 'qmsnapshot',
    label: `snapshot "${p.name}"`,
    dispatch: () =>
      ctx.pve.createSnapshot(node, vmid, {
        snapname: p.name,
        ...(p.description ? { description: p.description } : {}),
      }),
  });
  if (result && !result.ok) throw snapshotFailure('Taking the snapshot', result.exitstatus);
  await finishJob(ctx, { statusReason: null });
  await ctx.audit({
    kind: 'snapshot.created',
    message: `Snapshot "${p.name}" taken`,
    data: { name: p.name },
  });
}

async function snapshotRollback(ctx: JobContext): Promise<void> {
  const { node, vmid } = await serverVm(ctx);
  const p = { ...(ctx.job.progress as SnapshotProgress) };
  const rolledBack = await runTaskOnce(ctx, p, {
    key: 'rollbackUpid',
    node,
    vmid,
    type: 'qmrollback',
    label: `rollback to "${p.name}"`,
    dispatch: () => ctx.pve.rollbackSnapshot(node, vmid, p.name),
  });
  if (rolledBack && !rolledBack.ok) throw snapshotFailure('The rollback', rolledBack.exitstatus);
  // A snapshot with RAM resumes the VM itself; one without leaves it stopped.
  if (
    p.wasRunning &&
    (p.startUpid !== undefined || (await ctx.pve.vmStatus(node, vmid)).status !== 'running')
  ) {
    const started = await runTaskOnce(ctx, p, {
      key: 'startUpid',
      node,
      vmid,
      type: 'qmstart',
      label: 'start (after rollback)',
      dispatch: () => ctx.pve.startVm(node, vmid),
    });
    if (started && !started.ok && !/already running/.test(started.exitstatus))
      throw taskFailure('Start', started.exitstatus);
  }
  const status = await settledStatus(ctx, node, vmid, p.wasRunning ? 'running' : 'stopped');
  await finishJob(ctx, { status, statusReason: null });
  await ctx.audit({
    kind: 'snapshot.rolled_back',
    message: `Rolled back to snapshot "${p.name}"`,
    data: { name: p.name, status },
  });
}

async function snapshotDelete(ctx: JobContext): Promise<void> {
  const { node, vmid } = await serverVm(ctx);
  const p = { ...(ctx.job.progress as SnapshotProgress) };
  const result = await runTaskOnce(ctx, p, {
    key: 'deleteUpid',
    node,
    vmid,
    type: 'qmdelsnapshot',
    label: `snapshot-delete "${p.name}"`,
    dispatch: () => ctx.pve.deleteSnapshot(node, vmid, p.name),
  });
  if (result && !result.ok) throw snapshotFailure('Deleting the snapshot', result.exitstatus);
  await finishJob(ctx, { statusReason: null });
  await ctx.audit({
    kind: 'snapshot.deleted',
    message: `Snapshot "${p.name}" deleted`,
    data: { name: p.name },
  });
}

export const snapshotHandlers = {
  snapshot_create: snapshotCreate,
  snapshot_rollback: snapshotRollback,
  snapshot_delete: snapshotDelete,
} as const;
