/**
 * PVE cannot reserve VMIDs, so Keel reserves them in its own database: the unique index on live
 * servers' VMIDs decides between racing workers. PVE's nextid gives the lowest id free in the
 * cluster's range (datacenter.cfg next-id) once per reservation; the cluster's VM list, read moments
 * before, says which ids above it PVE already has, so candidates are tried without asking PVE about
 * each one. A VM made on PVE after that list was read still stops the clone (`already exists`, or a
 * lock timeout inside its task): the clone step then gives the id up and reserves another.
 */
import { and, gte, isNull } from 'drizzle-orm';
import { isUniqueViolation } from '../db/pg-errors.ts';
import { servers } from '../db/schema.ts';
import { onCluster } from '../pve/registry.ts';
import type { PveClusterVm } from '../pve/types.ts';
import type { JobContext } from './job-context.ts';

/**
 * A VMID free in Keel and on PVE, once `claim` has written it into the server's row (a unique violation
 * there means another server took it first, and the next candidate is tried). `skip` names VMIDs this
 * job must not take (ones it already found occupied); `onPve` is the cluster's VM list when the caller
 * has just read it (else it is read here).
 */
export async function reserveFreeVmid(
  ctx: Pick<JobContext, 'db' | 'pve' | 'clusterId'>,
  claim: (vmid: number) => Promise<void>,
  skip: readonly number[] = [],
  onPve?: readonly Pick<PveClusterVm, 'vmid'>[],
): Promise<number> {
  const [first, vms] = await Promise.all([ctx.pve.nextId(), onPve ?? ctx.pve.clusterVms()]);
  const taken = new Set(skip);
  for (const vm of vms) taken.add(vm.vmid);
  let candidate = first;
  for (let tries = 0; tries < 100; tries++, candidate++) {
    const held = await ctx.db
      .select({ vmid: servers.pveVmid })
      .from(servers)
      .where(and(gte(servers.pveVmid, candidate), isNull(servers.terminatedAt), onCluster(ctx.clusterId)))
      .orderBy(servers.pveVmid)
      .limit(200);
    for (const { vmid } of held) if (vmid !== null) taken.add(vmid);
    while (taken.has(candidate)) candidate++;
    try {
      await claim(candidate);
    } catch (err) {
      if (isUniqueViolation(err)) {
        taken.add(candidate);
        continue;
      }
      throw err;
    }
    return candidate;
  }
  throw new Error('could not find a free VMID after 100 tries');
}
