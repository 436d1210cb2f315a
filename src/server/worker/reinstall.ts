/**
 * Reinstalling a server as resumable steps, in an order that never leaves the customer with neither
 * VM: the new VM is cloned, configured (same address, the chosen keys) and sized while the old one
 * still runs; only then is the old one stopped, the new one booted, and the old one deleted. Each
 * step is saved before the next; each PVE task is dispatched once (task-once.ts); a clone from a run
 * that died before it saved its task is recognised by the new VMID and the Keel id in its description.
 *
 * The server row points at the new VMID from the first step on (the unique index on live servers'
 * VMIDs is what reserves it); the old VMID is in the job's parameters, and PVE itself keeps it taken
 * for as long as the old VM exists.
 */
import { and, eq } from 'drizzle-orm';
import { reinstallSteps, type ReinstallStep, type ServerStatus } from '../../shared/server-status.ts';
import { allocationFor } from '../db/ipam.ts';
import { servers } from '../db/schema.ts';
import { PermanentJobError, taskFailure } from '../domain/retry-policy.ts';
import { dropProgressKeys, failJob } from '../jobs/queue.ts';
import { encodeSshKeys } from '../pve/client.ts';
import { PveError } from '../pve/errors.ts';
import { pveTags } from '../pve/tags.ts';
import { finishJob } from './finish.ts';
import type { JobContext } from './job-context.ts';
import { settledStatus } from './operation.ts';
import { existingConfig, keelMarker, waitUnlocked } from './own-vms.ts';
import { reserveFreeVmid } from './reserve-vmid.ts';
import { runTaskOnce } from './task-once.ts';

interface ReinstallProgress {
  imageId: string;
  imageName?: string;
  templateVmid: number;
  sshKeys: string[];
  passwordHash?: string;
  oldNode: string;
  oldVmid: number;
  wasRunning?: boolean;
  /** The node of both VMs, and the new VM's id, once reserved. */
  node?: string;
  vmid?: number;
  templateNode?: string;
  /** New VMIDs this job found taken: nextid may still offer one whose clone has no config yet. */
  takenVmids?: number[];
  [key: string]: unknown;
}

type Step = (ctx: JobContext, p: ReinstallProgress) => Promise<void>;

const isOurs = (config: Record<string, string | number> | null, serverId: string) =>
  config !== null && String(config.description ?? '').includes(keelMarker(serverId));

/** The new VMID, held by the server row: free in the cluster's VM list, the unique index makes it ours. */
const reserveVmid: Step = async (ctx, p) => {
  const [row] = await ctx.db
    .select({ vmid: servers.pveVmid })
    .from(servers)
    .where(eq(servers.id, ctx.job.serverId));
  p.node = p.oldNode;
  const vms = await ctx.pve.clusterVms();
  if (row?.vmid && row.vmid !== p.oldVmid) {
    // A run that died after reserving and before saving the step.
    p.vmid = row.vmid;
  } else {
    p.vmid = await reserveFreeVmid(
      ctx,
      async (vmid) => {
        await ctx.db
          .update(servers)
          .set({ pveVmid: vmid })
          .where(and(eq(servers.id, ctx.job.serverId), eq(servers.pveVmid, p.oldVmid)));
      },
      p.takenVmids ?? [],
      vms,
    );
  }
  const template = vms.find((vm) => vm.vmid === p.templateVmid);
  if (!template)
    throw new PermanentJobError(
      `the template VM ${p.templateVmid} of ${p.imageName} does not exist on Proxmox VE`,
    );
  p.templateNode = template.node;
};

/**
 * Waits for a clone into our VMID that is under way, then tells whose the VM there is: `none` when
 * no VM holds the VMID, `ours` (this server's, from an earlier run), or `theirs`.
 */
