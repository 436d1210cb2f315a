/**
 * Suspension end to end, as an operator runs Keel: the PVE simulator is its own process, Keel is its own
 * process (API + worker, reconciliation every second) with PVE_URL pointing at it, on the real
 * PostgreSQL. The test talks to Keel over REST and to "the cluster" over the PVE API and `/_sim/`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipAddresses } from '../../src/server/db/schema.ts';
import { seedSimulatorCatalog } from '../../src/server/services/catalog.ts';
import { createUser } from '../../src/server/services/users.ts';
import { freePort, spawnKeel, type KeelProcess } from '../hard/helpers/keel-process.ts';
import { api, testJwtSecret } from '../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { startPveProcess, type PveProcess } from '../helpers/pve-process.ts';

let pve: PveProcess;
let database: TestDatabase;
let keel: KeelProcess;
let customer: string;
let admin: string;

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    last = value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(last)})\n${keel.output().slice(-3000)}`,
  );
}

const keelApi = (method: string, path: string, token: string, body?: unknown) =>
  api(keel.baseUrl, method, path, { token, ...(body !== undefined ? { body } : {}) });

/** The VM's power state on the simulator, or null when it has no such VM. */
async function vmState(vmid: number): Promise<string | null> {
  const state = await pve.admin('GET', '/_sim/state');
  return state.vms[String(vmid)]?.status ?? null;
}

async function orderRunning(name: string) {
  const catalog = (await keelApi('GET', '/api/catalog', customer)).body;
  const plan = catalog.plans.find((p: any) => p.slug === 'vps-s');
  const image = catalog.images.find((i: any) => i.slug === 'ubuntu-24.04');
  const ordered = await keelApi('POST', '/api/servers', customer, {
    name,
    planId: plan.id,
    imageId: image.id,
    locationId: catalog.locations[0].id,
  });
  expect(ordered.status).toBe(202);
  const id = ordered.body.server.id as string;
  await until(
    `${name} running`,
    async () => {
      const s = (await keelApi('GET', `/api/servers/${id}`, customer)).body.server;
      return s.status === 'running' && s;
    },
    60_000,
  );
  const detail = (await keelApi('GET', `/api/admin/servers/${id}`, admin)).body.server;
  return { id, node: detail.node as string, vmid: detail.vmid as number, ip: detail.ipAddress as string };
}

const settledAdmin = async (id: string) => {
  const { server } = (await keelApi('GET', `/api/admin/servers/${id}`, admin)).body;
  return server.job === null && server;
};

beforeAll(async () => {
  pve = await startPveProcess({ speed: 50 });
  database = await createTestDatabase();
  await seedSimulatorCatalog(database.handle.db);
  const password = 'correct-horse-battery';
  const c = await createUser(database.handle.db, { email: 'payer@example.com', password, role: 'customer' });
  const a = await createUser(database.handle.db, { email: 'ops@example.com', password, role: 'admin' });
  keel = spawnKeel({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'keel-suspension-')),
    PGLITE_PORT: 'off',
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    JWT_SECRET: testJwtSecret,
    LOG_LEVEL: 'info',
    PVE_URL: pve.url,
    PVE_TOKEN_ID: pve.tokenId,
    PVE_TOKEN_SECRET: pve.tokenSecret,
    PVE_POLL_MS: '25',
    WORKER_TICK_MS: '100',
    SUSPEND_GRACE_S: '2',
    RECONCILE_INTERVAL_MS: '1000',
  });
  await keel.ready();
  const login = async (email: string) =>
    (await api(keel.baseUrl, 'POST', '/api/login', { body: { email, password } })).body.accessToken as string;
  customer = await login(c.email);
  admin = await login(a.email);
  expect(a.id).toBeTruthy();
}, 60_000);

afterAll(async () => {
  await keel?.stop();
  await pve?.stop();
  await database?.drop();
});

