/**
 * What each job kind does, and how its outcome is written: the server's new status and the job's
 * completion commit together, and only while this worker still holds the job.
 */
import { eq, sql } from 'drizzle-orm';
import type { ServerStatus } from '../../shared/server-status.ts';
import { emitServerEvent } from '../db/events.ts';
import { releaseAddress } from '../db/ipam.ts';
import { servers } from '../db/schema.ts';
import { taskFailure } from '../domain/retry-policy.ts';
import { failJob } from '../jobs/queue.ts';
import { PveError } from '../pve/errors.ts';
import { finishJob } from './finish.ts';
import type { JobContext } from './job-context.ts';
import { failOperation, keepsServerOnFailure, serverVm } from './operation.ts';
import { reinstallHandlers, failReinstall } from './reinstall.ts';
import { resizeHandlers } from './resize.ts';
import { rootPasswordHandlers } from './root-password.ts';
import { snapshotHandlers } from './snapshots.ts';
import { cleanUpFailedProvision } from './own-vms.ts';
import { provisionServer } from './provision.ts';

export { finishJob } from './finish.ts';

async function setStatus(
  ctx: JobContext,
  status: ServerStatus,
  statusReason: string | null = null,
  event?: 'server.running',
): Promise<void> {
  await finishJob(ctx, { status, statusReason }, async (tx) => {
    if (event) await emitServerEvent(tx, event, ctx.job.serverId);
  });
  await ctx.audit({
    kind: 'server.status',
    message: statusReason ? `${status}: ${statusReason}` : `Now ${status}`,
    data: { status },
  });
}

async function provision(ctx: JobContext): Promise<void> {
  const { ipAddress, node, vmid } = await provisionServer(ctx);
  await finishJob(
    ctx,
    { status: 'running', statusReason: null, ipAddress, pveNode: node, pveVmid: vmid },
    (tx) => emitServerEvent(tx, 'server.running', ctx.job.serverId).then(() => undefined),
  );
  await ctx.audit({
    kind: 'server.status',
    message: `Running on ${node} as VM ${vmid} with ${ipAddress}`,
    data: { status: 'running' },
  });
}

async function start(ctx: JobContext): Promise<void> {
  const { node, vmid } = await serverVm(ctx);
  const result = await ctx.runTask(node, 'start', () => ctx.pve.startVm(node, vmid));
  if (result && !result.ok && !/already running/.test(result.exitstatus))
    throw taskFailure('Start', result.exitstatus);
  await setStatus(ctx, 'running', null, 'server.running');
}

async function stop(ctx: JobContext): Promise<void> {
  const { node, vmid } = await serverVm(ctx);
  const result = await ctx.runTask(node, 'stop', () => ctx.pve.stopVm(node, vmid));
  if (result && !result.ok) throw taskFailure('Stop', result.exitstatus);
  await setStatus(ctx, 'stopped');
}

async function shutdown(ctx: JobContext): Promise<void> {
  const { node, vmid } = await serverVm(ctx);
  const timeout = ctx.timings.shutdownTimeoutS;
  const result = await ctx.runTask(
    node,
    `shutdown (ACPI, ${timeout} s)`,
    () => ctx.pve.shutdownVm(node, vmid, { timeout }),
    { timeoutMs: (timeout + 60) * 1000 },
  );
  if (result && !result.ok) {
    if (/got timeout/.test(result.exitstatus)) {
      // Not a failure of Keel's: the guest ignored the request. It is still running; say so.
      await setStatus(
        ctx,
        'running',
        `The server did not shut down within ${timeout} seconds. Use Stop to turn it off.`,
      );
      return;
    }
    throw taskFailure('Shutdown', result.exitstatus);
  }
  await setStatus(ctx, 'stopped');
}

async function reboot(ctx: JobContext): Promise<void> {
  const { node, vmid } = await serverVm(ctx);
  let result;
  try {
    result = await ctx.runTask(node, 'reboot', () => ctx.pve.rebootVm(node, vmid));
  } catch (err) {
    if (err instanceof PveError && /not running/.test(err.message)) {
      await setStatus(ctx, 'stopped', 'The server was not running, so it was not rebooted.');
      return;
    }
    throw err;
  }
  if (result && !result.ok) throw taskFailure('Reboot', result.exitstatus);
  await setStatus(ctx, 'running');
}

async function terminate(ctx: JobContext): Promise<void> {
  const [row] = await ctx.db
    .select({ node: servers.pveNode, vmid: servers.pveVmid })
    .from(servers)
    .where(eq(servers.id, ctx.job.serverId));
  if (row?.node && row.vmid) {
    const { node, vmid } = { node: row.node, vmid: row.vmid };
    let status: string | null = null;
    try {
      status = (await ctx.pve.vmStatus(node, vmid)).status;
    } catch (err) {
      if (!(err instanceof PveError && err.kind === 'not_found')) throw err;
    }
    if (status === 'running') {
      const stopped = await ctx.runTask(node, 'stop (terminate)', () => ctx.pve.stopVm(node, vmid));
      if (stopped && !stopped.ok) throw taskFailure('Stop', stopped.exitstatus);
    }
    if (status !== null) {
      const deleted = await ctx.runTask(node, 'delete', () => ctx.pve.deleteVm(node, vmid));
      if (deleted && !deleted.ok) throw taskFailure('Delete', deleted.exitstatus);
    } else {
      await ctx.audit({ kind: 'terminate.vm_missing', message: `VM ${vmid} was already gone from ${node}` });
    }
  }
  await finishJob(ctx, { status: 'terminated', statusReason: null, terminatedAt: sql`now()` }, async (tx) => {
    await releaseAddress(tx, ctx.job.serverId);
    await emitServerEvent(tx, 'server.terminated', ctx.job.serverId);
  });
  await ctx.audit({
    kind: 'server.status',
    message: 'Terminated; its VM is deleted and its address released',
    data: { status: 'terminated' },
  });
}