async function cloneLanded(ctx: JobContext, p: ReinstallProgress): Promise<'none' | 'ours' | 'theirs'> {
  const config = await existingConfig(ctx, p.node!, p.vmid!);
  if (!config) return 'none';
  // A clone's temporary config (`# qmclone temporary file`) says nobody's name yet; any other
  // description that is not ours is someone else's at once.
  const temporary = String(config.description ?? '').trim() === 'qmclone temporary file';
  if (!temporary && !isOurs(config, ctx.job.serverId)) return 'theirs';
  await waitUnlocked(ctx, p.node!, p.vmid!);
  return isOurs(await existingConfig(ctx, p.node!, p.vmid!), ctx.job.serverId) ? 'ours' : 'theirs';
}

/**
 * PVE says another VM or clone holds the new VMID: `config file already exists` before the task,
 * or inside it `File exists` (another node has it) or a timeout on the VMID's own config lock (a
 * clone racing for it, which PVE can let both start: qemu-server API2/Qemu.pm clone_vm).
 */
function vmidTaken(message: string, vmid: number): boolean {
  return (
    /already exists|File exists/i.test(message) ||
    message.includes(`/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`)
  );
}

/** Another VM holds the new VMID: the server row goes back to the old one and another is reserved. */
async function abandonVmid(ctx: JobContext, p: ReinstallProgress, why: string): Promise<never> {
  const taken = p.vmid!;
  await ctx.db
    .update(servers)
    .set({ pveVmid: p.oldVmid })
    .where(and(eq(servers.id, ctx.job.serverId), eq(servers.pveVmid, taken)));
  await ctx.audit({
    kind: 'reinstall.vmid_taken',
    message: `VMID ${taken} is taken on Proxmox VE (${why}); choosing another`,
  });
  p.takenVmids = [...(p.takenVmids ?? []), taken];
  delete p.vmid;
  delete p.cloneUpid;
  delete p.cloneUpidAt;
  // No step done: the next attempt reserves a VMID again.
  await ctx.save('', p);
  throw new PveError(0, `VMID ${taken} was taken`, 'transient');
}

const clone: Step = async (ctx, p) => {
  const node = p.node!;
  const vmid = p.vmid!;
  // Dispatched before a crash but its UPID never saved: the VM at the new VMID tells, not the task
  // list (other servers' clones of the same template are there too). Otherwise dispatch afresh.
  if (p.cloneUpid === undefined && p.cloneUpidAt !== undefined) {
    const landed = await cloneLanded(ctx, p);
    if (landed === 'ours') return;
    if (landed === 'theirs') return abandonVmid(ctx, p, 'a VM that is not this server');
    delete p.cloneUpidAt;
  }
  let result;
  try {
    result = await runTaskOnce(ctx, p, {
      key: 'cloneUpid',
      node: p.templateNode!,
      vmid: p.templateVmid,
      type: 'qmclone',
      lane: 'copy',
      label: `clone ${p.templateVmid} → ${vmid} (reinstall)`,
      dispatch: () =>
        ctx.pve.cloneVm(p.templateNode!, p.templateVmid, {
          newid: vmid,
          full: true,
          description: keelMarker(ctx.job.serverId),
          ...(p.templateNode !== node ? { target: node } : {}),
        }),
    });
  } catch (err) {
    if (!(err instanceof PveError && err.kind === 'already_exists')) throw err;
    const landed = await cloneLanded(ctx, p);
    if (landed === 'ours') return;
    return abandonVmid(
      ctx,
      p,
      landed === 'theirs' ? `a VM that is not this server: ${err.message}` : err.message,
    );
  }
  if (result && !result.ok) {
    delete p.cloneUpid;
    delete p.cloneUpidAt;
    await ctx.save(ctx.job.step ?? '', p);
    if (vmidTaken(result.exitstatus, vmid)) {
      // A clone that lost the VMID's flock made nothing: whoever won holds it, or nobody does.
      if ((await cloneLanded(ctx, p)) !== 'ours') return abandonVmid(ctx, p, result.exitstatus);
      return;
    }
    throw taskFailure('Copying the image', result.exitstatus);
  }
};