describe('suspension, enforced', () => {
  it('stops the VM, refuses the customer, stops it again when started behind Keel’s back, restores it, and terminates', async () => {
    const server = await orderRunning('payer-web');
    expect(await vmState(server.vmid)).toBe('running');

    // The operator suspends it: 202, suspended at once, the VM stopped by the worker.
    const suspended = await keelApi('POST', `/api/admin/servers/${server.id}/actions`, admin, {
      action: 'suspend',
      reason: 'Invoice 1042 is unpaid',
    });
    expect(suspended.status).toBe(202);
    expect(suspended.headers.get('location')).toBe(`/api/admin/servers/${server.id}`);
    expect(suspended.body.server).toMatchObject({
      status: 'suspended',
      suspension: { reason: 'Invoice 1042 is unpaid', restore: 'running' },
    });
    await until('the suspension job done', () => settledAdmin(server.id));
    expect(await vmState(server.vmid)).toBe('stopped');

    // The owner reads it, and every action and terminate answers 409 naming the provider.
    const seen = (await keelApi('GET', `/api/servers/${server.id}`, customer)).body.server;
    expect(seen).toMatchObject({
      status: 'suspended',
      statusReason: 'Suspended by your provider: Invoice 1042 is unpaid',
    });
    for (const action of ['start', 'stop', 'shutdown', 'reboot']) {
      const refused = await keelApi('POST', `/api/servers/${server.id}/actions`, customer, { action });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({
        code: 'INVALID_STATE',
        message: expect.stringContaining('suspended by your provider'),
      });
    }
    const noTerminate = await keelApi('DELETE', `/api/servers/${server.id}`, customer);
    expect(noTerminate.status).toBe(409);
    expect(noTerminate.body.error.message).toContain('suspended by your provider');
    expect(await vmState(server.vmid)).toBe('stopped');

    // Someone starts the VM on PVE directly; reconciliation stops it again and says so.
    const upid = await pve.pve('POST', `/nodes/${server.node}/qemu/${server.vmid}/status/start`);
    await until(
      'the start task',
      async () =>
        (await pve.pve('GET', `/nodes/${server.node}/tasks/${encodeURIComponent(upid)}/status`)).status ===
        'stopped',
    );
    expect(await vmState(server.vmid)).toBe('running');
    await until('the VM stopped again', async () => (await vmState(server.vmid)) === 'stopped');
    const audit = await until('the enforcement in the audit log', async () => {
      const { events } = (
        await keelApi('GET', `/api/admin/audit?serverId=${server.id}&kind=server.suspension_*`, admin)
      ).body;
      return events.some((e: any) => e.kind === 'server.suspension_enforced') && events;
    });
    expect(audit.map((e: any) => e.kind)).toEqual([
      'server.suspension_enforced',
      'server.suspension_violated',
    ]);
    expect(audit[1]).toMatchObject({
      actor: null,
      server: { id: server.id },
      owner: { email: 'payer@example.com' },
    });
    expect((await keelApi('GET', `/api/servers/${server.id}`, customer)).body.server.status).toBe(
      'suspended',
    );

    // Unsuspend: back to running, as it was when suspended.
    const lifted = await keelApi('POST', `/api/admin/servers/${server.id}/actions`, admin, {
      action: 'unsuspend',
    });
    expect(lifted.status).toBe(202);
    expect(lifted.body.server).toMatchObject({ status: 'starting', suspension: null });
    await until(
      'running again',
      async () =>
        (await keelApi('GET', `/api/servers/${server.id}`, customer)).body.server.status === 'running',
    );
    expect(await vmState(server.vmid)).toBe('running');

    // Suspended again, and terminated while suspended: the VM is gone, the address free.
    expect(
      (await keelApi('POST', `/api/admin/servers/${server.id}/actions`, admin, { action: 'suspend' })).status,
    ).toBe(202);
    const terminated = await keelApi('DELETE', `/api/admin/servers/${server.id}`, admin);
    expect(terminated.status).toBe(202);
    expect(terminated.body.server.status).toBe('terminating');
    await until(
      'terminated',
      async () =>
        (await keelApi('GET', `/api/admin/servers/${server.id}`, admin)).body.server.status === 'terminated',
    );
    expect(await vmState(server.vmid)).toBeNull();
    const [address] = await database.handle.db
      .select()
      .from(ipAddresses)
      .where(eq(ipAddresses.address, server.ip));
    expect(address).toMatchObject({ serverId: null, allocatedAt: null });

    // Every step is in the audit log with its actor.
    const { events } = (
      await keelApi('GET', `/api/admin/audit?serverId=${server.id}&kind=server.*&limit=100`, admin)
    ).body;
    const byOperator = events
      .filter((e: any) => e.actor?.email === 'ops@example.com')
      .map((e: any) => e.kind);
    expect(byOperator).toEqual(['server.terminate', 'server.suspend', 'server.unsuspend', 'server.suspend']);
  }, 120_000);

  it('does not act on a stale /cluster/resources sample: status/current is asked first', async () => {
    const [suspended, stopped] = await Promise.all([
      orderRunning('stale-suspended'),
      orderRunning('stale-stopped'),
    ]);
    // pvestatd's sample is held at this moment, with both VMs running, for as long as the fault lasts.
    await pve.admin('POST', '/_sim/faults', { resourcesSampledAt: Date.now() });
    await keelApi('POST', `/api/admin/servers/${suspended.id}/actions`, admin, { action: 'suspend' });
    await keelApi('POST', `/api/admin/servers/${stopped.id}/actions`, admin, { action: 'stop' });
    try {
      await until(
        'both settled',
        async () => (await settledAdmin(suspended.id)) && (await settledAdmin(stopped.id)),
      );
      expect([await vmState(suspended.vmid), await vmState(stopped.vmid)]).toEqual(['stopped', 'stopped']);
      const sample = (await pve.pve('GET', '/cluster/resources', { type: 'vm' })) as any[];
      expect(
        sample.filter((r) => [suspended.vmid, stopped.vmid].includes(r.vmid)).map((r) => r.status),
      ).toEqual(['running', 'running']);
      // Reconciliation saw both as running in the sample, asked each VM, and changed nothing.
      await until('reconciliation passing over both', async () =>
        [suspended.id, stopped.id].every((id) =>
          keel
            .stdout()
            .split('\n')
            .some((l) => l.includes(id) && l.includes('cluster/resources was stale')),
        ),
      );
      expect((await settledAdmin(stopped.id)).status).toBe('stopped');
      expect((await settledAdmin(suspended.id)).status).toBe('suspended');
      const { events } = (await keelApi('GET', `/api/admin/audit?kind=server.*`, admin)).body;
      const acted = events.filter(
        (e: any) =>
          [suspended.id, stopped.id].includes(e.server?.id) &&
          ['server.reconciled', 'server.suspension_violated'].includes(e.kind),
      );
      expect(acted).toEqual([]);
    } finally {
      await pve.admin('DELETE', '/_sim/faults');
    }
  }, 120_000);
});
