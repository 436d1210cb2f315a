/**
 * What the Proxmox VE cluster has, read live: its nodes with their storages, its templates, every
 * guest and which Keel server owns it. Answers are kept for a few seconds at most, so a console that
 * polls and a form that validates against the cluster do not each ask PVE again.
 */
import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import pLimit from 'p-limit';
import type { PveGuestInfo, PveNodeInfo, PveTemplateInfo } from '../../../shared/catalogue.ts';
import type { Database } from '../../db/client.ts';
import { pveClusters, servers } from '../../db/schema.ts';
import { appError } from '../../errors.ts';
import type { PveClient } from '../../pve/client.ts';
import type { PveClusterVm, PveNodeStorage } from '../../pve/types.ts';
import { PveError } from '../../pve/errors.ts';
import { bootDisk, hasCloudInitDrive } from '../../pve/guest-config.ts';
import { onCluster, type PveRegistry } from '../../pve/registry.ts';

/** How long one answer from PVE is reused. */
export const discoveryTtlMs = 3000;

interface Entry<T> {
  at: number;
  value: Promise<T>;
}

/** A few seconds' memory per PVE client; a failed read is forgotten at once. */
class ClusterCache {
  private readonly entries = new Map<string, Entry<unknown>>();
  constructor(private readonly ttlMs: number) {}

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key) as Entry<T> | undefined;
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = load();
    this.entries.set(key, { at: now, value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }
}

const caches = new WeakMap<PveClient, ClusterCache>();
function cacheFor(pve: PveClient): ClusterCache {
  let cache = caches.get(pve);
  if (!cache) {
    cache = new ClusterCache(discoveryTtlMs);
    caches.set(pve, cache);
  }
  return cache;
}

function requirePve(pve: PveClient | undefined): PveClient {
  if (!pve) throw appError('UNAVAILABLE', 'No Proxmox VE cluster is connected to this Keel.');
  return pve;
}

/** PVE unreachable or refusing: the caller hears 503 with PVE's reason, never a 500. */
async function fromPve<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof PveError)
      throw appError('UNAVAILABLE', `The Proxmox VE cluster did not answer as expected: ${err.message}`);
    throw err;
  }
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function storagesOf(pve: PveClient, node: string): Promise<PveNodeStorage[]> {
  return cacheFor(pve).get(`storage:${node}`, () => pve.nodeStorages(node));
}

function guestsOf(pve: PveClient): Promise<PveClusterVm[]> {
  return cacheFor(pve).get('vms', () => pve.clusterVms());
}

/** Every guest as `/cluster/resources` lists it, without asking the database who owns it. */
export async function clusterGuests(pveClient: PveClient | undefined): Promise<PveClusterVm[]> {
  const pve = requirePve(pveClient);
  return fromPve(() => guestsOf(pve));
}

export async function discoverNodes(pveClient: PveClient | undefined): Promise<PveNodeInfo[]> {
  const pve = requirePve(pveClient);
  return fromPve(() =>
    cacheFor(pve).get('nodes', async () => {
      const nodes = (await pve.clusterNodes()).sort((a, b) => a.node.localeCompare(b.node));
      return Promise.all(
        nodes.map(async (n): Promise<PveNodeInfo> => {
          // An offline node cannot be asked (PVE answers 595); it is listed without storages.
          const storages = n.status === 'online' ? await storagesOf(pve, n.node) : [];
          return {
            name: n.node,
            status: n.status,
            cpu: num(n.cpu),
            maxcpu: num(n.maxcpu),
            mem: num(n.mem),
            maxmem: num(n.maxmem),
            disk: num(n.disk),
            maxdisk: num(n.maxdisk),
            uptime: num(n.uptime),
            storages: storages
              .map((s) => ({
                storage: s.storage,
                type: s.type,
                shared: s.shared === 1,
                active: s.active === 1,
                avail: num(s.avail),
                total: num(s.total),
              }))
              .sort((a, b) => a.storage.localeCompare(b.storage)),
          };
        }),
      );
    }),
  );
}

export async function discoverTemplates(pveClient: PveClient | undefined): Promise<PveTemplateInfo[]> {
  const pve = requirePve(pveClient);
  return fromPve(() =>
    cacheFor(pve).get('templates', async () => {
      const templates = (await guestsOf(pve)).filter((g) => g.type === 'qemu' && g.template === 1);
      const limit = pLimit(4);
      const out = await Promise.all(
        templates.map((t) =>
          limit(async (): Promise<PveTemplateInfo> => {
            const [config, storages] = await Promise.all([
              pve.vmConfig(t.node, t.vmid),
              storagesOf(pve, t.node),
            ]);
            const disk = bootDisk(config);
            const storage = disk?.storage ?? null;
            return {
              node: t.node,
              vmid: t.vmid,
              name: t.name ?? (typeof config.name === 'string' ? config.name : null),
              storage,
              shared: storages.some((s) => s.storage === storage && s.shared === 1),
              cloudInit: hasCloudInitDrive(config),
              diskBytes: disk?.sizeBytes ?? null,
            };
          }),
        ),
      );
      return out.sort((a, b) => a.vmid - b.vmid);
    }),
  );
}

/** The client discovery uses: the default cluster's, or a registered one's (400 naming clusterId when none). */
export async function discoveryCluster(
  deps: { db: Database; pve?: PveClient | undefined; clusters: PveRegistry },
  clusterId: string | undefined,
): Promise<PveClient | undefined> {
  if (!clusterId) return deps.pve;
  const [row] = await deps.db.select().from(pveClusters).where(eq(pveClusters.id, clusterId)).limit(1);
  if (!row)
    throw appError('VALIDATION_FAILED', 'Invalid request: clusterId does not name a cluster', {
      fields: { clusterId: 'does not name a cluster (GET /api/admin/clusters)' },
    });
  return deps.clusters.clientFor(row);
}

export async function discoverGuests(
  db: Database,
  pveClient: PveClient | undefined,
  /** The cluster looked at (null: the default one): VMIDs are unique within a cluster only. */
  clusterId: string | null = null,
): Promise<PveGuestInfo[]> {
  const pve = requirePve(pveClient);
  const [guests, owners] = await Promise.all([
    fromPve(() => guestsOf(pve)),
    db
      .select({ id: servers.id, vmid: servers.pveVmid })
      .from(servers)
      .where(and(isNull(servers.terminatedAt), isNotNull(servers.pveVmid), onCluster(clusterId))),
  ]);
  // VMIDs are unique across a PVE cluster, and a live server holds its VMID alone.
  const ownerOf = new Map(owners.map((o) => [o.vmid!, o.id]));
  return guests
    .map((g) => ({
      node: g.node,
      vmid: g.vmid,
      name: g.name ?? null,
      status: g.status,
      type: g.type,
      template: g.template === 1,
      maxcpu: num(g.maxcpu),
      maxmem: num(g.maxmem),
      maxdisk: num(g.maxdisk),
      uptime: num(g.uptime),
      keelServerId: ownerOf.get(g.vmid) ?? null,
    }))
    .sort((a, b) => a.vmid - b.vmid);
}
