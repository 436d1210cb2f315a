import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, serverJobs, servers } from '../../src/server/db/schema.ts';
import { listServerPage, listServers } from '../../src/server/services/servers/read.ts';
import type { Catalog } from '../../src/shared/api.ts';
import { api, startTestApp, type TestApp } from '../helpers/app.ts';

let app: TestApp;
let alice: string;
let bob: string;
let catalog: Catalog;
const sshKey =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm9pTgq0Zm3tJbL6X0Yk0xM8f1Z5Ttn6z0y7hK1b2c3 alice@laptop';

beforeAll(async () => {
  app = await startTestApp();
  const a = await app.createUser();
  const b = await app.createUser();
  alice = (await app.login(a.email, a.password)).accessToken;
  bob = (await app.login(b.email, b.password)).accessToken;
  catalog = (await api(app.baseUrl, 'GET', '/api/catalog', { token: alice })).body;
});
afterAll(() => app.close());

const order = (token: string, overrides: Record<string, unknown> = {}) =>
  api(app.baseUrl, 'POST', '/api/servers', {
    token,
    body: {
      name: 'web-1.example.com',
      planId: catalog.plans[0]!.id,
      imageId: catalog.images[0]!.id,
      locationId: catalog.locations[0]!.id,
      ...overrides,
    },
  });

async function setStatus(id: string, status: 'running' | 'stopped') {
  await app.db.update(servers).set({ status }).where(eq(servers.id, id));
  await app.db.update(serverJobs).set({ state: 'succeeded' }).where(eq(serverJobs.serverId, id));
}

describe('GET /api/catalog', () => {
  it('lists plans, images and locations', async () => {
    expect(catalog.plans.map((p) => p.slug)).toEqual(['vps-s', 'vps-m', 'vps-l']);
    expect(catalog.images.length).toBeGreaterThan(0);
    expect(catalog.locations.length).toBeGreaterThan(0);
  });
});

describe('POST /api/servers', () => {
  it('answers 202 with the server, a Location, a queued provision job and an audit event', async () => {
    const res = await order(alice, { name: 'Web-1.Example.com', sshKeys: [sshKey] });
    expect(res.status).toBe(202);
    const { server } = res.body;
    expect(res.headers.get('location')).toBe(`/api/servers/${server.id}`);
    expect(server).toMatchObject({
      name: 'web-1.example.com',
      status: 'provisioning',
      statusReason: null,
      cpuCores: catalog.plans[0]!.cpuCores,
      memoryMb: catalog.plans[0]!.memoryMb,
      diskGb: catalog.plans[0]!.diskGb,
      ipAddress: null,
      progress: { step: 'place', stepIndex: 0, stepCount: 7 },
      image: { id: catalog.images[0]!.id },
      location: { id: catalog.locations[0]!.id },
    });
    expect(Object.keys(server).sort()).toEqual(
      [
        'createdAt',
        'cpuCores',
        'diskGb',
        'id',
        'image',
        'ipAddress',
        'location',
        'memoryMb',
        'name',
        'progress',
        'status',
        'statusReason',
        'updatedAt',
      ].sort(),
    );
    expect(new Date(server.createdAt).toISOString()).toBe(server.createdAt);
    const jobs = await app.db.select().from(serverJobs).where(eq(serverJobs.serverId, server.id));
    expect(jobs.map((j) => [j.kind, j.state])).toEqual([['provision', 'queued']]);
    const events = await app.db.select().from(auditEvents).where(eq(auditEvents.serverId, server.id));
    expect(events.map((e) => e.kind)).toEqual(['server.create']);
    expect(events[0]!.requestId).toBe(res.headers.get('x-request-id'));
  });

  it.each([
    [{ name: '-bad-' }, ['name']],
    [{ name: 'a'.repeat(64) }, ['name']],
    [{ name: 'has space' }, ['name']],
    [{ planId: 'nope' }, ['planId']],
    [{ planId: undefined, imageId: 7 }, ['planId', 'imageId']],
    [{ sshKeys: ['not a key'] }, ['sshKeys.0']],
    [{ sshKeys: 'ssh-ed25519 AAAA' }, ['sshKeys']],
    [{ extra: 1 }, ['extra']],
  ])('refuses %j with 400 naming %j', async (overrides, fields) => {
    const res = await order(alice, overrides);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(res.body.error.fields).sort()).toEqual([...fields].sort());
  });

  it('refuses ids that name nothing orderable, naming the field', async () => {
    const res = await order(alice, { planId: '00000000-0000-4000-8000-000000000000' });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({ planId: 'does not name a plan open to orders' });
  });
});

