/**
 * Several Proxmox VE clusters, as a provider with two sites runs Keel: two simulator processes stand in
 * for two clusters; Keel is its own process (API + worker, reconciliation every second) with PVE_URL on
 * cluster A, and cluster B is registered through the admin API. A location on each; each order lands
 * on its own location's cluster; then B is stopped, and A keeps provisioning and reconciling while B's
 * order is reported with the reason. The token secret never comes back in an answer or the log.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pveClusters } from '../../src/server/db/schema.ts';
import { seedSimulatorCatalog } from '../../src/server/services/catalog.ts';
import { createUser } from '../../src/server/services/users.ts';
import { freePort, spawnKeel, type KeelProcess } from '../hard/helpers/keel-process.ts';
import { api, testJwtSecret } from '../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { startPveProcess, type PveProcess } from '../helpers/pve-process.ts';

let pveA: PveProcess;
let pveB: PveProcess;
let database: TestDatabase;
let keel: KeelProcess;
let customer: string;
let admin: string;
/** Every answer Keel gave in this file, to look for the secret in. */
const answers: string[] = [];

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 60_000,
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

async function keelApi(method: string, path: string, token: string, body?: unknown) {
  const res = await api(keel.baseUrl, method, path, { token, ...(body !== undefined ? { body } : {}) });
  answers.push(JSON.stringify(res.body));
  return res;
}

/** The guest Keel made for this server on that cluster (tagged keel-<id>), or undefined. */
async function vmOn(pve: PveProcess, serverId: string): Promise<any> {
  const vms = (await pve.pve('GET', '/cluster/resources', { type: 'vm' })) as any[];
  return vms.find((vm) =>
    String(vm.tags ?? '')
      .split(/[;,]/)
      .includes(`keel-${serverId}`),
  );
}

async function order(name: string, locationId: string): Promise<string> {
  const catalog = (await keelApi('GET', '/api/catalog', customer)).body;
  const ordered = await keelApi('POST', '/api/servers', customer, {
    name,
    planId: catalog.plans.find((p: any) => p.slug === 'vps-s').id,
    imageId: catalog.images.find((i: any) => i.slug === 'ubuntu-24.04').id,
    locationId,
  });
  expect(ordered.status, JSON.stringify(ordered.body)).toBe(202);
  return ordered.body.server.id as string;
}

const statusOf = async (id: string) => (await keelApi('GET', `/api/servers/${id}`, customer)).body.server;
const running = (id: string) => until(`${id} running`, async () => (await statusOf(id)).status === 'running');

let labId: string;
let clusterB: any;
let helId: string;

beforeAll(async () => {
  [pveA, pveB] = await Promise.all([startPveProcess({ speed: 50 }), startPveProcess({ speed: 50 })]);
  database = await createTestDatabase();
  await seedSimulatorCatalog(database.handle.db);
  const password = 'correct-horse-battery';
  const c = await createUser(database.handle.db, { email: 'multi@example.com', password, role: 'customer' });
  const a = await createUser(database.handle.db, { email: 'ops@example.com', password, role: 'admin' });
  keel = spawnKeel({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'keel-clusters-')),
    PGLITE_PORT: 'off',
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    JWT_SECRET: testJwtSecret,
    LOG_LEVEL: 'debug',
    PVE_URL: pveA.url,
    PVE_TOKEN_ID: pveA.tokenId,
    PVE_TOKEN_SECRET: pveA.tokenSecret,
    PVE_POLL_MS: '25',
    WORKER_TICK_MS: '100',
    RECONCILE_INTERVAL_MS: '1000',
    CLUSTER_SECRET_KEY: randomBytes(32).toString('base64'),
  });
  await keel.ready();
  const login = async (email: string) =>
    (await api(keel.baseUrl, 'POST', '/api/login', { body: { email, password } })).body.accessToken as string;
  customer = await login(c.email);
  admin = await login(a.email);
  labId = (await keelApi('GET', '/api/catalog', customer)).body.locations[0].id;
  expect(a.id).toBeTruthy();
}, 60_000);

afterAll(async () => {
  await keel?.stop();
  await Promise.all([pveA?.stop(), pveB?.stop()]);
  await database?.drop();
});

