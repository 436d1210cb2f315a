/**
 * The operator's whole way, in one run, as a new operator would take it: an empty PostgreSQL database
 * and a cluster URL (the PVE simulator as its own process, Keel as its own process with PVE_URL set).
 * The operator signs in with the printed one-time password, defines a location, image, plan and pool
 * from discovery and creates a customer; the customer makes API tokens and orders a server with the
 * write token over REST, and it runs; the read token lists but cannot order. The operator (with an
 * admin-scoped token) suspends it, reconciliation stops it again when it is started behind Keel's back,
 * unsuspends it and terminates it: the VM is gone and its address is free again. No SQL anywhere.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnKeel, type KeelProcess } from '../hard/helpers/keel-process.ts';
import { api, testJwtSecret } from '../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { startPveProcess, type PveProcess } from '../helpers/pve-process.ts';

let pve: PveProcess;
let database: TestDatabase;
let keel: KeelProcess;

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

const call = (method: string, path: string, token: string, body?: unknown) =>
  api(keel.baseUrl, method, path, { token, ...(body !== undefined ? { body } : {}) });

/** The VM's power state on the simulator, or null when it has no such VM. */
async function vmState(vmid: number): Promise<string | null> {
  const state = await pve.admin('GET', '/_sim/state');
  return state.vms[String(vmid)]?.status ?? null;
}

beforeAll(async () => {
  pve = await startPveProcess({ speed: 50 });
  database = await createTestDatabase();
  keel = spawnKeel({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'keel-journey-')),
    PGLITE_PORT: 'off',
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    JWT_SECRET: testJwtSecret,
    LOG_LEVEL: 'info',
    ADMIN_EMAIL: 'owner@hosting.example',
    PVE_URL: pve.url,
    PVE_TOKEN_ID: pve.tokenId,
    PVE_TOKEN_SECRET: pve.tokenSecret,
    PVE_POLL_MS: '25',
    WORKER_TICK_MS: '100',
    SUSPEND_GRACE_S: '2',
    RECONCILE_INTERVAL_MS: '1000',
  });
  await keel.ready(60_000);
}, 90_000);

afterAll(async () => {
  await keel?.stop();
  await pve?.stop();
  await database?.drop();
});

