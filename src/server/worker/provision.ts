/**
 * Provisioning as resumable steps. Each step's result is persisted before the next starts, so a job
 * resumed after a crash continues where it stopped and recognises the VM it already made (by its VMID
 * and the Keel id in its description) instead of making a second one.
 */
import { and, eq, isNotNull, ne, sql } from 'drizzle-orm';
import { provisioningSteps, type ProvisioningStep } from '../../shared/server-status.ts';
import { images, locations, servers } from '../db/schema.ts';
import { allocationFor } from '../db/ipam.ts';
import { chooseNode, nodeCandidates } from '../domain/placement.ts';
import { PermanentJobError, taskFailure } from '../domain/retry-policy.ts';
import { pollUntil } from '../lib/poll-until.ts';
import { encodeSshKeys } from '../pve/client.ts';
import type { PveClusterVm, PveTaskResult } from '../pve/types.ts';
import { PveError } from '../pve/errors.ts';
import { onCluster } from '../pve/registry.ts';
import { pveTags } from '../pve/tags.ts';
import type { JobContext } from './job-context.ts';
import { existingConfig, keelMarker, waitUnlocked } from './own-vms.ts';
import { reserveFreeVmid } from './reserve-vmid.ts';

interface ProvisionProgress {
  node?: string;
  templateVmid?: number;
  templateNode?: string;
  vmid?: number;
  cloneUpid?: string;
  /** VMIDs this job found taken: nextid may still offer one whose clone has no config yet. */
  takenVmids?: number[];
  confirmedIp?: string | null;
  [key: string]: unknown;
}

type Step = (ctx: JobContext, server: ServerRecord, p: ProvisionProgress) => Promise<void>;

/** The cluster's VM list the placement of this run read, for the VMID reservation right after it. */
const placementVms = new WeakMap<JobContext, PveClusterVm[]>();

async function loadServer(ctx: JobContext) {
  const [row] = await ctx.db
    .select({
      id: servers.id,
      name: servers.name,
      status: servers.status,
      cpuCores: servers.cpuCores,
      memoryMb: servers.memoryMb,
      diskGb: servers.diskGb,
      sshKeys: servers.sshKeys,
      pveNode: servers.pveNode,
      pveVmid: servers.pveVmid,
      imageTemplates: images.pveTemplates,
      imageName: images.name,
      locationNodes: locations.pveNodes,
      locationName: locations.name,
    })
    .from(servers)
    .leftJoin(images, eq(images.id, servers.imageId))
    .leftJoin(locations, eq(locations.id, servers.locationId))
    .where(eq(servers.id, ctx.job.serverId))
    .limit(1);
  if (!row) throw new PermanentJobError('the server no longer exists');
  return row;
}
type ServerRecord = Awaited<ReturnType<typeof loadServer>>;

const place: Step = async (ctx, server, p) => {
  if (!server.imageTemplates || !server.locationNodes) {
    throw new PermanentJobError('the server has no image or location to provision from');
  }
  const [nodes, vms] = await Promise.all([ctx.pve.nodes(), ctx.pve.clusterVms()]);
  const placement = await ctx.db.transaction(async (tx) => {
    // Placements are serialised, and each one counts the memory of servers placed but not yet running
    // (PVE does not count them yet), so many orders at once spread over the nodes instead of piling
    // onto the one that looked emptiest.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('keel:placement'))`);
    const pending = await tx
      .select({ node: servers.pveNode, memoryMb: sql<number>`sum(${servers.memoryMb})::int` })
      .from(servers)
      .where(
        and(
          eq(servers.status, 'provisioning'),
          isNotNull(servers.pveNode),
          ne(servers.id, server.id),
          onCluster(ctx.clusterId),
        ),
      )
      .groupBy(servers.pveNode);
    const placedMb = Object.fromEntries(pending.map((r) => [r.node!, r.memoryMb]));
    const chosen = chooseNode(
      nodeCandidates(server.locationNodes!, nodes, server.imageTemplates!, placedMb),
      server.memoryMb,
    );
    if (chosen.ok) await tx.update(servers).set({ pveNode: chosen.node }).where(eq(servers.id, server.id));
    return chosen;
  });
  if (!placement.ok) throw new PermanentJobError(`No room in ${server.locationName}: ${placement.reason}.`);
  const template = vms.find((vm) => vm.vmid === placement.templateVmid);
  if (!template) {
    throw new PermanentJobError(
      `The template VM ${placement.templateVmid} of ${server.imageName} does not exist on Proxmox VE.`,
    );
  }
  placementVms.set(ctx, vms);
  Object.assign(p, {
    node: placement.node,
    templateVmid: placement.templateVmid,
    templateNode: template.node,
  });
};

/** The VMID is held by the server row; on PVE it is free until the clone takes it. */
const reserveVmid: Step = async (ctx, server, p) => {
  p.vmid = await reserveFreeVmid(
    ctx,
    async (vmid) => {
      await ctx.db.update(servers).set({ pveVmid: vmid, pveNode: p.node }).where(eq(servers.id, server.id));
    },
    p.takenVmids ?? [],
    placementVms.get(ctx),
  );
  placementVms.delete(ctx);
};

