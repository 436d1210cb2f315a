/**
 * Setting the root password from the crypt(3) hash the request made. The guest agent first: its
 * `set-user-password` with `crypted` takes effect at once and needs no reboot. When no agent answers
 * (or the server is stopped), cloud-init carries it instead: root becomes the cloud-init user with the
 * hash as `cipassword`, the drive is regenerated, and a running server is rebooted so the guest reads
 * it. Each step is saved, and the reboot is dispatched once (task-once.ts).
 */
import { PveError } from '../pve/errors.ts';
import { taskFailure } from '../domain/retry-policy.ts';
import { finishJob } from './finish.ts';
import type { JobContext } from './job-context.ts';
import { serverVm, settledStatus } from './operation.ts';
import { runTaskOnce } from './task-once.ts';

interface PasswordProgress {
  passwordHash?: string;
  wasRunning?: boolean;
  method?: 'guest-agent' | 'cloud-init';
  running?: boolean;
  [key: string]: unknown;
}

/** PVE's answers when no agent is there to take the command. */
const agentAbsent = /agent|not running|got timeout/i;

const steps = ['agent', 'cloudinit', 'reboot'] as const;

async function rootPassword(ctx: JobContext): Promise<void> {
  const { node, vmid } = await serverVm(ctx);
  const p = { ...(ctx.job.progress as PasswordProgress) };
  const done = (step: (typeof steps)[number]) =>
    ctx.job.step ? steps.indexOf(ctx.job.step as (typeof steps)[number]) >= steps.indexOf(step) : false;
  const hash = p.passwordHash;
  if (!done('agent')) {
    if (!hash) throw new Error('the job carries no password hash');
    const running = (await ctx.pve.vmStatus(node, vmid)).status === 'running';
    let viaAgent = false;
    if (running) {
      try {
        await ctx.pve.agentSetUserPassword(node, vmid, 'root', hash);
        viaAgent = true;
      } catch (err) {
        if (!(err instanceof PveError && agentAbsent.test(err.message))) throw err;
        ctx.log.info({ err: err.message }, 'the guest agent did not take the password; using cloud-init');
      }
    }
    p.method = viaAgent ? 'guest-agent' : 'cloud-init';
    p.running = running;
    await ctx.save('agent', p);
  }
  if (p.method === 'cloud-init') {
    if (!done('cloudinit')) {
      if (!hash) throw new Error('the job carries no password hash');
      // PVE keeps a value that already looks crypted as it is (Qemu.pm update_vm: encrypt_pw otherwise).
      await ctx.pve.updateVmConfig(node, vmid, { ciuser: 'root', cipassword: hash });
      await ctx.pve.regenerateCloudinit(node, vmid);
      await ctx.save('cloudinit', p);
    }
    if (p.running && !done('reboot')) {
      const result = await runTaskOnce(ctx, p, {
        key: 'rebootUpid',
        node,
        vmid,
        type: 'qmreboot',
        label: 'reboot (root password by cloud-init)',
        dispatch: () => ctx.pve.rebootVm(node, vmid),
      });
      if (result && !result.ok) throw taskFailure('Reboot', result.exitstatus);
      await ctx.save('reboot', p);
    }
  }
  // The hash has done its work; the job's record keeps no trace of it.
  delete p.passwordHash;
  await ctx.save(ctx.job.step ?? 'agent', p);
  const status = await settledStatus(ctx, node, vmid, p.wasRunning ? 'running' : 'stopped');
  await finishJob(ctx, { status, statusReason: null });
  const how =
    p.method === 'guest-agent'
      ? 'by the guest agent'
      : p.running
        ? 'by cloud-init; the server was rebooted'
        : 'by cloud-init; it takes effect at the next boot';
  await ctx.audit({
    kind: 'server.root_password_set',
    message: `Root password set ${how}`,
    data: { method: p.method },
  });
}

export const rootPasswordHandlers = { root_password: rootPassword } as const;
