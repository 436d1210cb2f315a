/**
 * What the self-service jobs share: the server's VM, and how their outcome is written. These jobs
 * change a settled server, so a failure puts it back where it was (running or stopped, as PVE has it)
 * with the reason, rather than in `error`: a snapshot that could not be taken breaks nothing.
 */
import { eq } from 'drizzle-orm';
import type { ServerStatus } from '../../shared/server-status.ts';
import { servers } from '../db/schema.ts';
import { PermanentJobError } from '../domain/retry-policy.ts';
import { dropProgressKeys, failJob } from '../jobs/queue.ts';
import type { JobContext } from './job-context.ts';

/** The jobs whose failure leaves the server as it was. */
export const keepsServerOnFailure: ReadonlySet<string> = new Set([
  'root_password',
  'resize',
  'snapshot_create',
  'snapshot_rollback',
  'snapshot_delete',
]);

const operationLabels: Record<string, string> = {
  root_password: 'The root password change',
  resize: 'The resize',
  snapshot_create: 'The snapshot',
  snapshot_rollback: 'The rollback',
  snapshot_delete: 'Deleting the snapshot',
  reinstall: 'The reinstall',
};

export async function serverVm(ctx: JobContext): Promise<{ node: string; vmid: number }> {
  const [row] = await ctx.db
    .select({ node: servers.pveNode, vmid: servers.pveVmid })
    .from(servers)
    .where(eq(servers.id, ctx.job.serverId));
  if (!row?.node || !row.vmid) throw new PermanentJobError('this server has no VM on Proxmox VE');
  return { node: row.node, vmid: row.vmid };
}

/** `running` or `stopped` as PVE reports the VM now; `fallback` when it cannot be asked. */
export async function settledStatus(
  ctx: JobContext,
  node: string,
  vmid: number,
  fallback: ServerStatus,
): Promise<ServerStatus> {
  try {
    return (await ctx.pve.vmStatus(node, vmid)).status === 'running' ? 'running' : 'stopped';
  } catch {
    return fallback;
  }
}

/** After the last attempt of a job in keepsServerOnFailure: job failed, server settled, reason given. */
export async function failOperation(ctx: JobContext, reason: string): Promise<void> {
  const p = ctx.job.progress as { wasRunning?: boolean };
  let status: ServerStatus = p.wasRunning ? 'running' : 'stopped';
  let vm: { node: string; vmid: number } | null = null;
  try {
    vm = await serverVm(ctx);
  } catch {
    // no VM: keep what the request saw
  }
  if (vm) status = await settledStatus(ctx, vm.node, vm.vmid, status);
  const label = operationLabels[ctx.job.kind] ?? 'The operation';
  const statusReason = `${label} did not succeed: ${reason}`;
  await ctx.db.transaction(async (tx) => {
    if (!(await failJob(tx, ctx.job.id, ctx.owner, reason))) return;
    await dropProgressKeys(tx, ctx.job.id, ['passwordHash']);
    await tx.update(servers).set({ status, statusReason }).where(eq(servers.id, ctx.job.serverId));
  });
  await ctx.audit({
    kind: 'operation.failed',
    message: statusReason,
    data: { status, operation: ctx.job.kind },
  });
}