const configure: Step = async (ctx, p) => {
  const [server] = await ctx.db
    .select({ name: servers.name, cpuCores: servers.cpuCores, memoryMb: servers.memoryMb })
    .from(servers)
    .where(eq(servers.id, ctx.job.serverId));
  const ip = await allocationFor(ctx.db, ctx.job.serverId);
  if (!server || !ip) throw new PermanentJobError('the server has no IP address allocated');
  await ctx.pve.updateVmConfig(p.node!, p.vmid!, {
    name: server.name,
    cores: server.cpuCores,
    memory: server.memoryMb,
    tags: pveTags(['keel', `keel-${ctx.job.serverId}`]),
    description: keelMarker(ctx.job.serverId),
    agent: 1,
    // With a root password chosen, root is the cloud-init user (cloud-init sets the password of that user).
    ciuser: p.passwordHash ? 'root' : 'keel',
    ...(p.passwordHash ? { cipassword: p.passwordHash } : {}),
    ipconfig0: `ip=${ip.address}/${ip.prefix},gw=${ip.gateway}`,
    ...(ip.dns.length ? { nameserver: ip.dns.join(' ') } : {}),
    ...(p.sshKeys.length ? { sshkeys: encodeSshKeys(p.sshKeys) } : {}),
  });
};

const resizeDisk: Step = async (ctx, p) => {
  const [server] = await ctx.db
    .select({ diskGb: servers.diskGb })
    .from(servers)
    .where(eq(servers.id, ctx.job.serverId));
  const result = await runTaskOnce(ctx, p, {
    key: 'resizeUpid',
    node: p.node!,
    vmid: p.vmid!,
    type: 'resize',
    label: `resize scsi0 to ${server!.diskGb}G`,
    dispatch: () => ctx.pve.resizeDisk(p.node!, p.vmid!, 'scsi0', `${server!.diskGb}G`),
  });
  if (result && !result.ok) throw taskFailure('Sizing the disk', result.exitstatus);
};

/** The old VM, if it is still there and still ours. */
async function oldVm(ctx: JobContext, p: ReinstallProgress): Promise<Record<string, string | number> | null> {
  const config = await existingConfig(ctx, p.oldNode, p.oldVmid);
  return isOurs(config, ctx.job.serverId) ? config : null;
}

/** Runs `fn` on the old VM; false (nothing done) when PVE says the VM is gone. */
async function onOldVm(fn: () => Promise<void>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if (err instanceof PveError && err.kind === 'not_found') return false;
    throw err;
  }
}

const stopOld: Step = async (ctx, p) => {
  if (p.stopUpid === undefined && p.stopUpidAt === undefined) {
    if (!(await oldVm(ctx, p))) return;
    let running = false;
    const there = await onOldVm(async () => {
      running = (await ctx.pve.vmStatus(p.oldNode, p.oldVmid)).status === 'running';
    });
    if (!there || !running) return;
  }
  const result = await runTaskOnce(ctx, p, {
    key: 'stopUpid',
    node: p.oldNode,
    vmid: p.oldVmid,
    type: 'qmstop',
    label: 'stop (old VM)',
    dispatch: () => ctx.pve.stopVm(p.oldNode, p.oldVmid),
  });
  if (result && !result.ok && !/not running/.test(result.exitstatus))
    throw taskFailure('Stop', result.exitstatus);
};

const startNew: Step = async (ctx, p) => {
  const result = await runTaskOnce(ctx, p, {
    key: 'startUpid',
    node: p.node!,
    vmid: p.vmid!,
    type: 'qmstart',
    label: 'start',
    dispatch: () => ctx.pve.startVm(p.node!, p.vmid!),
  });
  if (result && !result.ok && !/already running/.test(result.exitstatus))
    throw taskFailure('Booting', result.exitstatus);
};

const destroyOld: Step = async (ctx, p) => {
  if (p.destroyUpid === undefined && p.destroyUpidAt === undefined) {
    if (!(await oldVm(ctx, p))) {
      await ctx.audit({
        kind: 'reinstall.old_vm_missing',
        message: `The old VM ${p.oldVmid} was already gone`,
      });
      return;
    }
    if (!(await onOldVm(() => waitUnlocked(ctx, p.oldNode, p.oldVmid)))) return;
  }
  const result = await runTaskOnce(ctx, p, {
    key: 'destroyUpid',
    node: p.oldNode,
    vmid: p.oldVmid,
    type: 'qmdestroy',
    label: 'delete-old',
    dispatch: () => ctx.pve.deleteVm(p.oldNode, p.oldVmid),
  });
  if (result && !result.ok) throw taskFailure('Removing the old VM', result.exitstatus);
};