/** The server's VM and its power state on PVE; null when it has none, or PVE says it is gone. */
async function vmWithStatus(ctx: JobContext) {
  const [row] = await ctx.db
    .select({ node: servers.pveNode, vmid: servers.pveVmid })
    .from(servers)
    .where(eq(servers.id, ctx.job.serverId));
  if (!row?.node || !row.vmid) return null;
  const { node, vmid } = { node: row.node, vmid: row.vmid };
  try {
    return { node, vmid, status: (await ctx.pve.vmStatus(node, vmid)).status };
  } catch (err) {
    if (err instanceof PveError && err.kind === 'not_found') return null;
    throw err;
  }
}

/**
 * An operator's suspension: the guest gets an ACPI shutdown and SUSPEND_GRACE_S seconds, then PVE stops
 * it hard (`forceStop`), in one task. The status stays `suspended`; what the VM was doing is kept for
 * unsuspend when the request could not tell (a server in `error`).
 */
async function suspend(ctx: JobContext): Promise<void> {
  const vm = await vmWithStatus(ctx);
  if (vm?.status === 'running') {
    const grace = ctx.timings.suspendGraceS;
    const result = await ctx.runTask(
      vm.node,
      `shutdown (suspension: ACPI, hard stop after ${grace} s)`,
      () => ctx.pve.shutdownVm(vm.node, vm.vmid, { timeout: grace, forceStop: true }),
      { timeoutMs: (grace + 60) * 1000 },
    );
    if (result && !result.ok) throw taskFailure('Suspension shutdown', result.exitstatus);
  }
  const found = vm?.status === 'running' ? 'running' : 'stopped';
  await finishJob(ctx, {
    powerBeforeSuspension: sql`coalesce(${servers.powerBeforeSuspension}, ${found})`,
  });
  await ctx.audit({
    kind: 'server.suspended',
    message: vm
      ? vm.status === 'running'
        ? `Suspended; VM ${vm.vmid} on ${vm.node} is stopped`
        : `Suspended; VM ${vm.vmid} on ${vm.node} was already stopped`
      : 'Suspended; it has no VM to stop',
    data: { vmWas: vm?.status ?? null },
  });
}

/** Reconciliation found a suspended server's VM running: it is stopped hard at once. */
async function enforceSuspension(ctx: JobContext): Promise<void> {
  const vm = await vmWithStatus(ctx);
  if (vm?.status === 'running') {
    const result = await ctx.runTask(vm.node, 'stop (suspended)', () => ctx.pve.stopVm(vm.node, vm.vmid));
    if (result && !result.ok) throw taskFailure('Stop', result.exitstatus);
  }
  await finishJob(ctx, {});
  await ctx.audit({
    kind: 'server.suspension_enforced',
    message:
      vm?.status === 'running'
        ? `Stopped VM ${vm.vmid} on ${vm.node} again: the server is suspended`
        : 'The VM was no longer running',
    data: { vmWas: vm?.status ?? null },
  });
}

export const jobHandlers = {
  provision,
  start,
  stop,
  shutdown,
  reboot,
  terminate,
  ...reinstallHandlers,
  ...rootPasswordHandlers,
  ...resizeHandlers,
  ...snapshotHandlers,
  suspend,
  enforce_suspension: enforceSuspension,
} as const;

/** Jobs whose failure leaves the server as it is: a suspension stays one, and reconciliation tries again. */
const keepsStatusOnFailure: ReadonlySet<string> = new Set(['suspend', 'enforce_suspension']);

/** After the last attempt: the server goes to `error` with the reason, in words a customer can read. */
export async function failServer(ctx: JobContext, reason: string): Promise<void> {
  if (keepsServerOnFailure.has(ctx.job.kind)) return failOperation(ctx, reason);
  if (ctx.job.kind === 'reinstall') return failReinstall(ctx, reason);
  if (ctx.job.kind === 'provision') await cleanUpFailedProvision(ctx);
  if (keepsStatusOnFailure.has(ctx.job.kind)) {
    // A suspended server must not become `error`: that would let its customer start it.
    if (await failJob(ctx.db, ctx.job.id, ctx.owner, reason))
      await ctx.audit({
        kind: 'server.suspension_failed',
        message: `Could not stop the VM of the suspended server: ${reason}. Reconciliation will try again.`,
      });
    return;
  }
  await ctx.db.transaction(async (tx) => {
    if (!(await failJob(tx, ctx.job.id, ctx.owner, reason))) return;
    await tx
      .update(servers)
      .set({ status: 'error', statusReason: reason })
      .where(eq(servers.id, ctx.job.serverId));
    await emitServerEvent(tx, 'server.error', ctx.job.serverId);
  });
  await ctx.audit({ kind: 'server.status', message: `error: ${reason}`, data: { status: 'error' } });
}
