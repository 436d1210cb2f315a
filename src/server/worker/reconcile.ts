/**
 * Keeps Keel's view of settled servers true to PVE: a VM stopped from inside the guest, started
 * outside Keel, or gone altogether; and a suspended server's VM found running, which is stopped
 * again. One batched /cluster/resources call per run finds the candidates; servers with a job in
 * flight are left to their job.
 *
 * /cluster/resources is pvestatd's last sample, up to ~10 s old on a real cluster (pve-manager
 * PVE/Service/pvestatd.pm updates it every 10 s), so right after a power job it can still show the
 * old state. Nothing is changed on its word alone: each candidate is confirmed first with the VM's
 * own `status/current` (read live from QEMU), and only a confirmed difference is acted on.
 */
import { and, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import type { Logger } from 'pino';
import { recordAudit } from '../db/audit.ts';
import type { Database } from '../db/client.ts';
import { servers } from '../db/schema.ts';
import { enqueueJob, hasNoActiveJob } from '../jobs/queue.ts';
import { reconcileDrift } from '../lib/metrics.ts';
import type { PveClient } from '../pve/client.ts';
import { PveError } from '../pve/errors.ts';
import { onCluster, type PveRegistry } from '../pve/registry.ts';

export interface Correction {
  serverId: string;
  from: 'running' | 'stopped';
  to: 'running' | 'stopped' | 'error';
  reason: string | null;
}

/** What a VM's own status call says: its power state, or that PVE does not have it. */
export type ConfirmedStatus = 'running' | 'stopped' | 'missing';

/** Pure: what to change, given Keel's statuses and PVE's VMs (candidates, to be confirmed). */
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

/** Pure: a candidate correction holds only if the VM's own status says the same. */
export function isConfirmed(correction: Correction, confirmed: ConfirmedStatus): boolean {
  return correction.to === 'error' ? confirmed === 'missing' : confirmed === correction.to;
}

/** Pure: the suspended servers whose VM the sample shows running (to be confirmed). */
export function suspendedRunning(
  suspended: { id: string; vmid: number }[],
  pveVms: Map<number, { status: string }>,
): string[] {
  return suspended.filter((s) => pveVms.get(s.vmid)?.status === 'running').map((s) => s.id);
}

async function confirmedStatus(pve: PveClient, node: string, vmid: number): Promise<ConfirmedStatus> {
  try {
    return (await pve.vmStatus(node, vmid)).status;
  } catch (err) {
    if (err instanceof PveError && err.kind === 'not_found') return 'missing';
    throw err;
  }
}

export interface ReconcileResult {
  /** The status corrections applied (confirmed by the VM's own status). */
  corrections: Correction[];
  /** Suspended servers whose running VM is being stopped again. */
  enforced: string[];
}

/**
 * Reconciles one cluster's servers with that cluster (`cluster`: its id, null for the default one);
 * without `cluster`, every server against `pve` (a one-cluster Keel).
 */
export async function reconcileOnce(
  db: Database,
  pve: PveClient,
  log: Logger,
  cluster?: string | null,
): Promise<ReconcileResult> {
  const vms = await pve.clusterVms();
  const byVmid = new Map(vms.map((vm) => [vm.vmid, vm]));
  const rows = await db
    .select({ id: servers.id, status: servers.status, vmid: servers.pveVmid, node: servers.pveNode })
    .from(servers)
    .where(
      and(
        inArray(servers.status, ['running', 'stopped', 'suspended']),
        isNotNull(servers.pveVmid),
        isNull(servers.terminatedAt),
        hasNoActiveJob(db, servers.id),
        cluster === undefined ? undefined : onCluster(cluster),
      ),
    );
  const nodeOf = new Map(
    rows.map((r) => [r.id, { node: byVmid.get(r.vmid!)?.node ?? r.node!, vmid: r.vmid! }]),
  );
  const settled = rows.filter((r) => r.status !== 'suspended') as {
    id: string;
    status: 'running' | 'stopped';
    vmid: number;
  }[];
  const applied: ReconcileResult = { corrections: [], enforced: [] };
  for (const c of corrections(settled, byVmid)) {
    const vm = nodeOf.get(c.serverId)!;
    const confirmed = await confirmedStatus(pve, vm.node, vm.vmid);
    if (!isConfirmed(c, confirmed)) {
      log.info(
        { serverId: c.serverId, sampled: c.to, confirmed },
        'cluster/resources was stale; status/current disagrees, nothing changed',
      );
      continue;
    }
    // Only if nothing moved meanwhile: same status, still no job.
    const updated = await db
      .update(servers)
      .set({ status: c.to, statusReason: c.reason })
      .where(and(eq(servers.id, c.serverId), eq(servers.status, c.from), hasNoActiveJob(db, c.serverId)))
      .returning({ id: servers.id });
    if (updated.length) {
      applied.corrections.push(c);
      reconcileDrift.inc({ found: c.to === 'error' ? 'missing' : c.to });
      await recordAudit(db, {
        kind: 'server.reconciled',
        serverId: c.serverId,
        message: `Proxmox VE shows the server ${c.to === 'error' ? 'gone' : c.to}; it was ${c.from}`,
        data: c as unknown as Record<string, unknown>,
      });
      log.info({ serverId: c.serverId, from: c.from, to: c.to }, 'server status reconciled with PVE');
    }
  }

  const suspended = rows.filter((r) => r.status === 'suspended').map((r) => ({ id: r.id, vmid: r.vmid! }));
  for (const serverId of suspendedRunning(suspended, byVmid)) {
    const vm = nodeOf.get(serverId)!;
    const confirmed = await confirmedStatus(pve, vm.node, vm.vmid);
    if (confirmed !== 'running') {
      log.info(
        { serverId, sampled: 'running', confirmed },
        'cluster/resources was stale; status/current disagrees, nothing changed',
      );
      continue;
    }
    const queued = await db.transaction(async (tx) => {
      const [still] = await tx
        .select({ id: servers.id })
        .from(servers)
        .where(and(eq(servers.id, serverId), eq(servers.status, 'suspended'), hasNoActiveJob(tx, serverId)))
        .for('update');
      if (!still) return false;
      const jobId = await enqueueJob(tx, {
        serverId,
        kind: 'enforce_suspension',
        requestedBy: null,
        requestId: null,
      });
      await recordAudit(tx, {
        kind: 'server.suspension_violated',
        serverId,
        jobId,
        message: `VM ${vm.vmid} on ${vm.node} was found running although the server is suspended; stopping it`,
        data: { node: vm.node, vmid: vm.vmid },
      });
      return true;
    });
    if (queued) {
      applied.enforced.push(serverId);
      reconcileDrift.inc({ found: 'suspended_running' });
      log.warn(
        { serverId, node: vm.node, vmid: vm.vmid },
        'suspended server found running on PVE; stopping it',
      );
    }
  }
  return applied;
}

export interface ClusterRun {
  clusterId: string | null;
  cluster: string;
  ok: boolean;
  result?: ReconcileResult;
  error?: string;
}

/**
 * One reconciliation run over every cluster, each on its own: a cluster that does not answer is
 * logged and skipped, and the others are reconciled all the same.
 */
export async function reconcileClusters(
  db: Database,
  clusters: PveRegistry,
  log: Logger,
): Promise<ClusterRun[]> {
  const runs: ClusterRun[] = [];
  for (const { id, label, client } of await clusters.all()) {
    try {
      const result = await reconcileOnce(db, client, log.child({ cluster: label }), id);
      runs.push({ clusterId: id, cluster: label, ok: true, result });
    } catch (err) {
      const error = (err as Error).message;
      log.warn(
        { clusterId: id, cluster: label, err: error },
        'reconciliation of this cluster failed; skipped',
      );
      runs.push({ clusterId: id, cluster: label, ok: false, error });
    }
  }
  return runs;
}