describe('several clusters', () => {
  it('registers cluster B through the admin API after asking it, and keeps its secret to itself', async () => {
    const body = {
      slug: 'hel',
      name: 'Helsinki',
      url: pveB.url,
      tokenId: pveB.tokenId,
      tokenSecret: pveB.tokenSecret,
    };
    // A wrong secret, a wrong token id shape, an address that does not answer: 400 naming the field.
    const wrongSecret = await keelApi('POST', '/api/admin/clusters', admin, {
      ...body,
      tokenSecret: 'wrong',
    });
    expect(wrongSecret.status).toBe(400);
    expect(Object.keys(wrongSecret.body.error.fields)).toEqual(['tokenSecret']);
    const badId = await keelApi('POST', '/api/admin/clusters', admin, { ...body, tokenId: 'root' });
    expect(badId.status).toBe(400);
    expect(badId.body.error.fields).toHaveProperty('tokenId');
    const deadPort = await freePort();
    const dead = await keelApi('POST', '/api/admin/clusters', admin, {
      ...body,
      url: `http://127.0.0.1:${deadPort}`,
    });
    expect(dead.status).toBe(400);
    expect(Object.keys(dead.body.error.fields)).toEqual(['url']);
    expect((await keelApi('GET', '/api/admin/clusters', admin)).body.clusters).toEqual([]);

    const created = await keelApi('POST', '/api/admin/clusters', admin, body);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/admin/clusters/${created.body.cluster.id}`);
    expect(created.body.cluster).toMatchObject({
      slug: 'hel',
      url: pveB.url,
      tokenId: pveB.tokenId,
      hasSecret: true,
      active: true,
    });
    expect(created.body.cluster).not.toHaveProperty('tokenSecret');
    clusterB = created.body.cluster;
    const listed = (await keelApi('GET', '/api/admin/clusters', admin)).body;
    expect(listed.clusters.map((c: any) => c.slug)).toEqual(['hel']);
    expect((await keelApi('GET', `/api/admin/clusters/${clusterB.id}`, admin)).body.cluster.id).toBe(
      clusterB.id,
    );
    const renamed = await keelApi('PATCH', `/api/admin/clusters/${clusterB.id}`, admin, {
      name: 'Helsinki 1',
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.cluster.name).toBe('Helsinki 1');
    const refused = await keelApi('PATCH', `/api/admin/clusters/${clusterB.id}`, admin, {
      tokenSecret: 'wrong',
    });
    expect(refused.status).toBe(400);
    expect(Object.keys(refused.body.error.fields)).toEqual(['tokenSecret']);

    // Stored sealed, not as given.
    const [row] = await database.handle.db.select().from(pveClusters);
    expect(row!.tokenSecretSealed).not.toContain(pveB.tokenSecret);
    expect(row!.tokenSecretSealed.startsWith('v1.')).toBe(true);

    // The audit log names the operator and never the secret.
    const audit = (await keelApi('GET', '/api/admin/audit?kind=cluster.*', admin)).body;
    expect(audit.events.map((e: any) => e.kind).sort()).toEqual(['cluster.created', 'cluster.updated']);
    for (const e of audit.events) expect(e.actor?.email).toBe('ops@example.com');
  });

  it('discovers each cluster on its own and puts a location on cluster B, its nodes checked there', async () => {
    const nodesB = await keelApi('GET', `/api/admin/pve/nodes?clusterId=${clusterB.id}`, admin);
    expect(nodesB.status).toBe(200);
    expect(nodesB.body.nodes.map((n: any) => n.name)).toContain('pve1');
    const templatesB = await keelApi('GET', `/api/admin/pve/templates?clusterId=${clusterB.id}`, admin);
    expect(templatesB.body.templates.map((t: any) => t.vmid)).toContain(9000);
    const unknown = await keelApi(
      'GET',
      '/api/admin/pve/nodes?clusterId=00000000-0000-4000-8000-000000000000',
      admin,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.fields).toHaveProperty('clusterId');

    const badNode = await keelApi('POST', '/api/admin/locations', admin, {
      slug: 'hel1',
      name: 'Helsinki',
      country: 'FI',
      pveNodes: ['pve9'],
      clusterId: clusterB.id,
    });
    expect(badNode.status).toBe(400);
    expect(badNode.body.error.fields).toHaveProperty('pveNodes');
    const loc = await keelApi('POST', '/api/admin/locations', admin, {
      slug: 'hel1',
      name: 'Helsinki',
      country: 'FI',
      pveNodes: ['pve1', 'pve2'],
      clusterId: clusterB.id,
    });
    expect(loc.status).toBe(201);
    expect(loc.body.location.clusterId).toBe(clusterB.id);
    helId = loc.body.location.id;
    const pool = await keelApi('POST', '/api/admin/ip-pools', admin, {
      locationId: helId,
      cidr: '10.60.0.0/24',
      gateway: '10.60.0.1',
      rangeStart: '10.60.0.10',
      rangeEnd: '10.60.0.50',
      dns: ['1.1.1.1'],
    });
    expect(pool.status).toBe(201);

    // In use: the cluster cannot be deleted, and says by what.
    const del = await keelApi('DELETE', `/api/admin/clusters/${clusterB.id}`, admin);
    expect(del.status).toBe(409);
    expect(del.body.error.message).toMatch(/1 location/);
  });

  it('places each order on its own location’s cluster', async () => {
    const [onA, onB] = await Promise.all([order('web-fra', labId), order('web-hel', helId)]);
    await Promise.all([running(onA), running(onB)]);
    expect(await vmOn(pveA, onA)).toMatchObject({ status: 'running' });
    expect(await vmOn(pveB, onA)).toBeUndefined();
    expect(await vmOn(pveB, onB)).toMatchObject({ status: 'running' });
    expect(await vmOn(pveA, onB)).toBeUndefined();
    const detail = async (id: string) =>
      (await keelApi('GET', `/api/admin/servers/${id}`, admin)).body.server;
    expect((await detail(onA)).clusterId).toBeNull();
    expect((await detail(onB)).clusterId).toBe(clusterB.id);
    // Discovery on B names B's server as the owner of its guest, and A's guest list does not (the
    // lists are reused for up to 3 s, so an answer from before the clone may come first).
    const owners = async (query: string) =>
      ((await keelApi('GET', `/api/admin/pve/vms${query}`, admin)).body.vms as any[])
        .filter((g) => g.keelServerId)
        .map((g) => g.keelServerId);
    const guestsB = await until('B lists its guest', async () => {
      const o = await owners(`?clusterId=${clusterB.id}`);
      return o.length > 0 && o;
    });
    expect(guestsB).toEqual([onB]);
    const guestsA = await until('A lists its guest', async () => {
      const o = await owners('');
      return o.length > 0 && o;
    });
    expect(guestsA).toEqual([onA]);
    // A power action on B's server reaches B.
    const stopped = await keelApi('POST', `/api/servers/${onB}/actions`, customer, { action: 'stop' });
    expect(stopped.status).toBe(202);
    await until('web-hel stopped', async () => (await statusOf(onB)).status === 'stopped');
    expect((await vmOn(pveB, onB)).status).toBe('stopped');
    expect((await vmOn(pveA, onA)).status).toBe('running');
  }, 120_000);

  it('keeps provisioning and reconciling cluster A while cluster B is down, and reports B’s order', async () => {
    await pveB.stop();
    const [onA, onB] = await Promise.all([order('api-fra', labId), order('api-hel', helId)]);
    await running(onA);
    expect(await vmOn(pveA, onA)).toMatchObject({ status: 'running' });

    // B's order waits with the reason, or has failed with it.
    const reported = await until('api-hel reported', async () => {
      const { server } = (await keelApi('GET', `/api/admin/servers/${onB}`, admin)).body;
      if (server.status === 'error' && server.statusReason) return server;
      return server.job?.lastError ? server : null;
    });
    expect(reported.status).not.toBe('running');
    expect(reported.statusReason ?? reported.job.lastError).toMatch(/ECONNREFUSED|connect|refused|answer/i);

    // Reconciliation of A still runs: a VM stopped behind Keel's back on A is seen as stopped.
    const vm = await vmOn(pveA, onA);
    await pveA.pve('POST', `/nodes/${vm.node}/qemu/${vm.vmid}/status/stop`);
    await until(
      'api-fra reconciled to stopped',
      async () => (await statusOf(onA)).status === 'stopped',
      30_000,
    );
    expect(keel.stdout()).toMatch(/reconciliation of this cluster failed; skipped/);
  }, 120_000);

  it('never shows the cluster’s token secret in an answer or the log', () => {
    expect(answers.length).toBeGreaterThan(10);
    for (const answer of answers) expect(answer).not.toContain(pveB.tokenSecret);
    expect(keel.output()).not.toContain(pveB.tokenSecret);
    expect(keel.output()).not.toContain(pveA.tokenSecret);
  });
});