/** What PVE's config parser makes of a clone's temporary file (`# qmclone temporary file`). */
const isCloneTempDescription = (description: string) => description.trim() === 'qmclone temporary file';

/**
 * The config of whatever VM holds `vmid` anywhere in the cluster, once it can be told whose it is;
 * null when none does. A run that died between the clone request and saving its task id leaves a
 * clone in flight: first no config at all, then a temporary one (`lock: clone` and the description
 * `qmclone temporary file`), then the new config, still locked, until the copy ends. One carrying
 * another description is someone else's at once; ours is waited for until its lock is gone.
 */
async function configOnceCloned(ctx: JobContext, server: ServerRecord, vmid: number) {
  const config = await ctx.waitOutside(() =>
    pollUntil(
      async () => {
        const where = (await ctx.pve.clusterVms()).find((vm) => vm.vmid === vmid)?.node;
        if (!where) return null;
        const found = await existingConfig(ctx, where, vmid);
        if (!found) return undefined;
        const description = String(found.description ?? '');
        const someoneElses =
          !isCloneTempDescription(description) && !description.includes(keelMarker(server.id));
        return found.lock !== 'clone' || someoneElses ? found : undefined;
      },
      {
        timeoutMs: ctx.timings.taskTimeoutMs,
        intervalMs: ctx.pve.pollMs,
        beforeEach: () => ctx.checkLease(),
      },
    ),
  );
  if (config === undefined) throw new PveError(0, `VM ${vmid} stayed locked (clone)`, 'transient');
  return config;
}

/** Another VM holds our VMID (made outside Keel): give the id up and reserve another. */
async function abandonVmid(
  ctx: JobContext,
  server: ServerRecord,
  p: ProvisionProgress,
  why: string,
): Promise<never> {
  await ctx.db.update(servers).set({ pveVmid: null }).where(eq(servers.id, server.id));
  await ctx.audit({
    kind: 'provision.vmid_taken',
    message: `VMID ${p.vmid} is taken on Proxmox VE (${why}); choosing another`,
  });
  const { node, templateVmid, templateNode } = p;
  const takenVmids = [...(p.takenVmids ?? []), p.vmid!];
  await ctx.save('place', { node, templateVmid, templateNode, takenVmids });
  throw new PveError(0, `VMID ${p.vmid} was taken`, 'transient');
}

/**
 * PVE says another VM or clone holds the new VMID: `config file already exists` before the task,
 * or inside it `File exists` (another node has it) or a timeout on the VMID's own config lock (a
 * clone racing for it, which PVE can let both start).
 */
function vmidTaken(message: string, vmid: number): boolean {
  return (
    /already exists|File exists/i.test(message) ||
    message.includes(`/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`)
  );
}

/**
 * Settles who holds our VMID: a clone of this very server from an earlier run (adopted, once its
 * copy is done), or someone else, or nobody any more: then the id is given up for another.
 */
async function adoptOrAbandon(ctx: JobContext, server: ServerRecord, p: ProvisionProgress, why: string) {
  const holder = await configOnceCloned(ctx, server, p.vmid!);
  if (!holder) return abandonVmid(ctx, server, p, why);
  if (!String(holder.description ?? '').includes(keelMarker(server.id)))
    return abandonVmid(ctx, server, p, `a VM that is not this server: ${why}`);
  await waitUnlocked(ctx, p.node!, p.vmid!);
}

const clone: Step = async (ctx, server, p) => {
  const node = p.node!;
  const vmid = p.vmid!;
  if (!p.cloneUpid) {
    const existing = await configOnceCloned(ctx, server, vmid);
    if (existing) {
      if (!String(existing.description ?? '').includes(keelMarker(server.id))) {
        await abandonVmid(ctx, server, p, 'a VM that is not this server');
      }
      // Ours, from a run that crashed before it saved the task id.
      await waitUnlocked(ctx, node, vmid);
      return;
    }
  }
  // Dispatched and waited for within one of the node's places for disk copies.
  type Outcome = { taken: string } | { result: PveTaskResult };
  const outcome = await ctx.onNode(node, 'copy', async (): Promise<Outcome> => {
    if (!p.cloneUpid) {
      try {
        p.cloneUpid = await ctx.pve.cloneVm(p.templateNode!, p.templateVmid!, {
          newid: vmid,
          name: server.name,
          full: true,
          description: keelMarker(server.id),
          ...(p.templateNode !== node ? { target: node } : {}),
        });
      } catch (err) {
        if (err instanceof PveError && err.kind === 'already_exists') return { taken: err.message };
        throw err;
      }
      await ctx.save('reserve_vmid', p); // still before `clone` is done, but the UPID is now durable
    }
    return { result: await ctx.awaitTask(node, `clone ${p.templateVmid} → ${vmid}`, p.cloneUpid) };
  });
  if ('taken' in outcome) return adoptOrAbandon(ctx, server, p, outcome.taken);
  const { result } = outcome;
  if (!result.ok) {
    // PVE deletes the half-made VM of a failed clone, so a retry must clone again, not wait on this
    // finished task once more (which would fail every attempt the same way).
    delete p.cloneUpid;
    await ctx.save('reserve_vmid', p);
    if (vmidTaken(result.exitstatus, vmid)) return adoptOrAbandon(ctx, server, p, result.exitstatus);
    throw taskFailure('Copying the image', result.exitstatus);
  }
};