describe('from an empty database and a cluster URL to a running server, and back', () => {
  it('defines the catalogue from discovery, serves a token-holding customer, suspends, enforces, terminates', async () => {
    // -- the first start: a one-time password on stderr, and a hint in the log ------------------------
    expect(keel.stdout()).toContain('the catalogue has no plans, images, locations, ip-pools yet');
    const password = /password\s+(\S+)/.exec(keel.stderr())?.[1];
    expect(password, keel.stderr()).toBeTruthy();
    const login = await api(keel.baseUrl, 'POST', '/api/login', {
      body: { email: 'owner@hosting.example', password },
    });
    expect(login.status).toBe(200);
    const session = login.body.accessToken as string;

    // The operator scripts the rest with an admin-scoped API token.
    const opsToken = await call('POST', '/api/tokens', session, {
      name: 'ops script',
      scopes: ['read', 'write', 'admin'],
    });
    expect(opsToken.status).toBe(201);
    const ops = opsToken.body.secret as string;
    expect(ops).toMatch(/^keel_/);

    // -- the catalogue, from what discovery shows ------------------------------------------------------
    const nodes = (await call('GET', '/api/admin/pve/nodes', ops)).body.nodes as { name: string }[];
    expect(nodes.length).toBeGreaterThan(0);
    const templates = (await call('GET', '/api/admin/pve/templates', ops)).body.templates as any[];
    const shared = templates.find((t) => t.shared && t.cloudInit);
    expect(shared, JSON.stringify(templates)).toBeTruthy();

    const location = await call('POST', '/api/admin/locations', ops, {
      slug: 'ams',
      name: 'Amsterdam',
      country: 'NL',
      pveNodes: nodes.map((n) => n.name),
    });
    expect(location.status).toBe(201);
    const image = await call('POST', '/api/admin/images', ops, {
      slug: 'ubuntu',
      name: 'Ubuntu',
      osFamily: 'ubuntu',
      pveTemplates: { '*': shared.vmid },
    });
    expect(image.status).toBe(201);
    const plan = await call('POST', '/api/admin/plans', ops, {
      slug: 'small',
      name: 'Small',
      cpuCores: 1,
      memoryMb: 1024,
      diskGb: 10,
      priceMonthlyCents: 400,
    });
    expect(plan.status).toBe(201);
    const created = await call('POST', '/api/admin/ip-pools', ops, {
      locationId: location.body.location.id,
      cidr: '198.51.100.0/28',
      gateway: '198.51.100.1',
      rangeStart: '198.51.100.2',
      rangeEnd: '198.51.100.14',
      dns: ['198.51.100.53'],
    });
    expect(created.status).toBe(201);
    const poolId = created.body.pool.id as string;
    expect(created.body.pool).toMatchObject({ size: 13, allocated: 0, free: 13 });

    // -- a customer, who sets their password through the one-time link ---------------------------------
    const customer = await call('POST', '/api/admin/users', ops, {
      email: 'jane@customer.example',
      name: 'Jane',
      role: 'customer',
    });
    expect(customer.status).toBe(201);
    const linkToken = (customer.body.setPasswordLink.url as string).split('#token=')[1];
    expect(linkToken).toBeTruthy();
    const set = await api(keel.baseUrl, 'POST', '/api/auth/set-password', {
      body: { token: linkToken, password: 'jane-first-long-password' },
    });
    expect(set.status).toBe(200);
    const janeSession = (
      await api(keel.baseUrl, 'POST', '/api/login', {
        body: { email: 'jane@customer.example', password: 'jane-first-long-password' },
      })
    ).body.accessToken as string;
    expect(janeSession).toBeTruthy();

    // -- the customer's tokens: write orders and it runs, read lists but cannot order -------------------
    const write = (await call('POST', '/api/tokens', janeSession, { name: 'rw', scopes: ['read', 'write'] }))
      .body.secret as string;
    const read = (await call('POST', '/api/tokens', janeSession, { name: 'ro', scopes: ['read'] })).body
      .secret as string;
    expect([write, read].every((s) => s.startsWith('keel_'))).toBe(true);
    const catalog = (await call('GET', '/api/catalog', read)).body;
    const order = {
      name: 'jane-web',
      planId: catalog.plans.find((p: any) => p.slug === 'small').id,
      imageId: catalog.images.find((i: any) => i.slug === 'ubuntu').id,
      locationId: catalog.locations.find((l: any) => l.slug === 'ams').id,
    };
    const refused = await call('POST', '/api/servers', read, { ...order, name: 'jane-nope' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'FORBIDDEN' });
    expect(refused.body.error.message).toContain('write scope');
    const ordered = await call('POST', '/api/servers', write, order);
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(202);
    const id = ordered.body.server.id as string;
    const running = await until('the order running', async () => {
      const s = (await call('GET', `/api/servers/${id}`, read)).body.server;
      return s.status === 'running' && s;
    });
    expect(running.ipAddress).toMatch(/^198\.51\.100\.(?:[2-9]|1[0-4])$/);
    const listed = (await call('GET', '/api/servers', read)).body.servers.map((s: any) => s.id);
    expect(listed).toEqual([id]);
    const detail = (await call('GET', `/api/admin/servers/${id}`, ops)).body.server;
    const vmid = detail.vmid as number;
    expect(detail.owner.email).toBe('jane@customer.example');
    expect(await vmState(vmid)).toBe('running');
    const guests = (await call('GET', '/api/admin/pve/vms', ops)).body.vms as any[];
    expect(guests.find((g) => g.vmid === vmid)).toMatchObject({ keelServerId: id });
    expect((await call('GET', `/api/admin/ip-pools/${poolId}`, ops)).body.pool).toMatchObject({
      allocated: 1,
      free: 12,
    });

    // -- suspended: the VM stops, the customer's token may read but not start ----------------------------
    const suspended = await call('POST', `/api/admin/servers/${id}/actions`, ops, {
      action: 'suspend',
      reason: 'Invoice 7 is unpaid',
    });
    expect(suspended.status).toBe(202);
    await until('the VM stopped by the suspension', async () => (await vmState(vmid)) === 'stopped');
    await until(
      'the suspension settled',
      async () => (await call('GET', `/api/admin/servers/${id}`, ops)).body.server.job === null,
    );
    expect((await call('GET', `/api/servers/${id}`, read)).body.server.status).toBe('suspended');
    const start = await call('POST', `/api/servers/${id}/actions`, write, { action: 'start' });
    expect(start.status).toBe(409);
    expect(start.body.error.message).toContain('suspended by your provider');

    // Started on PVE behind Keel's back: reconciliation stops it again and says so.
    await pve.pve('POST', `/nodes/${detail.node}/qemu/${vmid}/status/start`);
    await until('the VM started behind Keel', async () => (await vmState(vmid)) === 'running', 30_000);
    await until('the VM stopped again', async () => (await vmState(vmid)) === 'stopped', 30_000);
    await until('the enforcement audited', async () => {
      const { events } = (await call('GET', `/api/admin/audit?serverId=${id}&kind=server.suspension_*`, ops))
        .body;
      return events.some((e: any) => e.kind === 'server.suspension_enforced');
    });

    // -- unsuspended: back to running, as it was -----------------------------------------------------------
    const lifted = await call('POST', `/api/admin/servers/${id}/actions`, ops, { action: 'unsuspend' });
    expect(lifted.status).toBe(202);
    await until(
      'running again',
      async () => (await call('GET', `/api/servers/${id}`, read)).body.server.status === 'running',
    );
    expect(await vmState(vmid)).toBe('running');

    // -- terminated: the VM is gone, the address free ------------------------------------------------------
    const terminated = await call('DELETE', `/api/admin/servers/${id}`, ops);
    expect(terminated.status).toBe(202);
    await until(
      'terminated',
      async () => (await call('GET', `/api/admin/servers/${id}`, ops)).body.server.status === 'terminated',
    );
    expect(await vmState(vmid)).toBeNull();
    expect((await call('GET', `/api/admin/ip-pools/${poolId}`, ops)).body.pool).toMatchObject({
      allocated: 0,
      free: 13,
    });

    // Every operator step is in the audit log under the operator.
    const { events } = (await call('GET', `/api/admin/audit?serverId=${id}&kind=server.*&limit=100`, ops))
      .body;
    expect(
      events.filter((e: any) => e.actor?.email === 'owner@hosting.example').map((e: any) => e.kind),
    ).toEqual(['server.terminate', 'server.unsuspend', 'server.suspend']);
  }, 240_000);
});
