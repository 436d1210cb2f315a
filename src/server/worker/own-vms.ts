/**
 * Recognising the VMs Keel made on Proxmox VE, waiting for them to be free, and removing the half-made
 * one a failed provisioning leaves. Used by the provisioning steps and by the end of a failed job.
 */
import { eq } from 'drizzle-orm';
import { servers } from '../db/schema.ts';
import { PveError } from '../pve/errors.ts';
import { pollUntil } from '../lib/poll-until.ts';
import type { JobContext } from './job-context.ts';

/** Marks a VM as Keel's: the description survives from the clone on, before any other config is set. */
export const keelMarker = (serverId: string) => `keel:${serverId}`;

/** Reads the VM's config if it exists; null when PVE says it does not. */
export async function existingConfig(ctx: JobContext, node: string, vmid: number) {
  try {
    return await ctx.pve.vmConfig(node, vmid);
  } catch (err) {
    if (err instanceof PveError && err.kind === 'not_found') return null;
    throw err;
  }
}

/** Waits until no operation holds the VM's lock. */
export async function waitUnlocked(ctx: JobContext, node: string, vmid: number): Promise<void> {
  let lock: string | undefined;
  const unlocked = await ctx.waitOutside(() =>
    pollUntil(
      async () => {
        lock = (await ctx.pve.vmStatus(node, vmid)).lock;
        return lock ? undefined : true;
      },
      {
        timeoutMs: ctx.timings.taskTimeoutMs,
        intervalMs: ctx.pve.pollMs,
        beforeEach: () => ctx.checkLease(),
      },
    ),
  );
  if (!unlocked) throw new PveError(0, `VM ${vmid} stayed locked (${lock})`, 'transient');
}

/**
 * After provisioning failed for good: deletes the VM it made, if it exists and is ours, and says in
 * the audit log exactly what it removed or had to leave.
 */
export async function cleanUpFailedProvision(ctx: JobContext): Promise<void> {
  const p = ctx.job.progress as { node?: string; vmid?: number };
  const [row] = await ctx.db
    .select({ node: servers.pveNode, vmid: servers.pveVmid })
    .from(servers)
    .where(eq(servers.id, ctx.job.serverId));
  const node = row?.node ?? p.node;
  const vmid = row?.vmid ?? p.vmid;
  if (!node || !vmid) return;
  try {
    const config = await existingConfig(ctx, node, vmid);
    if (!config || !String(config.description ?? '').includes(keelMarker(ctx.job.serverId))) return;
    await waitUnlocked(ctx, node, vmid);
    const status = await ctx.pve.vmStatus(node, vmid);
    if (status.status === 'running')
      await ctx.runTask(node, 'stop (cleanup)', () => ctx.pve.stopVm(node, vmid));
    const result = await ctx.runTask(node, 'delete (cleanup)', () => ctx.pve.deleteVm(node, vmid));
    if (result && !result.ok) throw new Error(result.exitstatus);
    await ctx.db
      .update(servers)
      .set({ pveVmid: null, pveNode: null })
      .where(eq(servers.id, ctx.job.serverId));
    await ctx.audit({ kind: 'provision.cleaned_up', message: `Deleted the half-made VM ${vmid} on ${node}` });
  } catch (err) {
    await ctx.audit({
      kind: 'provision.cleanup_failed',
      message: `Could not delete the half-made VM ${vmid} on ${node}: ${(err as Error).message}. It is left for an operator.`,
      data: { node, vmid },
    });
  }
}