describe('quota', () => {
  it('refuses an order over the per-user server quota with 422', async () => {
    const carol = await app.createUser();
    const token = (await app.login(carol.email, carol.password)).accessToken;
    for (let i = 0; i < app.config.quota.maxServers; i++)
      expect((await order(token, { name: `q-${i}` })).status).toBe(202);
    const over = await order(token, { name: 'one-too-many' });
    expect(over.status).toBe(422);
    expect(over.body.error.code).toBe('QUOTA_EXCEEDED');
    expect(over.body.error.message).toContain(`at most ${app.config.quota.maxServers} servers`);
  });
});

describe('reading servers', () => {
  it('lists only my servers, newest first, with cursor pagination', async () => {
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push((await order(bob, { name: `bob-${i}` })).body.server.id);
    const page1 = await api(app.baseUrl, 'GET', '/api/servers?limit=2', { token: bob });
    expect(page1.status).toBe(200);
    expect(page1.body.servers.map((s: { id: string }) => s.id)).toEqual([mine[2], mine[1]]);
    const page2 = await api(app.baseUrl, 'GET', `/api/servers?limit=2&cursor=${page1.body.nextCursor}`, {
      token: bob,
    });
    expect(page2.body.servers.map((s: { id: string }) => s.id)).toEqual([mine[0]]);
    expect(page2.body.nextCursor).toBeNull();
    const alices = await api(app.baseUrl, 'GET', '/api/servers', { token: alice });
    expect(alices.body.servers.map((s: { id: string }) => s.id)).not.toContain(mine[0]);
  });

  it('answers the first page (a prepared statement mapped from array rows) as any other page', async () => {
    const dave = await app.createUser();
    const token = (await app.login(dave.email, dave.password)).accessToken;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await order(token, { name: `dave-${i}` })).body.server.id);
    // One running, one provisioning with its job past a step, one without an image, one terminated.
    await setStatus(ids[0]!, 'running');
    await app.db.update(serverJobs).set({ step: 'place' }).where(eq(serverJobs.serverId, ids[1]!));
    await app.db.update(servers).set({ imageId: null, ipAddress: '10.0.0.9' }).where(eq(servers.id, ids[2]!));
    await app.db.update(servers).set({ status: 'terminated' }).where(eq(servers.id, ids[3]!));
    const first = await listServers(app.db, dave.id, { limit: 2 });
    const general = await listServerPage(app.db, [eq(servers.userId, dave.id)], { limit: 2 });
    expect(first).toEqual(general);
    expect(first.servers.map((s) => s.id)).toEqual([ids[2], ids[1]]);
    expect(first.servers[0]).toMatchObject({
      image: null,
      ipAddress: '10.0.0.9',
      progress: { stepIndex: 0 },
    });
    expect(first.servers[1]!.progress).toEqual({ step: 'reserve_vmid', stepIndex: 1, stepCount: 7 });
    expect(first.servers[1]!.createdAt).toBeInstanceOf(Date);
    const rest = await listServers(app.db, dave.id, { limit: 2, cursor: first.nextCursor! });
    expect(rest).toEqual({
      servers: [expect.objectContaining({ id: ids[0], progress: null })],
      nextCursor: null,
    });
    const all = await listServers(app.db, dave.id, { limit: 10 });
    expect(all).toEqual(await listServerPage(app.db, [eq(servers.userId, dave.id)], { limit: 10 }));
    expect(all.nextCursor).toBeNull();
    const res = await api(app.baseUrl, 'GET', '/api/servers?limit=2', { token });
    expect(res.body).toEqual(JSON.parse(JSON.stringify(first)));
  });

  it('refuses a bad limit or cursor with 400', async () => {
    const res = await api(app.baseUrl, 'GET', '/api/servers?limit=9999', { token: bob });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toHaveProperty('limit');
    const bad = await api(app.baseUrl, 'GET', '/api/servers?cursor=zzz', { token: bob });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toHaveProperty('cursor');
  });

  it('gets one of mine by id, with its events on request', async () => {
    const { server } = (await order(alice, { name: 'db-1' })).body;
    const res = await api(app.baseUrl, 'GET', `/api/servers/${server.id}`, { token: alice });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ server });
    const withEvents = await api(app.baseUrl, 'GET', `/api/servers/${server.id}?include=events`, {
      token: alice,
    });
    expect(withEvents.body.events).toMatchObject([
      { kind: 'server.create', message: expect.stringContaining('db-1') },
    ]);
    const bad = await api(app.baseUrl, 'GET', `/api/servers/${server.id}?include=secrets`, { token: alice });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toHaveProperty('include');
  });
});