const steps: Record<ReinstallStep, Step> = {
  reserve_vmid: reserveVmid,
  clone,
  configure,
  resize: resizeDisk,
  stop_old: stopOld,
  start_new: startNew,
  destroy_old: destroyOld,
};

async function reinstall(ctx: JobContext): Promise<void> {
  const p = { ...(ctx.job.progress as ReinstallProgress) };
  const done = ctx.job.step ? reinstallSteps.indexOf(ctx.job.step as ReinstallStep) : -1;
  for (const step of reinstallSteps.slice(done + 1)) {
    ctx.log.info({ step, node: p.node, vmid: p.vmid }, `reinstall: ${step}`);
    await steps[step](ctx, p);
    if (step === 'configure') delete p.passwordHash; // in the VM's config now; the job keeps no copy
    await ctx.save(step, p);
  }
  await finishJob(ctx, {
    status: 'running',
    statusReason: null,
    imageId: p.imageId,
    sshKeys: p.sshKeys,
    pveNode: p.node!,
    pveVmid: p.vmid!,
  });
  await ctx.audit({
    kind: 'server.status',
    message: `Reinstalled with ${p.imageName ?? 'a new image'}: running on ${p.node} as VM ${p.vmid}`,
    data: { status: 'running', imageId: p.imageId },
  });
}

export const reinstallHandlers = { reinstall } as const;

/**
 * After the last attempt. While the old VM is there the server goes back to it (the new one, if
 * made, is deleted) and stays as it was; once the old VM is gone the new one is all there is, and the
 * server goes to `error` with the reason.
 */
export async function failReinstall(ctx: JobContext, reason: string): Promise<void> {
  const p = ctx.job.progress as ReinstallProgress;
  let status: ServerStatus = 'error';
  let statusReason = `The reinstall did not succeed: ${reason}`;
  try {
    if (p.oldVmid && (await oldVm(ctx, p))) {
      if (p.vmid && p.vmid !== p.oldVmid) {
        const made = await existingConfig(ctx, p.node!, p.vmid);
        if (isOurs(made, ctx.job.serverId)) {
          await waitUnlocked(ctx, p.node!, p.vmid);
          if ((await ctx.pve.vmStatus(p.node!, p.vmid)).status === 'running')
            await ctx.runTask(p.node!, 'stop (reinstall cleanup)', () => ctx.pve.stopVm(p.node!, p.vmid!));
          await ctx.runTask(p.node!, 'delete (reinstall cleanup)', () => ctx.pve.deleteVm(p.node!, p.vmid!));
        }
      }
      await ctx.db
        .update(servers)
        .set({ pveVmid: p.oldVmid, pveNode: p.oldNode })
        .where(eq(servers.id, ctx.job.serverId));
      if (p.wasRunning && (await ctx.pve.vmStatus(p.oldNode, p.oldVmid)).status !== 'running')
        await ctx.runTask(p.oldNode, 'start (reinstall undone)', () => ctx.pve.startVm(p.oldNode, p.oldVmid));
      status = await settledStatus(ctx, p.oldNode, p.oldVmid, 'stopped');
      statusReason = `${statusReason}. The server is as it was before.`;
    }
  } catch (err) {
    statusReason = `${statusReason}. Undoing it failed too (${(err as Error).message}); an operator will look at it.`;
    status = 'error';
  }
  await ctx.db.transaction(async (tx) => {
    if (!(await failJob(tx, ctx.job.id, ctx.owner, reason))) return;
    await dropProgressKeys(tx, ctx.job.id, ['passwordHash']);
    await tx.update(servers).set({ status, statusReason }).where(eq(servers.id, ctx.job.serverId));
  });
  await ctx.audit({ kind: 'server.status', message: `${status}: ${statusReason}`, data: { status } });
}