const configure: Step = async (ctx, server, _p) => {
  const node = _p.node!;
  const vmid = _p.vmid!;
  const ip = await allocationFor(ctx.db, server.id);
  if (!ip) throw new PermanentJobError('the server has no IP address allocated');
  await ctx.pve.updateVmConfig(node, vmid, {
    name: server.name,
    cores: server.cpuCores,
    memory: server.memoryMb,
    tags: pveTags(['keel', `keel-${server.id}`]),
    description: keelMarker(server.id),
    agent: 1,
    ciuser: 'keel',
    ipconfig0: `ip=${ip.address}/${ip.prefix},gw=${ip.gateway}`,
    ...(ip.dns.length ? { nameserver: ip.dns.join(' ') } : {}),
    ...(server.sshKeys.length ? { sshkeys: encodeSshKeys(server.sshKeys) } : {}),
  });
  ctx.deferAudit({
    kind: 'provision.configured',
    message: `Configured ${server.cpuCores} vCPU, ${server.memoryMb} MB, ${ip.address}`,
  });
};

const resize: Step = async (ctx, server, p) => {
  const result = await ctx.runTask(p.node!, `resize scsi0 to ${server.diskGb}G`, () =>
    ctx.pve.resizeDisk(p.node!, p.vmid!, 'scsi0', `${server.diskGb}G`),
  );
  if (result && !result.ok) throw taskFailure('Sizing the disk', result.exitstatus);
};

const start: Step = async (ctx, _server, p) => {
  const result = await ctx.runTask(p.node!, 'start', () => ctx.pve.startVm(p.node!, p.vmid!));
  if (result && !result.ok && !/already running/.test(result.exitstatus))
    throw taskFailure('Booting', result.exitstatus);
};

/** First global IPv4 the guest agent reports, skipping loopback and link-local. */
export function firstGuestIpv4(
  interfaces: { name: string; 'ip-addresses'?: { 'ip-address': string; 'ip-address-type': string }[] }[],
): string | null {
  for (const iface of interfaces) {
    if (iface.name === 'lo') continue;
    for (const a of iface['ip-addresses'] ?? []) {
      if (
        a['ip-address-type'] === 'ipv4' &&
        !a['ip-address'].startsWith('127.') &&
        !a['ip-address'].startsWith('169.254.')
      ) {
        return a['ip-address'];
      }
    }
  }
  return null;
}

const awaitIp: Step = async (ctx, server, p) => {
  const ip = await allocationFor(ctx.db, server.id);
  const seen =
    (await ctx.waitOutside(() =>
      pollUntil(
        async () => {
          try {
            return firstGuestIpv4(await ctx.pve.agentInterfaces(p.node!, p.vmid!)) ?? undefined;
          } catch (err) {
            // "QEMU guest agent is not running" until the guest has booted; anything else is real.
            if (err instanceof PveError && /agent|got timeout|not running/i.test(err.message))
              return undefined;
            throw err;
          }
        },
        {
          timeoutMs: ctx.timings.agentTimeoutMs,
          intervalMs: ctx.timings.agentPollMs,
          beforeEach: () => ctx.checkLease(),
        },
      ),
    )) ?? null;
  p.confirmedIp = seen;
  if (!seen) {
    ctx.deferAudit({
      kind: 'provision.agent_silent',
      message: `The guest agent did not answer; the address ${ip?.address} comes from IPAM`,
    });
  } else if (seen !== ip?.address) {
    ctx.deferAudit({
      kind: 'provision.ip_mismatch',
      message: `The guest reports ${seen}, but IPAM assigned ${ip?.address}`,
    });
  }
};

const steps: Record<ProvisioningStep, Step> = {
  place,
  reserve_vmid: reserveVmid,
  clone,
  configure,
  resize,
  start,
  await_ip: awaitIp,
};

/** Runs the steps not yet done; returns the address to publish. */
export async function provisionServer(
  ctx: JobContext,
): Promise<{ ipAddress: string | null; node: string; vmid: number }> {
  const server = await loadServer(ctx);
  const p = { ...(ctx.job.progress as ProvisionProgress) };
  const done = ctx.job.step ? provisioningSteps.indexOf(ctx.job.step as ProvisioningStep) : -1;
  for (const step of provisioningSteps.slice(done + 1)) {
    ctx.log.info({ step, node: p.node, vmid: p.vmid }, `provisioning: ${step}`);
    await steps[step](ctx, server, p);
    await ctx.save(step, p);
  }
  const ip = await allocationFor(ctx.db, server.id);
  return { ipAddress: ip?.address ?? null, node: p.node!, vmid: p.vmid! };
}
