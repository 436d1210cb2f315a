/**
 * Applying a bigger plan to the VM: cores and memory in the config (a running VM takes them at its
 * next boot, so it is rebooted when PVE holds them pending), the disk grown to the plan's size (never
 * shrunk). The server row already has the new size (the request wrote it with the quota check).
 */
import { eq } from 'drizzle-orm';
import { servers } from '../db/schema.ts';
import { driveSizeGb, resizeChanges, type Specs } from '../domain/resize.ts';
import { PermanentJobError, taskFailure } from '../domain/retry-policy.ts';
import { finishJob } from './finish.ts';
import type { JobContext } from './job-context.ts';
import { serverVm, settledStatus } from './operation.ts';
import { runTaskOnce } from './task-once.ts';

interface ResizeProgress {
  from?: Specs;
  wasRunning?: boolean;
  [key: string]: unknown;
}

const steps = ['config', 'disk', 'reboot'] as const;
type Step = (typeof steps)[number];

async function resize(ctx: JobContext): Promise<void> {
  const { node, vmid } = await serverVm(ctx);
  const [target] = await ctx.db
    .select({ cpuCores: servers.cpuCores, memoryMb: servers.memoryMb, diskGb: servers.diskGb })
    .from(servers)
    .where(eq(servers.id, ctx.job.serverId));
  if (!target) throw new PermanentJobError('the server no longer exists');
  const p = { ...(ctx.job.progress as ResizeProgress) };
  const from = p.from ?? target;
  const changes = resizeChanges(from, target);
  const done = (step: Step) =>
    ctx.job.step ? steps.indexOf(ctx.job.step as Step) >= steps.indexOf(step) : false;

  if (!done('config')) {
    if (changes.config)
      await ctx.pve.updateVmConfig(node, vmid, { cores: target.cpuCores, memory: target.memoryMb });
    await ctx.save('config', p);
  }
  if (!done('disk')) {
    const size = driveSizeGb(String((await ctx.pve.vmConfig(node, vmid)).scsi0 ?? ''));
    // Grown already (by an earlier run) or bigger than the plan: nothing to do; a disk never shrinks.
    if (size !== null && size < target.diskGb) {
      const result = await runTaskOnce(ctx, p, {
        key: 'resizeUpid',
        node,
        vmid,
        type: 'resize',
        label: `resize scsi0 to ${target.diskGb}G`,
        dispatch: () => ctx.pve.resizeDisk(node, vmid, 'scsi0', `${target.diskGb}G`),
      });
      if (result && !result.ok) throw taskFailure('Sizing the disk', result.exitstatus);
    }
    await ctx.save('disk', p);
  }
  if (!done('reboot')) {
    const running = (await ctx.pve.vmStatus(node, vmid)).status === 'running';
    const pending = running
      ? (await ctx.pve.pendingConfig(node, vmid)).some(
          (e) => (e.key === 'cores' || e.key === 'memory') && e.pending !== undefined,
        )
      : false;
    if (pending || p.rebootUpid !== undefined || p.rebootUpidAt !== undefined) {
      const result = await runTaskOnce(ctx, p, {
        key: 'rebootUpid',
        node,
        vmid,
        type: 'qmreboot',
        label: 'reboot (new plan)',
        dispatch: () => ctx.pve.rebootVm(node, vmid),
      });
      if (result && !result.ok) throw taskFailure('Reboot', result.exitstatus);
    }
    p.rebooted = pending || p.rebootUpid !== undefined;
    await ctx.save('reboot', p);
  }
  const status = await settledStatus(ctx, node, vmid, p.wasRunning ? 'running' : 'stopped');
  await finishJob(ctx, { status, statusReason: null });
  await ctx.audit({
    kind: 'server.resized',
    message: `Now ${target.cpuCores} vCPU, ${target.memoryMb} MB, ${target.diskGb} GB${p.rebooted ? ' (rebooted)' : ''}`,
    data: { from, to: target },
  });
}

export const resizeHandlers = { resize } as const;
