/**
 * What the hard tests check on both sides: Keel's servers and jobs in its database, and the VMs Keel
 * made in the simulator (recognised by the `keel:<server id>` marker in their description).
 */
import { inArray } from 'drizzle-orm';
import type { Database } from '../../../src/server/db/client.ts';
import { serverJobs, servers } from '../../../src/server/db/schema.ts';
import type { PveSim } from '../../../testbed/pve/index.ts';
import { api } from '../../helpers/app.ts';

export { seededRandom } from '../../../testbed/pve/faults.ts';

export interface KeelVm {
  vmid: number;
  node: string;
  status: string;
  /** The server id in the VM's description marker, or null when it has none. */
  serverId: string | null;
  /** The address cloud-init gives the guest (ipconfig0), or null. */
  ip: string | null;
}

/** Every VM that is not a template. */
export function guestVms(sim: PveSim): KeelVm[] {
  return Object.values(sim.sim.state().vms)
    .filter((vm) => Number(vm.config.template ?? 0) !== 1)
    .map((vm) => ({
      vmid: vm.vmid,
      node: vm.node,
      status: vm.status,
      serverId: /keel:([0-9a-f-]{36})/.exec(String(vm.config.description ?? ''))?.[1] ?? null,
      ip: /ip=([0-9.]+)\//.exec(String(vm.config.ipconfig0 ?? ''))?.[1] ?? null,
    }));
}

/** Pure: orphans (a VM with no live server behind it) and duplicates (a server with several VMs). */
export function vmAccounting(
  vms: KeelVm[],
  liveServerIds: ReadonlySet<string>,
): { orphans: KeelVm[]; duplicates: string[] } {
  const orphans = vms.filter((vm) => vm.serverId === null || !liveServerIds.has(vm.serverId));
  const perServer = new Map<string, number>();
  for (const vm of vms) if (vm.serverId) perServer.set(vm.serverId, (perServer.get(vm.serverId) ?? 0) + 1);
  const duplicates = [...perServer].filter(([, n]) => n > 1).map(([id]) => id);
  return { orphans, duplicates };
}

/** Pure: values that occur more than once. */
export function repeated<T>(values: readonly T[]): T[] {
  const seen = new Set<T>();
  const twice = new Set<T>();
  for (const v of values) (seen.has(v) ? twice : seen).add(v);
  return [...twice];
}

export const transitional = ['provisioning', 'starting', 'stopping', 'rebooting', 'terminating'] as const;

export async function serverRows(db: Database) {
  return db
    .select({
      id: servers.id,
      name: servers.name,
      status: servers.status,
      statusReason: servers.statusReason,
      ipAddress: servers.ipAddress,
      pveVmid: servers.pveVmid,
      pveNode: servers.pveNode,
    })
    .from(servers);
}

export async function jobRows(db: Database, serverIds?: string[]) {
  const query = db.select().from(serverJobs);
  return serverIds ? query.where(inArray(serverJobs.serverId, serverIds)) : query;
}

/** Polls until no server is in a transitional status; returns the rows, or throws with what is stuck. */
export async function waitUntilSettled(db: Database, timeoutMs: number, pollMs = 200) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await serverRows(db);
    const busy = rows.filter((r) => (transitional as readonly string[]).includes(r.status));
    if (busy.length === 0) return rows;
    if (Date.now() > deadline) {
      throw new Error(
        `${busy.length} servers still transitional after ${timeoutMs} ms: ` +
          JSON.stringify(busy.slice(0, 5).map((r) => [r.name, r.status])),
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export interface OrderChoice {
  planId: string;
  imageId: string;
  locationId: string;
}

/**
 * The smallest plan and the Ubuntu image: its template is on shared storage, so fifty full clones fit
 * (Debian's per-node local-lvm holds only ~20 disks of 25 GB).
 */
export async function smallUbuntuOrder(baseUrl: string, token: string): Promise<OrderChoice> {
  const { body } = await api(baseUrl, 'GET', '/api/catalog', { token });
  const plan = (body.plans as { id: string; slug: string }[]).find((p) => p.slug === 'vps-s');
  const image = (body.images as { id: string; slug: string }[]).find((i) => i.slug === 'ubuntu-24.04');
  const location = (body.locations as { id: string }[])[0];
  if (!plan || !image || !location) throw new Error(`unexpected catalogue: ${JSON.stringify(body)}`);
  return { planId: plan.id, imageId: image.id, locationId: location.id };
}

export async function login(baseUrl: string, email: string, password: string): Promise<string> {
  const res = await api(baseUrl, 'POST', '/api/login', { body: { email, password } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken as string;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