describe('isolation: another customer’s server is not found', () => {
  it('for every route, and nothing changes', async () => {
    const { server } = (await order(alice, { name: 'private' })).body;
    await setStatus(server.id, 'running');
    const before = await app.db.select().from(servers).where(eq(servers.id, server.id));
    const attempts = [
      await api(app.baseUrl, 'GET', `/api/servers/${server.id}`, { token: bob }),
      await api(app.baseUrl, 'POST', `/api/servers/${server.id}/actions`, {
        token: bob,
        body: { action: 'reboot' },
      }),
      await api(app.baseUrl, 'DELETE', `/api/servers/${server.id}`, { token: bob }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    const unknown = await api(app.baseUrl, 'GET', '/api/servers/00000000-0000-4000-8000-000000000000', {
      token: alice,
    });
    expect(unknown.body).toEqual(attempts[0]!.body);
    expect(await app.db.select().from(servers).where(eq(servers.id, server.id))).toEqual(before);
  });

  it.each(['not-a-uuid', '..%2F..%2Fetc%2Fpasswd', "1' or '1'='1"])('for the id %j', async (id) => {
    const res = await api(app.baseUrl, 'GET', `/api/servers/${id}`, { token: alice });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('actions and termination', () => {
  it('accepts an allowed action with 202, and refuses what the state forbids with 409', async () => {
    const { server } = (await order(alice, { name: 'act' })).body;
    const early = await api(app.baseUrl, 'POST', `/api/servers/${server.id}/actions`, {
      token: alice,
      body: { action: 'start' },
    });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'INVALID_STATE' });
    expect(early.body.error.message).toContain('provisioning');

    await setStatus(server.id, 'running');
    const reboot = await api(app.baseUrl, 'POST', `/api/servers/${server.id}/actions`, {
      token: alice,
      body: { action: 'reboot' },
    });
    expect(reboot.status).toBe(202);
    expect(reboot.headers.get('location')).toBe(`/api/servers/${server.id}`);
    expect(reboot.body.server.status).toBe('rebooting');
    const again = await api(app.baseUrl, 'POST', `/api/servers/${server.id}/actions`, {
      token: alice,
      body: { action: 'reboot' },
    });
    expect(again.status).toBe(409);
  });

  it('lets a hard stop supersede a pending shutdown', async () => {
    const { server } = (await order(alice, { name: 'stubborn' })).body;
    await setStatus(server.id, 'running');
    const shutdown = await api(app.baseUrl, 'POST', `/api/servers/${server.id}/actions`, {
      token: alice,
      body: { action: 'shutdown' },
    });
    expect(shutdown.body.server.status).toBe('stopping');
    const stop = await api(app.baseUrl, 'POST', `/api/servers/${server.id}/actions`, {
      token: alice,
      body: { action: 'stop' },
    });
    expect(stop.status).toBe(202);
    const jobs = await app.db.select().from(serverJobs).where(eq(serverJobs.serverId, server.id));
    expect(jobs.map((j) => [j.kind, j.state]).sort()).toEqual([
      ['provision', 'succeeded'],
      ['shutdown', 'cancelled'],
      ['stop', 'queued'],
    ]);
  });

  it.each([{ action: 'explode' }, {}, { action: 'start', force: true }])(
    'refuses the action body %j with 400',
    async (body) => {
      const { server } = (await order(alice, { name: 'bodies' })).body;
      const res = await api(app.baseUrl, 'POST', `/api/servers/${server.id}/actions`, { token: alice, body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    },
  );

  it('terminates a settled server with 202, and refuses while provisioning', async () => {
    const { server } = (await order(alice, { name: 'bye' })).body;
    expect((await api(app.baseUrl, 'DELETE', `/api/servers/${server.id}`, { token: alice })).status).toBe(
      409,
    );
    await setStatus(server.id, 'stopped');
    const res = await api(app.baseUrl, 'DELETE', `/api/servers/${server.id}`, { token: alice });
    expect(res.status).toBe(202);
    expect(res.body.server.status).toBe('terminating');
  });
});
