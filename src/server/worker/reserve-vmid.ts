/**
 * PVE cannot reserve VMIDs, so Keel reserves them in its own database: the unique index on live
 * servers' VMIDs decides between racing workers, and PVE's nextid confirms the id is free there.
 */
import { and, gte, isNull } from 'drizzle-orm';
import { isUniqueViolation } from '../db/pg-errors.ts';
import { servers } from '../db/schema.ts';
import { PveError } from '../pve/errors.ts';
import { onCluster } from '../pve/registry.ts';
import type { JobContext } from './job-context.ts';

/**
 * A VMID free in Keel and on PVE, once `claim` has written it into the server's row (a unique violation
 * there means another server took it first, and the next candidate is tried). `skip` names VMIDs this
 * job must not take (ones it already found occupied).
 */
export async function reserveFreeVmid(
  ctx: Pick<JobContext, 'db' | 'pve' | 'clusterId'>,
  claim: (vmid: number) => Promise<void>,
  skip: readonly number[] = [],
): Promise<number> {
  let candidate = await ctx.pve.nextId();
  for (let tries = 0; tries < 100; tries++, candidate++) {
    const held = await ctx.db
      .select({ vmid: servers.pveVmid })
      .from(servers)
      .where(and(gte(servers.pveVmid, candidate), isNull(servers.terminatedAt), onCluster(ctx.clusterId)))
      .orderBy(servers.pveVmid)
      .limit(200);
    for (const { vmid } of held) if (vmid === candidate) candidate++;
    if (skip.includes(candidate)) continue;
    try {
      await ctx.pve.nextId(candidate);
    } catch (err) {
      if (err instanceof PveError && err.kind === 'already_exists') continue;
      throw err;
    }
    try {
      await claim(candidate);
    } catch (err) {
      if (isUniqueViolation(err)) continue;
      throw err;
    }
    return candidate;
  }
  throw new Error('could not find a free VMID after 100 tries');
}
