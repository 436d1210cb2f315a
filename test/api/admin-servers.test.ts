/**
 * The operators' server and audit routes over REST, against the real PostgreSQL, the simulator and a
 * worker: filters and pages, the retry of a failed operation, suspending all of a customer's servers.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverJobs, servers } from '../../src/server/db/schema.ts';
import { suspendUserServers } from '../../src/server/services/admin/suspension.ts';
import { api } from '../helpers/app.ts';
import { orderServer, startStack, waitForServer, type Stack } from '../helpers/orchestration.ts';

let stack: Stack;
let admin: { id: string; token: string };
let other: { id: string; token: string };
let mine: string[];
let theirs: string;

const get = (path: string, token = admin.token) => api(stack.app.baseUrl, 'GET', path, { token });
const running = (s: any) => s?.status === 'running';

beforeAll(async () => {
  stack = await startStack();
  const a = await stack.app.createUser({ role: 'admin' });
  admin = { id: a.id, token: (await stack.app.login(a.email, a.password)).accessToken };
  const o = await stack.app.createUser({ name: 'Grace Hopper' });
  other = { id: o.id, token: (await stack.app.login(o.email, o.password)).accessToken };
  const [m1, m2] = [await orderServer(stack, 'alpha-web'), await orderServer(stack, 'alpha-db')];
  const t = await orderServer({ app: stack.app, token: other.token }, 'grace-mail');
  mine = [m1.id, m2.id];
  theirs = t.id;
  for (const id of mine) await waitForServer(stack, id, running);
  await waitForServer({ app: stack.app, token: other.token }, theirs, running);
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

describe('GET /api/admin/servers', () => {
  it('filters by customer, status, search, node and location, and pages with a cursor', async () => {
    const ids = async (query: string) =>
      ((await get(`/api/admin/servers?${query}`)).body.servers as any[]).map((s) => s.id).sort();
    expect(await ids(`userId=${other.id}`)).toEqual([theirs]);
    expect(await ids(`userId=${stack.userId}&status=running`)).toEqual([...mine].sort());
    expect(await ids('status=stopped')).toEqual([]);
    expect(await ids('query=ALPHA')).toEqual([...mine].sort());
    expect(await ids('query=hopper')).toEqual([theirs]); // the owner's name
    expect(await ids(`query=${theirs}`)).toEqual([theirs]);
    expect(await ids('query=%25')).toEqual([]); // a LIKE wildcard is taken literally
    const { body } = await get(`/api/admin/servers/${mine[0]}`);
    expect(await ids(`node=${body.server.node}&query=alpha-web`)).toEqual([mine[0]]);
    expect(await ids(`locationId=${body.server.location.id}`)).toHaveLength(3);

    const first = (await get('/api/admin/servers?limit=2')).body;
    expect(first.servers).toHaveLength(2);
    const rest = (await get(`/api/admin/servers?limit=2&cursor=${first.nextCursor}`)).body;
    expect(rest).toMatchObject({ nextCursor: null });
    expect([...first.servers, ...rest.servers].map((s: any) => s.id).sort()).toEqual(
      [...mine, theirs].sort(),
    );

    const bad = await get('/api/admin/servers?status=asleep&userId=nope');
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['status', 'userId']);
  });

  it('shows one server with owner, VM and events, and answers 404 for none', async () => {
    const { status, body } = await get(`/api/admin/servers/${theirs}`);
    expect(status).toBe(200);
    expect(body.server).toMatchObject({
      id: theirs,
      owner: { id: other.id, name: 'Grace Hopper' },
      node: expect.stringMatching(/^pve\d$/),
      vmid: expect.any(Number),
      suspension: null,
      job: null,
      lastFailure: null,
    });
    // Operators read the trail with the PVE details customers do not see.
    expect(body.events.some((e: any) => /VM \d+/.test(e.message))).toBe(true);
    expect((await get('/api/admin/servers/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

describe('retry', () => {
  it('queues the failed operation of a server in error again, and it completes', async () => {
    const id = mine[1]!;
    const stopped = await api(stack.app.baseUrl, 'POST', `/api/admin/servers/${id}/actions`, {
      token: admin.token,
      body: { action: 'stop' },
    });
    expect(stopped.status).toBe(202);
    await waitForServer(stack, id, (s) => s.status === 'stopped');
    // A start that failed for good: the worker's outcome, as failServer writes it.
    await stack.app.db.insert(serverJobs).values({
      serverId: id,
      kind: 'start',
      state: 'failed',
      lastError: 'Start failed: boom',
      finishedAt: new Date(),
    });
    await stack.app.db
      .update(servers)
      .set({ status: 'error', statusReason: 'Start failed: boom' })
      .where(eq(servers.id, id));
    expect((await get(`/api/admin/servers/${id}`)).body.server.lastFailure).toMatchObject({
      kind: 'start',
      error: 'Start failed: boom',
    });

    const retried = await api(stack.app.baseUrl, 'POST', `/api/admin/servers/${id}/actions`, {
      token: admin.token,
      body: { action: 'retry', reason: 'node back' },
    });
    expect(retried.status).toBe(202);
    expect(retried.body.server).toMatchObject({ status: 'starting', job: { kind: 'start' } });
    await waitForServer(stack, id, running);
    const again = await api(stack.app.baseUrl, 'POST', `/api/admin/servers/${id}/actions`, {
      token: admin.token,
      body: { action: 'retry' },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('Only a server in error');
  });
});

describe('suspendUserServers and the audit log', () => {
  it('suspends every server of a customer in one call, and the audit log finds it by actor, customer and kind', async () => {
    const result = await suspendUserServers(
      { db: stack.app.db },
      { id: admin.id },
      stack.userId,
      'account closed',
    );
    expect(result.suspended.sort()).toEqual([...mine].sort());
    expect(result.skipped).toEqual([]);
    for (const id of mine) await waitForServer(stack, id, (s) => s.status === 'suspended');
    expect((await get(`/api/servers/${theirs}`, other.token)).body.server.status).toBe('running');
    const second = await suspendUserServers({ db: stack.app.db }, { id: admin.id }, stack.userId, 'again');
    expect(second.suspended).toEqual([]);
    expect(second.skipped.map((s) => s.reason)).toEqual([
      'This server is already suspended.',
      'This server is already suspended.',
    ]);

    const page = async (query: string) => (await get(`/api/admin/audit?${query}`)).body;
    const byActor = await page(`actorId=${admin.id}&kind=server.suspend`);
    expect(byActor.events.map((e: any) => e.server.id).sort()).toEqual([...mine].sort());
    expect(byActor.events[0]).toMatchObject({ actor: { id: admin.id }, owner: { id: stack.userId } });
    const aboutOther = await page(`userId=${other.id}`);
    expect(aboutOther.events.length).toBeGreaterThan(0);
    expect(aboutOther.events.every((e: any) => e.owner?.id === other.id)).toBe(true);

    // Pages of one, newest first, until the end; `before` cuts off what is newer.
    const seen: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const p: any = await page(`serverId=${mine[0]}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...p.events.map((e: any) => e.id));
      cursor = p.nextCursor;
    }
    expect(seen.length).toBeGreaterThan(3);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    const old = await page(`serverId=${mine[0]}&before=2000-01-01T00:00:00Z`);
    expect(old.events).toEqual([]);

    const bad = await get('/api/admin/audit?cursor=zzz&kind=Server!&before=yesterday');
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['before', 'kind']);
    const badCursor = await get('/api/admin/audit?cursor=zzz');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.fields).toEqual({ cursor: 'is not one this API returned' });
  });

  it('refuses a customer on every admin route (403)', async () => {
    for (const [method, path] of [
      ['GET', '/api/admin/servers'],
      ['GET', `/api/admin/servers/${theirs}`],
      ['POST', `/api/admin/servers/${theirs}/actions`],
      ['DELETE', `/api/admin/servers/${theirs}`],
      ['GET', '/api/admin/audit'],
    ] as const) {
      const res = await api(stack.app.baseUrl, method, path, {
        token: other.token,
        ...(method === 'POST' ? { body: { action: 'suspend' } } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    expect((await get(`/api/servers/${theirs}`, other.token)).body.server.status).toBe('running');
  });
});
