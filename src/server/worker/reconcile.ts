/**
 * Keeps Keel's view of settled servers true to PVE: a VM stopped from inside the guest, started
 * outside Keel, or gone altogether. One batched /cluster/resources call per run; servers with a job
 * in flight are left to their job.
 */
import { and, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import type { Logger } from 'pino';
import { recordAudit } from '../db/audit.ts';
import type { Database } from '../db/client.ts';
import { servers } from '../db/schema.ts';
import { hasNoActiveJob } from '../jobs/queue.ts';
import type { PveClient } from '../pve/client.ts';

export interface Correction {
  serverId: string;
  from: 'running' | 'stopped';
  to: 'running' | 'stopped' | 'error';
  reason: string | null;
}

/** Pure: what to change, given Keel's statuses and PVE's VMs. */
export function corrections(
  settled: { id: string; status: 'running' | 'stopped'; vmid: number }[],
  pveVms: Map<number, { status: string }>,
): Correction[] {
  const out: Correction[] = [];
  for (const s of settled) {
    const vm = pveVms.get(s.vmid);
    if (!vm) {
      out.push({
        serverId: s.id,
        from: s.status,
        to: 'error',
        reason: 'Its VM no longer exists on Proxmox VE.',
      });
    } else if ((vm.status === 'running' || vm.status === 'stopped') && vm.status !== s.status) {
      out.push({ serverId: s.id, from: s.status, to: vm.status, reason: null });
    }
  }
  return out;
}

export async function reconcileOnce(db: Database, pve: PveClient, log: Logger): Promise<Correction[]> {
  const vms = await pve.clusterVms();
  const byVmid = new Map(vms.map((vm) => [vm.vmid, vm]));
  const settled = await db
    .select({ id: servers.id, status: servers.status, vmid: servers.pveVmid })
    .from(servers)
    .where(
      and(
        inArray(servers.status, ['running', 'stopped']),
        isNotNull(servers.pveVmid),
        isNull(servers.terminatedAt),
        hasNoActiveJob(db, servers.id),
      ),
    );
  const changes = corrections(
    settled as { id: string; status: 'running' | 'stopped'; vmid: number }[],
    byVmid,
  );
  for (const c of changes) {
    // Only if nothing moved meanwhile: same status, still no job.
    const updated = await db
      .update(servers)
      .set({ status: c.to, statusReason: c.reason })
      .where(and(eq(servers.id, c.serverId), eq(servers.status, c.from), hasNoActiveJob(db, c.serverId)))
      .returning({ id: servers.id });
    if (updated.length) {
      await recordAudit(db, {
        kind: 'server.reconciled',
        serverId: c.serverId,
        message: `Proxmox VE shows the server ${c.to === 'error' ? 'gone' : c.to}; it was ${c.from}`,
        data: c as unknown as Record<string, unknown>,
      });
      log.info({ serverId: c.serverId, from: c.from, to: c.to }, 'server status reconciled with PVE');
    }
  }
  return changes;
}
