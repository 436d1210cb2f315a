/**
 * What each job kind does, and how its outcome is written: the server's new status and the job's
 * completion commit together, and only while this worker still holds the job.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { ServerStatus } from '../../shared/server-status.ts';
import { serverJobs, servers } from '../db/schema.ts';
import { PveError } from '../pve/errors.ts';
import { releaseAddress } from '../services/ipam.ts';
import { LeaseLostError, PermanentJobError, type JobContext } from './job-context.ts';
import { cleanUpFailedProvision, provisionServer } from './provision.ts';
import { completeJob, type Tx } from './queue.ts';

type ServerPatch = Partial<typeof servers.$inferInsert>;

/** Commits the outcome: server patch + job done, if and only if the job is still ours. */
export async function finishJob(
  ctx: JobContext,
  patch: ServerPatch,
  extra?: (tx: Tx) => Promise<void>,
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const [job] = await tx
      .select({ state: serverJobs.state, owner: serverJobs.leaseOwner })
      .from(serverJobs)
      .where(eq(serverJobs.id, ctx.job.id))
      .for('update');
    if (job?.state !== 'running' || job.owner !== ctx.owner)
      throw new LeaseLostError(`job ${ctx.job.id} was taken away`);
    await tx.update(servers).set(patch).where(eq(servers.id, ctx.job.serverId));
    await extra?.(tx);
    await completeJob(tx, ctx.job.id, ctx.owner);
  });
}

async function vmOf(ctx: JobContext): Promise<{ node: string; vmid: number }> {
  const [row] = await ctx.db
    .select({ node: servers.pveNode, vmid: servers.pveVmid })
    .from(servers)
    .where(eq(servers.id, ctx.job.serverId));
  if (!row?.node || !row.vmid) throw new PermanentJobError('this server has no VM on Proxmox VE');
  return { node: row.node, vmid: row.vmid };
}

async function setStatus(
  ctx: JobContext,
  status: ServerStatus,
  statusReason: string | null = null,
): Promise<void> {
  await finishJob(ctx, { status, statusReason });
  await ctx.audit({
    kind: 'server.status',
    message: statusReason ? `${status}: ${statusReason}` : `Now ${status}`,
    data: { status },
  });
}

function failed(what: string, exitstatus: string): Error {
  return /got timeout|can't lock|VM is locked/i.test(exitstatus)
    ? new PveError(0, `${what} failed: ${exitstatus}`, 'transient')
    : new PermanentJobError(`${what} failed: ${exitstatus}`);
}

async function provision(ctx: JobContext): Promise<void> {
  const { ipAddress, node, vmid } = await provisionServer(ctx);
  await finishJob(ctx, { status: 'running', statusReason: null, ipAddress, pveNode: node, pveVmid: vmid });
  await ctx.audit({
    kind: 'server.status',
    message: `Running on ${node} as VM ${vmid} with ${ipAddress}`,
    data: { status: 'running' },
  });
}

async function start(ctx: JobContext): Promise<void> {
  const { node, vmid } = await vmOf(ctx);
  const result = await ctx.runTask(node, 'start', () => ctx.pve.startVm(node, vmid));
  if (result && !result.ok && !/already running/.test(result.exitstatus))
    throw failed('Start', result.exitstatus);
  await setStatus(ctx, 'running');
}

async function stop(ctx: JobContext): Promise<void> {
  const { node, vmid } = await vmOf(ctx);
  const result = await ctx.runTask(node, 'stop', () => ctx.pve.stopVm(node, vmid));
  if (result && !result.ok) throw failed('Stop', result.exitstatus);
  await setStatus(ctx, 'stopped');
}

async function shutdown(ctx: JobContext): Promise<void> {
  const { node, vmid } = await vmOf(ctx);
  const timeout = ctx.timings.shutdownTimeoutS;
  const result = await ctx.runTask(
    node,
    `shutdown (ACPI, ${timeout} s)`,
    () => ctx.pve.shutdownVm(node, vmid, { timeout }),
    (timeout + 60) * 1000,
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
    throw failed('Shutdown', result.exitstatus);
  }
  await setStatus(ctx, 'stopped');
}

async function reboot(ctx: JobContext): Promise<void> {
  const { node, vmid } = await vmOf(ctx);
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
  if (result && !result.ok) throw failed('Reboot', result.exitstatus);
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
      if (stopped && !stopped.ok) throw failed('Stop', stopped.exitstatus);
    }
    if (status !== null) {
      const deleted = await ctx.runTask(node, 'delete', () => ctx.pve.deleteVm(node, vmid));
      if (deleted && !deleted.ok) throw failed('Delete', deleted.exitstatus);
    } else {
      await ctx.audit({ kind: 'terminate.vm_missing', message: `VM ${vmid} was already gone from ${node}` });
    }
  }
  await finishJob(
    ctx,
    { status: 'terminated', statusReason: null, terminatedAt: sql`now()` as unknown as Date },
    (tx) => releaseAddress(tx, ctx.job.serverId),
  );
  await ctx.audit({
    kind: 'server.status',
    message: 'Terminated; its VM is deleted and its address released',
    data: { status: 'terminated' },
  });
}

export const jobHandlers = { provision, start, stop, shutdown, reboot, terminate } as const;

/** After the last attempt: the server goes to `error` with the reason, in words a customer can read. */
export async function failServer(ctx: JobContext, reason: string): Promise<void> {
  if (ctx.job.kind === 'provision') await cleanUpFailedProvision(ctx);
  await ctx.db.transaction(async (tx) => {
    const [job] = await tx
      .update(serverJobs)
      .set({
        state: 'failed',
        lastError: reason,
        finishedAt: new Date(),
        leaseOwner: null,
        leaseExpiresAt: null,
      })
      .where(
        and(
          eq(serverJobs.id, ctx.job.id),
          eq(serverJobs.leaseOwner, ctx.owner),
          eq(serverJobs.state, 'running'),
        ),
      )
      .returning({ id: serverJobs.id });
    if (!job) return;
    await tx
      .update(servers)
      .set({ status: 'error', statusReason: reason })
      .where(eq(servers.id, ctx.job.serverId));
  });
  await ctx.audit({ kind: 'server.status', message: `error: ${reason}`, data: { status: 'error' } });
}
