/**
 * Security, proved against the real HTTP app: forged tokens, refresh-token reuse, cross-customer
 * isolation on every REST route and tRPC procedure, admin-only data, login throttling, and secrets kept
 * out of the logs (including the PVE client's and the worker's). Each test prints the figure it proves.
 * The REST cases go beyond test/api/tokens.test.ts, which covers GET /api/users/me only.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, lstatSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { and, eq, inArray } from 'drizzle-orm';
import superjson from 'superjson';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultThrottleLimits } from '../../src/server/auth/login-throttle.ts';
import {
  auditEvents,
  images,
  locations,
  loginAttempts,
  refreshTokens,
  serverJobs,
  servers,
  users,
} from '../../src/server/db/schema.ts';
import { restRoutes, type RestRoute } from '../../src/server/http/rest-contract.ts';
import { createLogger } from '../../src/server/logger.ts';
import { PveClient } from '../../src/server/pve/client.ts';
import { startWorker } from '../../src/server/worker/worker.ts';
import { startPveSim } from '../../testbed/pve/index.ts';
import { trpcMaxBatchSize } from '../../src/shared/api.ts';
import { ageRotatedTokens, startTestApp, testJwtSecret, type TestApp } from '../helpers/app.ts';
import { fastTimings, orderServer, pveClientFor, waitForServer } from '../helpers/orchestration.ts';
import {
  createSender,
  formatCounts,
  restErrorProblem,
  trpcErrorProblem,
  trpcProcedures,
  trpcRequest,
  type RawRequest,
  type RawResponse,
  type Sender,
} from './helpers/security-http.ts';
import {
  publicProcedures,
  publicRestOperations,
  restCalls,
  restRequest,
  trpcCalls,
  type CallContext,
} from './helpers/security-routes.ts';
import { forgedTokens } from './helpers/security-tokens.ts';
import { freePort, spawnKeel } from './helpers/keel-process.ts';

const secret = new TextEncoder().encode(testJwtSecret);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const json = (res: RawResponse): any => JSON.parse(res.text);
/** The `data` of the first error in a tRPC answer (single or batch). */
const trpcData = (res: RawResponse): any => {
  const body = json(res);
  return (Array.isArray(body) ? body[0] : body).error.json.data;
};
const setCookieOf = (res: RawResponse): string | undefined =>
  ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith('keel_refresh=') && !c.startsWith('keel_refresh=;'))
    ?.split(';')[0];

let app: TestApp;
let http: Sender;
let customerA: Awaited<ReturnType<TestApp['createUser']>> & { token: string };
let customerB: Awaited<ReturnType<TestApp['createUser']>> & { token: string };
let admin: Awaited<ReturnType<TestApp['createUser']>> & { token: string };
let catalog: { planId: string; imageId: string; locationId: string };
let serverOfB: string;
let nameCounter = 0;

async function signedIn(role: 'customer' | 'admin' = 'customer') {
  const user = await app.createUser({ role });
  const { accessToken } = await app.login(user.email, user.password);
  return { ...user, token: accessToken };
}

let discoverable: Awaited<ReturnType<typeof startPveSim>>;

beforeAll(async () => {
  // A cluster behind the discovery and catalogue routes, so administrators get real answers.
  discoverable = await startPveSim({ port: 0, speed: 100 });
  app = await startTestApp({ pve: pveClientFor(discoverable) });
  http = createSender(app.baseUrl);
  [customerA, customerB, admin] = await Promise.all([signedIn(), signedIn(), signedIn('admin')]);
  const cat = json(
    await http.send({ method: 'GET', path: '/api/catalog', headers: bearer(customerB.token) }),
  );
  catalog = { planId: cat.plans[0].id, imageId: cat.images[0].id, locationId: cat.locations[0].id };
  const ordered = await orderServer({ app, token: customerB.token }, 'b-precious');
  serverOfB = ordered.id;
  // Running, with no job under way: every action and termination would be accepted for its owner.
  await app.db.update(servers).set({ status: 'running' }).where(eq(servers.id, serverOfB));
  await app.db
    .update(serverJobs)
    .set({ state: 'succeeded', finishedAt: new Date() })
    .where(eq(serverJobs.serverId, serverOfB));
});
afterAll(async () => {
  http?.close();
  await app?.close();
  await discoverable?.stop();
});

function contextFor(user: { email: string; password: string }, serverId: string): CallContext {
  return {
    serverId,
    ...catalog,
    email: user.email,
    password: user.password,
    name: () => `iso-${++nameCounter}`,
  };
}

describe('JWT', () => {
  it('refuses every forged token with 401 on every protected REST route and tRPC procedure', async () => {
    const forged = await forgedTokens(secret, customerA.id, customerB.id);
    const ctx = contextFor(customerA, serverOfB);
    const protectedRoutes = restRoutes.filter((r) => r.auth);
    expect(
      restRoutes
        .filter((r) => !r.auth)
        .map((r) => r.operationId)
        .sort(),
    ).toEqual([...publicRestOperations].sort());
    const protectedProcs = trpcProcedures.filter((p) => !publicProcedures.includes(p.path));
    let requests = 0;
    const failures: string[] = [];
    const check = (what: string, res: RawResponse, trpc: boolean) => {
      requests++;
      const problem = trpc ? trpcErrorProblem(res.text) : restErrorProblem(res.text);
      const code = trpc ? trpcData(res)?.appCode : json(res).error?.code;
      if (
        res.status !== 401 ||
        problem ||
        code !== 'UNAUTHORIZED' ||
        !/^Bearer/.test(String(res.headers['www-authenticate']))
      )
        failures.push(`${what}: ${res.status} ${problem ?? ''} ${res.text.slice(0, 120)}`);
    };
    // No token at all, then each forged one.
    for (const token of [undefined, ...forged]) {
      const headers = token ? bearer(token.token) : {};
      const label = token?.name ?? 'no token';
      for (const route of protectedRoutes) {
        const call = restCalls[route.operationId]?.(ctx)[0];
        expect(call, `no call for REST ${route.operationId} in security-routes.ts`).toBeDefined();
        check(
          `${label} → ${route.method} ${route.path}`,
          await http.send(restRequest(route, call!, headers)),
          false,
        );
      }
      for (const proc of protectedProcs) {
        const input = trpcCalls[proc.path]?.(ctx)[0];
        expect(trpcCalls[proc.path], `no call for tRPC ${proc.path} in security-routes.ts`).toBeDefined();
        check(
          `${label} → trpc ${proc.path}`,
          await http.send(trpcRequest(proc.path, proc.type, input, headers)),
          true,
        );
      }
    }
    console.log(
      `JWT: ${forged.length} forged tokens + no token × (${protectedRoutes.length} REST routes + ` +
        `${protectedProcs.length} tRPC procedures) = ${requests} requests, ${requests - failures.length} answered 401`,
    );
    expect(failures).toEqual([]);
    expect(requests).toBe((forged.length + 1) * (protectedRoutes.length + protectedProcs.length));
  });

  it('refuses the token of a deleted user with 401 on REST and tRPC', async () => {
    const doomed = await signedIn();
    const me = () => http.send({ method: 'GET', path: '/api/users/me', headers: bearer(doomed.token) });
    expect((await me()).status).toBe(200);
    await app.db.delete(users).where(eq(users.id, doomed.id));
    const ctx = contextFor(doomed, serverOfB);
    const statuses: number[] = [];
    for (const route of restRoutes.filter((r) => r.auth))
      statuses.push(
        (await http.send(restRequest(route, restCalls[route.operationId]!(ctx)[0]!, bearer(doomed.token))))
          .status,
      );
    for (const proc of trpcProcedures.filter((p) => !publicProcedures.includes(p.path)))
      statuses.push(
        (
          await http.send(
            trpcRequest(proc.path, proc.type, trpcCalls[proc.path]!(ctx)[0], bearer(doomed.token)),
          )
        ).status,
      );
    console.log(
      `deleted user: ${statuses.length} requests with a still-unexpired token, statuses ${[...new Set(statuses)].join(',')}`,
    );
    expect(new Set(statuses)).toEqual(new Set([401]));
  });

  it('revokes the whole family when a rotated refresh token is reused, on REST and tRPC', async () => {
    const user = await app.createUser();
    const refreshVia = {
      rest: (cookie: string) => http.send({ method: 'POST', path: '/api/auth/refresh', headers: { cookie } }),
      trpc: (cookie: string) => http.send(trpcRequest('auth.refresh', 'mutation', undefined, { cookie })),
    };
    const lines: string[] = [];
    for (const [via, refresh] of Object.entries(refreshVia)) {
      const session = await app.login(user.email, user.password);
      const other = await app.login(user.email, user.password); // a second browser: its own family
      const rotated = await refresh(session.cookie);
      expect(rotated.status).toBe(200);
      const second = setCookieOf(rotated)!;
      expect(second).toBeDefined();
      const third = setCookieOf(await refresh(second))!; // the legitimate chain goes on
      await ageRotatedTokens(app.db); // past the grace two tabs get, a replay is theft
      const replay = await refresh(session.cookie); // the first token, stolen and replayed
      expect(replay.status).toBe(401);
      expect((await refresh(third)).status).toBe(401); // the newest token died with its family
      expect((await refresh(second)).status).toBe(401);
      const [familyRow] = await app.db
        .select({ familyId: refreshTokens.familyId })
        .from(refreshTokens)
        .where(eq(refreshTokens.userId, user.id))
        .orderBy(refreshTokens.createdAt)
        .limit(1);
      const family = await app.db
        .select({ revokedAt: refreshTokens.revokedAt })
        .from(refreshTokens)
        .where(and(eq(refreshTokens.userId, user.id), eq(refreshTokens.familyId, familyRow!.familyId)));
      expect(family.every((t) => t.revokedAt !== null)).toBe(true);
      // The other browser's session is not touched.
      expect((await refresh(other.cookie)).status).toBe(200);
      lines.push(`${via}: family of ${family.length} tokens revoked on reuse, other session still refreshes`);
      await app.db.delete(refreshTokens).where(eq(refreshTokens.userId, user.id));
    }
    // Two tabs racing with one token: all of them get a session and the family lives on (the grace)...
    const race = await app.login(user.email, user.password);
    const results = await Promise.all(Array.from({ length: 8 }, () => refreshVia.rest(race.cookie)));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    const won = results.map((r) => setCookieOf(r)!);
    expect(new Set(won).size).toBe(8);
    expect((await refreshVia.rest(won[0]!)).status).toBe(200);
    // ...but the same token shown again after the grace is reuse, and ends the family.
    await ageRotatedTokens(app.db);
    expect((await refreshVia.rest(race.cookie)).status).toBe(401);
    expect((await refreshVia.rest(won[7]!)).status).toBe(401);
    lines.push(
      `race: 8 concurrent refreshes of one token within the grace, all 8 succeeded; after it, reuse revoked them`,
    );
    console.log(`refresh rotation: ${lines.join('; ')}`);
  });
});

describe('isolation between customers', () => {
  async function snapshotOfB() {
    const [server] = await app.db.select().from(servers).where(eq(servers.id, serverOfB));
    const jobs = await app.db.select().from(serverJobs).where(eq(serverJobs.serverId, serverOfB));
    const events = await app.db.select().from(auditEvents).where(eq(auditEvents.serverId, serverOfB));
    return JSON.stringify({ server, jobs, events });
  }

  // A customer is refused on an admin route before its input is read, id or not. The set-password call
  // carries a made-up link, which names nobody's account: 400 whoever sends it. Two-factor calls concern
  // the caller alone: a made-up confirmation code is 400, and turning off what is not on is 409.
  const ownStatus: Record<string, number> = {
    '/auth/set-password': 400,
    '/auth/setPassword': 400,
    '/auth/two-factor/confirm': 400,
    '/twoFactor/confirm': 400,
    '/auth/two-factor/disable': 409,
    '/twoFactor/disable': 409,
    // The call names a wrong current password, so the caller can still sign in afterwards.
    '/users/me/password': 400,
    '/users/changePassword': 400,
  };
  const expectedStatus = (path: string, hasId: boolean) =>
    path.startsWith('/admin') ? 403 : hasId ? 404 : (ownStatus[path] ?? 'ok');

  it("never lets customer A read or change customer B's server through any REST route", async () => {
    const before = await snapshotOfB();
    const ctx = contextFor(customerA, serverOfB);
    const nobody = contextFor(customerA, randomUUID());
    const seen: string[] = [];
    const failures: string[] = [];
    for (const route of restRoutes) {
      const calls = restCalls[route.operationId];
      expect(
        calls,
        `add an isolation case for REST ${route.operationId} in security-routes.ts`,
      ).toBeDefined();
      const hasId = route.path.includes(':id');
      const want = expectedStatus(route.path, hasId);
      const ghostCalls = calls!(nobody);
      for (const [i, call] of calls!(ctx).entries()) {
        const headers: Record<string, string> = { ...bearer(customerA.token) };
        if (call.cookie) headers.cookie = (await app.login(customerA.email, customerA.password)).cookie;
        const res = await http.send(restRequest(route, call, headers));
        const ok = want === 'ok' ? res.status < 300 : res.status === want;
        if (!ok) failures.push(`${route.method} ${route.path}: ${res.status} ${res.text.slice(0, 150)}`);
        if (res.text.includes(serverOfB) || res.text.includes(customerB.email))
          failures.push(`${route.method} ${route.path} leaked B's data`);
        if (hasId) {
          // B's server must be indistinguishable from one that does not exist.
          const ghost = await http.send(restRequest(route, ghostCalls[i]!, headers));
          if (ghost.text !== res.text || ghost.status !== res.status)
            failures.push(`${route.method} ${route.path}: B's server answers unlike a missing one`);
        }
        seen.push(`${route.method.toUpperCase()} ${route.path} → ${res.status}`);
      }
    }
    const after = await snapshotOfB();
    console.log(
      `isolation REST: ${restRoutes.length} routes, ${seen.length} requests as A: ${seen.join(', ')}`,
    );
    expect(failures).toEqual([]);
    expect(after).toBe(before);
    // Control: the server and the routes are real; B itself reaches it.
    const own = await http.send({
      method: 'GET',
      path: `/api/servers/${serverOfB}`,
      headers: bearer(customerB.token),
    });
    expect(json(own).server).toMatchObject({ id: serverOfB, status: 'running' });
  });

  it("never lets customer A read or change customer B's server through any tRPC procedure", async () => {
    const before = await snapshotOfB();
    const ctx = contextFor(customerA, serverOfB);
    const nobody = contextFor(customerA, randomUUID());
    const seen: string[] = [];
    const failures: string[] = [];
    for (const proc of trpcProcedures) {
      const calls = trpcCalls[proc.path];
      expect(calls, `add an isolation case for tRPC ${proc.path} in security-routes.ts`).toBeDefined();
      const ghostInputs = calls!(nobody);
      for (const [i, input] of calls!(ctx).entries()) {
        const hasId = (input as { id?: string } | undefined)?.id === serverOfB;
        const want = expectedStatus(`/${proc.path.replace(/\./g, '/')}`, hasId);
        const headers: Record<string, string> = { ...bearer(customerA.token) };
        if (proc.path.startsWith('auth.'))
          headers.cookie = (await app.login(customerA.email, customerA.password)).cookie;
        const res = await http.send(trpcRequest(proc.path, proc.type, input, headers));
        const ok = want === 'ok' ? res.status < 300 : res.status === want;
        if (!ok) failures.push(`${proc.path}: ${res.status} ${res.text.slice(0, 150)}`);
        if (res.text.includes(serverOfB) || res.text.includes(customerB.email))
          failures.push(`${proc.path} leaked B's data`);
        if (hasId) {
          const ghost = await http.send(trpcRequest(proc.path, proc.type, ghostInputs[i], headers));
          if (ghost.status !== res.status || trpcData(ghost).appCode !== trpcData(res).appCode)
            failures.push(`${proc.path}: B's server answers unlike a missing one`);
        }
        seen.push(`${proc.path} → ${res.status}`);
      }
    }
    const after = await snapshotOfB();
    console.log(
      `isolation tRPC: ${trpcProcedures.length} procedures, ${seen.length} requests as A: ${seen.join(', ')}`,
    );
    expect(failures).toEqual([]);
    expect(after).toBe(before);
  });

  it('keeps admin-only data from customers and their tokens, and gives it to administrators', async () => {
    const adminRoutes = restRoutes.filter((r) => r.path.startsWith('/admin'));
    const adminProcs = trpcProcedures.filter((p) => /^admin[A-Z.]/.test(p.path));
    expect(adminRoutes.length).toBeGreaterThan(0);
    expect(adminProcs.length).toBeGreaterThan(0);
    const ctx = contextFor(customerA, serverOfB);
    const customerToken = json(
      await http.send({
        method: 'POST',
        path: '/api/tokens',
        headers: { ...bearer(customerA.token), 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'script', scopes: ['read', 'write'] }),
      }),
    ).secret as string;
    expect(customerToken).toMatch(/^keel_/);
    const rest = (route: RestRoute, token: string) =>
      http.send(restRequest(route, restCalls[route.operationId]!(ctx)[0]!, bearer(token)));
    const trpc = (path: string, type: 'query' | 'mutation' | 'subscription', token: string) =>
      http.send(trpcRequest(path, type, trpcCalls[path]!(ctx)[0], bearer(token)));
    const before = await app.db.select().from(auditEvents);
    const lines: string[] = [];
    for (const route of adminRoutes) {
      for (const [who, token] of [
        ['customer', customerA.token],
        ["customer's API token", customerToken],
      ] as const) {
        const asCustomer = await rest(route, token);
        expect(asCustomer.status, `${who} on ${route.method} ${route.path}`).toBe(403);
        expect(restErrorProblem(asCustomer.text)).toBeNull();
        expect(json(asCustomer).error.code).toBe('FORBIDDEN');
        expect(asCustomer.text).not.toContain(serverOfB);
      }
      if (route.method !== 'get' || route.path.includes(':')) continue;
      // Control: the lists are real and an administrator reaches them.
      const asAdmin = await rest(route, admin.token);
      expect(asAdmin.status, `admin on ${route.path}`).toBeLessThan(500);
      expect(asAdmin.status, `admin on ${route.path}`).not.toBe(403);
      if (route.operationId === 'adminListServers') {
        expect(asAdmin.status).toBe(200);
        const owners = new Map(json(asAdmin).servers.map((s: any) => [s.id, s.owner.email]));
        expect(owners.get(serverOfB)).toBe(customerB.email);
      }
      lines.push(`REST ${route.path}: customer and its token 403, admin ${asAdmin.status}`);
    }
    for (const proc of adminProcs) {
      for (const token of [customerA.token, customerToken]) {
        const asCustomer = await trpc(proc.path, proc.type, token);
        expect(asCustomer.status, proc.path).toBe(403);
        expect(trpcErrorProblem(asCustomer.text)).toBeNull();
        expect(trpcData(asCustomer).appCode).toBe('FORBIDDEN');
        expect(asCustomer.text).not.toContain(serverOfB);
      }
      const input = trpcCalls[proc.path]!(ctx)[0] as { id?: string } | undefined;
      if (proc.type !== 'query' || input?.id) continue;
      const asAdmin = await trpc(proc.path, proc.type, admin.token);
      expect(asAdmin.status, proc.path).toBeLessThan(500);
      expect(asAdmin.status, proc.path).not.toBe(403);
      if (proc.path === 'admin.servers.list') {
        expect(asAdmin.status).toBe(200);
        expect(asAdmin.text).toContain(serverOfB);
      }
      lines.push(`tRPC ${proc.path}: customer and its token 403, admin ${asAdmin.status}`);
    }
    // Nothing the refused calls asked for happened: not one audit line was written by them.
    expect((await app.db.select().from(auditEvents)).length).toBe(before.length);
    console.log(`admin-only: ${lines.join('; ')}`);
  });
});

describe('brute force on /api/login', () => {
  let throttled: TestApp;
  let send: Sender;
  beforeAll(async () => {
    throttled = await startTestApp(); // its own throttle, so the other suites can still sign in
    send = createSender(throttled.baseUrl);
  });
  afterAll(async () => {
    send.close();
    await throttled.close();
  });
  // Every test starts with no attempts counted (the throttle's whole state is this table).
  beforeEach(async () => {
    await throttled.db.delete(loginAttempts);
  });
  const loginRest = (email: string, password: string, headers: Record<string, string> = {}) =>
    send.send({
      method: 'POST',
      path: '/api/login',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ email, password }),
    });

  it('answers 429 with Retry-After per account, then per address, and cannot be dodged', async () => {
    const user = await throttled.createUser();
    const { perAccount, perAddress } = defaultThrottleLimits;
    let accountAttempts = 0;
    let res: RawResponse;
    do {
      res = await loginRest(user.email, `guess-${accountAttempts}`);
      accountAttempts++;
    } while (res.status === 401 && accountAttempts < 100);
    expect(res.status).toBe(429);
    expect(accountAttempts - 1).toBe(perAccount);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(json(res).error.code).toBe('TOO_MANY_REQUESTS');
    // The right password does not get through while throttled, nor does tRPC.
    expect((await loginRest(user.email, user.password)).status).toBe(429);
    const viaTrpc = await send.send(
      trpcRequest('auth.login', 'mutation', { email: user.email, password: user.password }),
    );
    expect(viaTrpc.status).toBe(429);
    expect(Number(viaTrpc.headers['retry-after'])).toBeGreaterThan(0);
    expect(trpcData(viaTrpc)).toMatchObject({ appCode: 'TOO_MANY_REQUESTS' });
    // Case and spaces in the email are the same account.
    expect((await loginRest(` ${user.email.toUpperCase()} `, 'guess-x')).status).toBe(429);

    // Password spraying: a new email each time, from one address.
    let sprayAttempts = 0;
    do {
      res = await loginRest(`spray-${sprayAttempts}@example.com`, 'Summer2024!');
      sprayAttempts++;
    } while (res.status === 401 && sprayAttempts < 200);
    expect(res.status).toBe(429);
    expect(perAccount + sprayAttempts - 1).toBe(perAddress);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    // X-Forwarded-For is not trusted without TRUST_PROXY, so it cannot buy a fresh address.
    expect(
      (await loginRest('fresh@example.com', 'x-password', { 'x-forwarded-for': '203.0.113.9' })).status,
    ).toBe(429);
    console.log(
      `brute force: 429 after ${accountAttempts - 1} failures on one account and after ${perAccount + sprayAttempts - 1} ` +
        `failures across emails from one address; Retry-After ${retryAfter} s; X-Forwarded-For ignored`,
    );
  });

  /** `count` statuses of `answers` by status: "401×5  429×15". */
  const tally = (statuses: number[]) =>
    formatCounts(statuses.reduce((m, st) => m.set(st, (m.get(st) ?? 0) + 1), new Map<number, number>()));
  const verifiedFailures = (userId: string) =>
    throttled.logLines.filter((l) => l.includes('"event":"login_failed"') && l.includes(userId)).length;

  it('lets no more parallel guesses through than the limit, over REST and over tRPC', async () => {
    const { perAccount } = defaultThrottleLimits;
    const lines: string[] = [];
    for (const via of ['rest', 'trpc'] as const) {
      await throttled.db.delete(loginAttempts);
      const user = await throttled.createUser();
      const guess = (password: string) =>
        via === 'rest'
          ? loginRest(user.email, password)
          : send.send(trpcRequest('auth.login', 'mutation', { email: user.email, password }));
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => guess(`parallel-guess-${i}`)));
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((st) => st === 401)).toHaveLength(perAccount);
      expect(statuses.filter((st) => st === 429)).toHaveLength(20 - perAccount);
      expect(verifiedFailures(user.id)).toBe(perAccount);
      for (const res of answers.filter((r) => r.status === 429))
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // Locked: the right password is refused too.
      expect((await guess(user.password)).status).toBe(429);
      lines.push(`${via}: 20 parallel wrong passwords → ${tally(statuses)}, right password then 429`);
    }
    console.log(`parallel brute force: ${lines.join('; ')}`);
  });

  it('refuses batched sign-ins outright, so a batch checks no password at all', async () => {
    const user = await throttled.createUser();
    const guesses = [
      ...Array.from({ length: trpcMaxBatchSize - 1 }, (_, i) => `batched-${i}`),
      user.password,
    ];
    const body = JSON.stringify(
      Object.fromEntries(
        guesses.map((password, i) => [i, superjson.serialize({ email: user.email, password })]),
      ),
    );
    const res = await send.send({
      method: 'POST',
      path: `/trpc/${guesses.map(() => 'auth.login').join(',')}?batch=1`,
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect(trpcErrorProblem(res.text)).toBeNull();
    const items = json(res) as any[];
    expect(items).toHaveLength(guesses.length);
    for (const item of items)
      expect(superjson.deserialize<any>(item.error).data.appCode).toBe('VALIDATION_FAILED');
    expect(res.text).not.toContain('accessToken');
    expect(setCookieOf(res)).toBeUndefined();
    // Nothing was counted or checked: no attempt rows, no failure, and the account signs in at once.
    expect(await throttled.db.select().from(loginAttempts)).toEqual([]);
    expect(verifiedFailures(user.id)).toBe(0);
    // One auth call mixed into another batch is refused the same way; a batch of one is a plain call.
    const mixed = await send.send({
      method: 'POST',
      path: '/trpc/auth.refresh,auth.logout?batch=1',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(mixed.status).toBe(400);
    const single = await send.send({
      method: 'POST',
      path: '/trpc/auth.login?batch=1',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 0: superjson.serialize({ email: user.email, password: user.password }) }),
    });
    expect(single.status).toBe(200);
    console.log(
      `batched brute force: ${guesses.length} guesses (the last one right) in one request → ${res.status}, ` +
        `${items.length} refusals, 0 passwords checked; a batch of one signs in`,
    );
  });

  it('holds across two Keel processes on the same PostgreSQL', async () => {
    const { perAccount } = defaultThrottleLimits;
    const second = await startTestApp({ database: throttled.database });
    const sendSecond = createSender(second.baseUrl);
    try {
      const user = await throttled.createUser();
      const body = (password: string) => JSON.stringify({ email: user.email, password });
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? send : sendSecond).send({
            method: 'POST',
            path: '/api/login',
            headers: { 'content-type': 'application/json' },
            body: body(`two-process-guess-${i}`),
          }),
        ),
      );
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((st) => st === 401)).toHaveLength(perAccount);
      expect(statuses.filter((st) => st === 429)).toHaveLength(12 - perAccount);
      for (const sender of [send, sendSecond]) {
        const right = await sender.send({
          method: 'POST',
          path: '/api/login',
          headers: { 'content-type': 'application/json' },
          body: body(user.password),
        });
        expect(right.status).toBe(429);
      }
      console.log(
        `two processes, one database: 12 parallel guesses split between them → ${tally(statuses)}; ` +
          `the right password refused by both`,
      );
    } finally {
      sendSecond.close();
      await second.close();
    }
  });

  it(`refuses a tRPC batch of more than ${trpcMaxBatchSize} calls`, async () => {
    const user = await throttled.createUser();
    const { accessToken } = await throttled.login(user.email, user.password);
    const batch = (n: number) =>
      send.send({
        method: 'GET',
        path: `/trpc/${Array(n).fill('users.me').join(',')}?batch=1`,
        headers: bearer(accessToken),
      });
    const atCap = await batch(trpcMaxBatchSize);
    expect(atCap.status).toBe(200);
    expect(json(atCap)).toHaveLength(trpcMaxBatchSize);
    const lines = [`${trpcMaxBatchSize} calls → 200`];
    for (const n of [trpcMaxBatchSize + 1, 1400]) {
      const over = await batch(n);
      expect(over.status).toBe(400);
      expect(trpcErrorProblem(over.text)).toBeNull();
      expect(trpcData(over).appCode).toBe('VALIDATION_FAILED');
      // One refusal for the whole request, not one per call.
      expect(Array.isArray(json(over))).toBe(false);
      lines.push(`${n} calls → 400 (${over.text.length} bytes)`);
    }
    console.log(`batch cap: ${lines.join(', ')}`);
  });

  it('trusts X-Forwarded-For only from the proxies TRUST_PROXY lists', async () => {
    const { perAccount } = defaultThrottleLimits;
    const lines: string[] = [];
    for (const [trust, honoured] of [
      ['192.0.2.1', false],
      ['loopback', true],
    ] as const) {
      await throttled.db.delete(loginAttempts);
      const behind = await startTestApp({ database: throttled.database, env: { TRUST_PROXY: trust } });
      const sender = createSender(behind.baseUrl);
      try {
        const user = await throttled.createUser();
        const attempt = (forwardedFor: string) =>
          sender.send({
            method: 'POST',
            path: '/api/login',
            headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
            body: JSON.stringify({ email: user.email, password: 'wrong-password' }),
          });
        for (let i = 0; i < perAccount; i++) expect((await attempt('203.0.113.1')).status).toBe(401);
        const other = await attempt('203.0.113.2');
        expect(other.status).toBe(honoured ? 401 : 429);
        lines.push(
          `TRUST_PROXY=${trust}: another X-Forwarded-For ${honoured ? 'counts apart' : 'is ignored'}`,
        );
      } finally {
        sender.close();
        await behind.close();
      }
    }
    console.log(`trusted proxies: ${lines.join('; ')}`);
  });
});

describe('cookie endpoints and cross-site requests', () => {
  const evil = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
  /** What a page on another subdomain or port sends: SameSite=Strict lets the cookie through. */
  const sibling = { origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site' };
  const oldBrowserOtherPort = { origin: 'http://127.0.0.1:1' };

  async function session() {
    const user = await app.createUser();
    const { cookie } = await app.login(user.email, user.password);
    return { user, cookie };
  }
  const refreshRest = (cookie: string, headers: Record<string, string> = {}) =>
    http.send({ method: 'POST', path: '/api/auth/refresh', headers: { cookie, ...headers } });

  it('refuses cross-site login, refresh and logout with 403 on REST and tRPC, and they change nothing', async () => {
    const lines: string[] = [];
    for (const [label, headers] of [
      ['cross-site', evil],
      ['same-site sibling', sibling],
      ['Origin of another port (no Sec-Fetch-Site)', oldBrowserOtherPort],
    ] as const) {
      const { user, cookie } = await session();
      const requests: [string, RawRequest, boolean][] = [
        [
          'POST /api/login',
          {
            method: 'POST',
            path: '/api/login',
            headers: { 'content-type': 'application/json', ...headers },
            body: JSON.stringify({ email: user.email, password: user.password }),
          },
          false,
        ],
        [
          'POST /api/auth/refresh',
          { method: 'POST', path: '/api/auth/refresh', headers: { cookie, ...headers } },
          false,
        ],
        ['POST /api/logout', { method: 'POST', path: '/api/logout', headers: { cookie, ...headers } }, false],
        [
          'trpc auth.login',
          trpcRequest('auth.login', 'mutation', { email: user.email, password: user.password }, headers),
          true,
        ],
        [
          'trpc auth.refresh',
          trpcRequest('auth.refresh', 'mutation', undefined, { cookie, ...headers }),
          true,
        ],
        ['trpc auth.logout', trpcRequest('auth.logout', 'mutation', undefined, { cookie, ...headers }), true],
        [
          'trpc auth.logout (multipart form)',
          {
            method: 'POST',
            path: '/trpc/auth.logout',
            headers: { cookie, 'content-type': 'multipart/form-data; boundary=x', ...headers },
            body: '--x--\r\n',
          },
          true,
        ],
      ];
      for (const [what, request, trpc] of requests) {
        const res = await http.send(request);
        expect(res.status, `${label}: ${what}`).toBe(403);
        expect(trpc ? trpcErrorProblem(res.text) : restErrorProblem(res.text)).toBeNull();
        expect(trpc ? trpcData(res).appCode : json(res).error.code).toBe('FORBIDDEN');
        expect(res.headers['set-cookie']).toBeUndefined();
      }
      // The refused logouts revoked nothing: the session still renews.
      expect((await refreshRest(cookie)).status, label).toBe(200);
      lines.push(`${label}: ${requests.length} requests → 403`);
    }
    console.log(`cross-site: ${lines.join('; ')}`);
  });

  it('accepts the same requests from Keel’s own pages and from clients that are not browsers', async () => {
    const own: Record<string, string>[] = [
      { 'sec-fetch-site': 'same-origin', origin: app.baseUrl },
      { 'sec-fetch-site': 'none' },
      { origin: app.baseUrl },
      {},
    ];
    for (const headers of own) {
      const { user, cookie } = await session();
      const login = await http.send({
        method: 'POST',
        path: '/api/login',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ email: user.email, password: user.password }),
      });
      expect(login.status, JSON.stringify(headers)).toBe(200);
      const renewed = await refreshRest(cookie, headers);
      expect(renewed.status, JSON.stringify(headers)).toBe(200);
      const out = await http.send({
        method: 'POST',
        path: '/api/logout',
        headers: { cookie: setCookieOf(renewed)!, ...headers },
      });
      expect(out.status, JSON.stringify(headers)).toBe(200);
      const trpcOut = await http.send(
        trpcRequest('auth.logout', 'mutation', undefined, { cookie, ...headers }),
      );
      expect(trpcOut.status, JSON.stringify(headers)).toBe(200);
    }
  });

  it('behind a TLS proxy: a Secure __Host- cookie, and Origin judged by what the proxy says', async () => {
    const behind = await startTestApp({ database: app.database, env: { TRUST_PROXY: '1' } });
    const sender = createSender(behind.baseUrl);
    try {
      const user = await app.createUser();
      const proxied = { host: 'keel.example.com', 'x-forwarded-proto': 'https' };
      const login = (headers: Record<string, string>) =>
        sender.send({
          method: 'POST',
          path: '/api/login',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ email: user.email, password: user.password }),
        });
      const lines: string[] = [];
      // Secure whenever TRUST_PROXY is on, even when the proxy does not say X-Forwarded-Proto.
      for (const headers of [proxied, {}]) {
        const res = await login(headers);
        expect(res.status).toBe(200);
        const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0]!;
        expect(cookie).toMatch(/^__Host-keel_refresh=[A-Za-z0-9_-]{43}; /);
        expect(cookie).toMatch(/; Secure/);
        expect(cookie).toMatch(/; Path=\//);
        expect(cookie).toMatch(/; HttpOnly/);
        expect(cookie).toMatch(/; SameSite=Strict/);
        expect(cookie).not.toMatch(/Domain=/i);
        lines.push(cookie.replace(/=[A-Za-z0-9_-]{43}/, '=…').replace(/Expires=[^;]+; /, ''));
        const value = cookie.split(';')[0]!.split('=')[1]!;
        // Only the __Host- name is read: a cookie a sibling domain planted under the plain name is not.
        const planted = await sender.send({
          method: 'POST',
          path: '/api/auth/refresh',
          headers: { ...headers, cookie: `keel_refresh=${value}` },
        });
        expect(planted.status).toBe(401);
        const renewed = await sender.send({
          method: 'POST',
          path: '/api/auth/refresh',
          headers: { ...headers, cookie: `__Host-keel_refresh=${value}` },
        });
        expect(renewed.status).toBe(200);
      }
      expect((await login({ ...proxied, origin: 'https://keel.example.com' })).status).toBe(200);
      expect((await login({ ...proxied, origin: 'http://keel.example.com' })).status).toBe(403);
      expect((await login({ ...proxied, origin: 'https://app.example.com' })).status).toBe(403);
      console.log(`behind a proxy: ${lines.join(' | ')}`);
    } finally {
      sender.close();
      await behind.close();
    }
  });
});

describe('inputs that once reached PostgreSQL and failed there', () => {
  const cursorOf = (text: string) => Buffer.from(text).toString('base64url');

  it('refuses cursors with out-of-range or malformed dates with 400 on every list', async () => {
    const id = randomUUID();
    const cursors = [
      `99999-01-01|${id}`,
      `+099999-01-01T00:00:00.000Z|${id}`,
      `-000001-01-01T00:00:00.000Z|${id}`,
      `2024-02-30T00:00:00.000Z|${id}`,
      `2024-01-01|${id}`,
      `2024-01-01T00:00:00.000Z|${id}|extra`,
      `2024-01-01T00:00:00.000Z|${id.slice(0, -1)}\u0000`,
    ];
    const lists: [string, string, string][] = [
      ['/api/servers', 'servers.list', customerA.token],
      ['/api/admin/servers', 'admin.servers.list', admin.token],
    ];
    let checked = 0;
    for (const cursor of cursors) {
      for (const [path, proc, token] of lists) {
        const rest = await http.send({
          method: 'GET',
          path: `${path}?cursor=${cursorOf(cursor)}`,
          headers: bearer(token),
        });
        expect(rest.status, `${path} ${cursor}`).toBe(400);
        expect(json(rest).error.fields).toEqual({ cursor: 'is not one this API returned' });
        const viaTrpc = await http.send(
          trpcRequest(proc, 'query', { cursor: cursorOf(cursor) }, bearer(token)),
        );
        expect(viaTrpc.status, `${proc} ${cursor}`).toBe(400);
        expect(trpcData(viaTrpc).fields).toEqual({ cursor: 'is not one this API returned' });
        checked += 2;
      }
    }
    // A cursor the API itself returned still works.
    const page = json(
      await http.send({ method: 'GET', path: '/api/admin/servers?limit=1', headers: bearer(admin.token) }),
    );
    if (page.nextCursor) {
      const next = await http.send({
        method: 'GET',
        path: `/api/admin/servers?limit=1&cursor=${page.nextCursor}`,
        headers: bearer(admin.token),
      });
      expect(next.status).toBe(200);
    }
    const errors = app.logLines.filter(
      (l) => /"level":50/.test(l) && /cursor|datetime|out of range/i.test(l),
    );
    expect(errors).toEqual([]);
    console.log(
      `cursors: ${cursors.length} malformed cursors × ${lists.length} lists × REST and tRPC = ${checked} requests, all 400`,
    );
  });

  it('refuses a NUL character in every free text it stores or searches for, with 400 naming the field', async () => {
    const nul = 'a\u0000b';
    const q = encodeURIComponent(nul);
    // [what, field, method, path, JSON body]: administrators' routes are called as an administrator.
    const cases: [string, string, string, string, unknown?][] = [
      ['own name', 'name', 'PATCH', '/api/users/me', { name: nul }],
      ['API token name', 'name', 'POST', '/api/tokens', { name: nul, scopes: ['read'] }],
      [
        'snapshot description',
        'description',
        'POST',
        `/api/servers/${serverOfB}/snapshots`,
        { name: 'before', description: nul },
      ],
      ['customer search', 'query', 'GET', `/api/admin/users?query=${q}`],
      ['server search', 'query', 'GET', `/api/admin/servers?query=${q}`],
      ['server node filter', 'node', 'GET', `/api/admin/servers?node=${q}`],
      ['new customer name', 'name', 'POST', '/api/admin/users', { email: 'nul@example.com', name: nul }],
      [
        'suspension reason',
        'reason',
        'POST',
        `/api/admin/servers/${serverOfB}/actions`,
        { action: 'suspend', reason: nul },
      ],
      [
        'webhook description',
        'description',
        'POST',
        '/api/admin/webhooks',
        { url: 'https://example.com/hook', events: ['server.created'], description: nul },
      ],
      ['plan name', 'name', 'POST', '/api/admin/plans', { slug: 'nul-plan', name: nul }],
    ];
    const logged = app.logLines.length;
    const wrong: string[] = [];
    for (const [label, field, method, path, body] of cases) {
      const token = path.startsWith('/api/admin') ? admin.token : customerB.token;
      const res = await http.send({
        method,
        path,
        headers: { ...bearer(token), ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const problem = res.status === 400 ? json(res).error.fields?.[field] : undefined;
      if (problem !== 'must not contain a NUL character') wrong.push(`${label}: ${res.status} ${res.text}`);
    }
    expect(wrong).toEqual([]);
    const viaTrpc = await http.send(
      trpcRequest('users.updateProfile', 'mutation', { name: nul }, bearer(customerB.token)),
    );
    expect(viaTrpc.status).toBe(400);
    expect(trpcData(viaTrpc).fields).toEqual({ name: 'must not contain a NUL character' });
    // Refused by validation, so no query failed: nothing at error level, no statement or its values logged.
    expect(app.logLines.slice(logged).filter((l) => /"level":50|Failed query/.test(l))).toEqual([]);
    console.log(`NUL: ${cases.length} free-text fields over REST (and one over tRPC) → 400 naming the field`);
  });
});

describe('SSH keys', () => {
  const ed25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM++uflIRBCouiM+O0JXnmYTo6jN2r5mMYZP7rj3GUou';
  const variants: [string, string, RegExp][] = [
    ['U+2028 in the comment', `${ed25519} me\u2028runcmd: [touch, /root/pwned]`, /printable ASCII/],
    ['U+0085 in the comment', `${ed25519} me\u0085runcmd: [touch, /root/pwned]`, /printable ASCII/],
    ['U+000B in the comment', `${ed25519} me\u000bruncmd: [touch, /root/pwned]`, /printable ASCII/],
    ['NUL in the comment', `${ed25519} me\u0000x`, /printable ASCII/],
    ['a body that does not decode', `${ed25519.slice(0, -3)} me@laptop`, /not valid base64/],
    [
      'a type its body does not hold',
      `ssh-rsa ${ed25519.split(' ')[1]} me@laptop`,
      /says ssh-rsa but its body holds/,
    ],
  ];

  it('refuses each malformed or injecting key with 400 naming sshKeys.0, on REST and tRPC', async () => {
    const before = await app.db.select({ id: servers.id }).from(servers);
    for (const [label, key, problem] of variants) {
      const order = { name: `key-${++nameCounter}`, ...catalog, sshKeys: [key] };
      const rest = await http.send({
        method: 'POST',
        path: '/api/servers',
        headers: { ...bearer(customerA.token), 'content-type': 'application/json' },
        body: JSON.stringify(order),
      });
      expect(rest.status, label).toBe(400);
      expect(restErrorProblem(rest.text)).toBeNull();
      expect(json(rest).error.fields['sshKeys.0'], label).toMatch(problem);
      const viaTrpc = await http.send(
        trpcRequest('servers.create', 'mutation', order, bearer(customerA.token)),
      );
      expect(viaTrpc.status, label).toBe(400);
      expect(trpcData(viaTrpc).fields['sshKeys.0'], label).toMatch(problem);
    }
    expect(await app.db.select({ id: servers.id }).from(servers)).toHaveLength(before.length);
    // The control: a sound key with a plain comment is taken, and stored as given.
    const sound = `${ed25519} me@laptop`;
    const ok = await http.send({
      method: 'POST',
      path: '/api/servers',
      headers: { ...bearer(customerA.token), 'content-type': 'application/json' },
      body: JSON.stringify({ name: `key-${++nameCounter}`, ...catalog, sshKeys: [sound] }),
    });
    expect(ok.status).toBe(202);
    const [row] = await app.db
      .select({ sshKeys: servers.sshKeys })
      .from(servers)
      .where(eq(servers.id, json(ok).server.id));
    expect(row!.sshKeys).toEqual([sound]);
    console.log(
      `SSH keys: ${variants.length} variants × REST and tRPC → 400 naming sshKeys.0; a sound key → 202`,
    );
  });
});

describe('caching', () => {
  it('marks every /api and /trpc answer no-store, with an ETag only on a REST GET that answered 200', async () => {
    const failures: string[] = [];
    let checked = 0;
    // A weak ETag of the caller's own answer lets a script poll with If-None-Match (304); it is never on
    // tRPC, on a change, or on an error.
    const check = (what: string, res: RawResponse, restGet = false) => {
      checked++;
      const etag = res.headers.etag;
      const etagOk = etag === undefined || (restGet && res.status === 200 && /^W\/"/.test(String(etag)));
      if (res.headers['cache-control'] !== 'no-store' || !etagOk)
        failures.push(
          `${what}: ${res.status} cache-control=${res.headers['cache-control']} etag=${res.headers.etag}`,
        );
    };
    // Every route and procedure as customer A: some answer data, some 4xx; all must be no-store.
    const ctx = contextFor(customerA, serverOfB);
    for (const route of restRoutes) {
      const call = restCalls[route.operationId]!(ctx)[0]!;
      const headers: Record<string, string> = { ...bearer(customerA.token) };
      if (call.cookie) headers.cookie = (await app.login(customerA.email, customerA.password)).cookie;
      check(
        `${route.method} ${route.path}`,
        await http.send(restRequest(route, call, headers)),
        route.method === 'get',
      );
    }
    for (const proc of trpcProcedures) {
      const headers: Record<string, string> = { ...bearer(customerA.token) };
      if (proc.path.startsWith('auth.'))
        headers.cookie = (await app.login(customerA.email, customerA.password)).cookie;
      check(
        `trpc ${proc.path}`,
        await http.send(trpcRequest(proc.path, proc.type, trpcCalls[proc.path]!(ctx)[0], headers)),
      );
    }
    // The owner's own data, the token-bearing answers, and the odd ones.
    check(
      'own server',
      await http.send({
        method: 'GET',
        path: `/api/servers/${serverOfB}?include=events`,
        headers: bearer(customerB.token),
      }),
      true,
    );
    check(
      'own list',
      await http.send({ method: 'GET', path: '/api/servers', headers: bearer(customerB.token) }),
      true,
    );
    const { cookie } = await app.login(customerB.email, customerB.password);
    check('refresh', await http.send({ method: 'POST', path: '/api/auth/refresh', headers: { cookie } }));
    check('openapi', await http.send({ method: 'GET', path: '/api/openapi.json' }));
    check('unknown route', await http.send({ method: 'GET', path: '/api/nope' }));
    check('unknown procedure', await http.send({ method: 'GET', path: '/trpc/nope' }));
    check('TRACE', await http.send({ method: 'TRACE', path: '/trpc/users.me' }));
    console.log(
      `caching: ${checked} answers from /api and /trpc, ${checked - failures.length} no-store without ETag`,
    );
    expect(failures).toEqual([]);
  });
});

describe('the embedded install on disk', () => {
  function walk(dir: string, found: { path: string; mode: number; dir: boolean }[] = []) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      found.push({ path, mode: lstatSync(path).mode & 0o777, dir: entry.isDirectory() });
      if (entry.isDirectory()) walk(path, found);
    }
    return found;
  }

  it('creates DATA_DIR 0700 with files 0600, warns when it is wider, and keeps the demo password off stdout', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'keel-modes-')), 'data');
    const env = async () => ({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATABASE_URL: '',
      PVE_URL: '',
      JWT_SECRET: '',
      PVE_SIM_SPEED: '50',
    });
    const keel = spawnKeel(await env());
    let password: string;
    try {
      await keel.ready(120_000);
      const deadline = Date.now() + 30_000;
      while (!/password\s+\S+/.test(keel.stderr()) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      password = /password\s+(\S+)/.exec(keel.stderr())![1]!;
      // Something written after start-up too: a sign-in goes through the database's WAL.
      const login = await fetch(`${keel.baseUrl}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'demo@keel.local', password }),
      });
      expect(login.status).toBe(200);
      const whileRunning = walk(dataDir).filter((e) => e.mode & 0o077);
      expect(whileRunning.map((e) => `${e.path} 0${e.mode.toString(8)}`)).toEqual([]);
    } finally {
      await keel.stop();
    }
    const entries = walk(dataDir);
    const open = entries.filter((e) => e.mode & 0o077);
    expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
    expect(entries.filter((e) => !e.dir).length).toBeGreaterThan(10);
    expect(open.map((e) => `${e.path} 0${e.mode.toString(8)}`)).toEqual([]);
    // stdout is the JSON log, line by line, and the password is not in it.
    const stdoutLines = keel.stdout().split('\n').filter(Boolean);
    expect(stdoutLines.every((l) => l.startsWith('{'))).toBe(true);
    expect(keel.stdout()).not.toContain(password!);
    expect(keel.stdout()).not.toMatch(/warn.*DATA_DIR/);

    // An operator (or an older Keel) left the folder open: Keel says so.
    chmodSync(dataDir, 0o755);
    const again = spawnKeel(await env());
    try {
      await again.ready(120_000);
      expect(again.stdout()).toMatch(
        /"level":40.*DATA_DIR can be read by other users.*"mode":"0755"|"mode":"0755".*DATA_DIR can be read/,
      );
    } finally {
      await again.stop();
    }
    const dirs = entries.filter((e) => e.dir).length;
    console.log(
      `DATA_DIR: ${entries.length - dirs} files and ${dirs + 1} folders after a fresh start, none readable by others ` +
        `(folder 0700, files 0600); a 0755 folder is warned about; the demo password went to stderr only`,
    );
  });
});

describe("customers' activity", () => {
  it('hides PVE node names, VMIDs and template ids unless ACTIVITY_PVE_DETAILS is set', async () => {
    const sim = await startPveSim({ port: 0, speed: 100 });
    const pve = new PveClient({
      baseUrl: sim.url,
      tokenId: sim.tokenId,
      tokenSecret: sim.tokenSecret,
      fingerprint: sim.fingerprint ?? undefined,
      log: createLogger('silent'),
      pollMs: 20,
      attempts: 2,
    });
    const stack = await startTestApp({ pve });
    const worker = await startWorker({
      database: stack.database.handle,
      pve,
      log: createLogger('silent'),
      timings: fastTimings,
      reconcile: false,
    });
    const detailed = await startTestApp({ database: stack.database, env: { ACTIVITY_PVE_DETAILS: '1' } });
    try {
      const user = await stack.createUser();
      const { accessToken } = await stack.login(user.email, user.password);
      const ordered = await orderServer({ app: stack, token: accessToken }, 'activity-check');
      await waitForServer(
        { app: stack, token: accessToken },
        ordered.id,
        (sv) => sv.status === 'running',
        60_000,
      );
      const [row] = await stack.db.select().from(servers).where(eq(servers.id, ordered.id));
      const [image] = await stack.db
        .select()
        .from(images)
        .where(inArray(images.id, [row!.imageId!]));
      const nodes = (await stack.db.select({ nodes: locations.pveNodes }).from(locations)).flatMap(
        (l) => l.nodes,
      );
      const ids = [row!.pveVmid!, ...Object.values(image!.pveTemplates)];
      const activity = async (base: string) => {
        const res = await fetch(`${base}/api/servers/${ordered.id}?include=events`, {
          headers: { authorization: `Bearer ${accessToken}` },
        });
        return ((await res.json()) as { events: { message: string }[] }).events.map((e) => e.message);
      };
      const leaks = (messages: string[]) =>
        messages.filter(
          (m) =>
            nodes.some((n) => new RegExp(`\\b${n}\\b`).test(m)) ||
            ids.some((id) => new RegExp(`\\b${id}\\b`).test(m)),
        );
      const hidden = await activity(stack.baseUrl);
      const shown = await activity(detailed.baseUrl);
      expect(hidden.length).toBeGreaterThan(5);
      expect(hidden.some((m) => m.startsWith('Running with '))).toBe(true);
      expect(leaks(hidden)).toEqual([]);
      // The operator's setting shows them: the same events name the node and the VM.
      expect(shown).toHaveLength(hidden.length);
      expect(leaks(shown).length).toBeGreaterThan(0);
      console.log(
        `activity: ${hidden.length} events, 0 naming a node (${nodes.join(', ')}) or id (${ids.join(', ')}); ` +
          `with ACTIVITY_PVE_DETAILS=1, ${leaks(shown).length} do — e.g. "${leaks(shown)[0]}" shown as "${hidden[shown.indexOf(leaks(shown)[0]!)]}"`,
      );
    } finally {
      await worker.stop(2000);
      pve.close();
      await detailed.close();
      await stack.close();
      await sim.stop();
    }
  });
});

describe('secrets in logs', () => {
  it('never writes the JWT secret, PVE token, passwords, refresh cookies or access tokens', async () => {
    const workerLines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        workerLines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const capture = createLogger('trace', sink);
    const sim = await startPveSim({ port: 0, speed: 100 });
    const pve = new PveClient({
      baseUrl: sim.url,
      tokenId: sim.tokenId,
      tokenSecret: sim.tokenSecret,
      fingerprint: sim.fingerprint ?? undefined,
      log: capture.child({ component: 'pve' }),
      pollMs: 20,
      attempts: 2,
    });
    const logged = await startTestApp({ pve });
    const worker = await startWorker({
      database: logged.database.handle,
      pve,
      log: capture,
      timings: fastTimings,
      reconcile: false,
    });
    const send = createSender(logged.baseUrl);
    const secrets = new Map<string, string>([
      ['JWT secret', testJwtSecret],
      ['JWT secret (base64url)', Buffer.from(testJwtSecret).toString('base64url')],
      ['PVE token secret', sim.tokenSecret],
    ]);
    const remember = (name: string, value: string | undefined) => {
      if (value) secrets.set(`${name} #${secrets.size}`, value);
    };
    const rememberResponse = (res: RawResponse) => {
      const cookie = setCookieOf(res);
      remember('refresh cookie', cookie?.split('=')[1]);
      try {
        const token = json(res).accessToken ?? json(res).result?.json?.accessToken;
        if (typeof token === 'string') {
          remember('access token', token);
          remember('access token signature', token.split('.')[2]);
        }
      } catch {
        // not JSON
      }
      return res;
    };
    try {
      const user = await logged.createUser({ password: 'correct horse battery staple' });
      remember('password', user.password);
      for (const wrong of ['wrong-password-1', 'Tr0ub4dor&3']) {
        remember('wrong password', wrong);
        await send.send({
          method: 'POST',
          path: '/api/login',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: user.email, password: wrong }),
        });
      }
      const login = rememberResponse(
        await send.send({
          method: 'POST',
          path: '/api/login',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: user.email, password: user.password }),
        }),
      );
      // A misbehaving client puts credentials in the URL; the request log must not keep them.
      await send.send(trpcRequest('auth.login', 'query', { email: user.email, password: user.password }));
      await send.send({
        method: 'GET',
        path: `/api/login?email=${user.email}&password=${encodeURIComponent(user.password)}`,
      });
      const cookie = setCookieOf(login)!;
      rememberResponse(
        await send.send(
          trpcRequest('auth.login', 'mutation', { email: user.email, password: user.password }),
        ),
      );
      const rotated = rememberResponse(
        await send.send({ method: 'POST', path: '/api/auth/refresh', headers: { cookie } }),
      );
      // Reusing the rotated cookie (after the grace) makes Keel log a warning about this very token.
      await ageRotatedTokens(logged.db);
      await send.send({ method: 'POST', path: '/api/auth/refresh', headers: { cookie } });
      const fresh = json(rotated).accessToken as string;
      await send.send({ method: 'GET', path: '/api/users/me', headers: { ...bearer(fresh), cookie } });
      await send.send({ method: 'GET', path: '/api/users/me', headers: bearer(`${fresh}x`) });

      // A server's life through the worker and the PVE client, including PVE failing.
      const ordered = await orderServer({ app: logged, token: fresh }, 'log-check');
      await waitForServer({ app: logged, token: fresh }, ordered.id, (s) => s.status === 'running', 60_000);
      sim.sim.setFaults({ routeErrors: [{ path: '*', rate: 1, status: 500 }] });
      await send.send({
        method: 'POST',
        path: `/api/servers/${ordered.id}/actions`,
        headers: { ...bearer(fresh), 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'reboot' }),
      });
      await new Promise((r) => setTimeout(r, 1500));
      sim.sim.clearFaults();
      await waitForServer(
        { app: logged, token: fresh },
        ordered.id,
        (s) => s.status === 'running' || s.status === 'error',
        60_000,
      );
      // A client with a wrong token secret: PVE refuses it, and the refusal is logged.
      const wrongSecret = `${randomUUID()}`;
      remember('wrong PVE token secret', wrongSecret);
      const misconfigured = new PveClient({
        baseUrl: sim.url,
        tokenId: sim.tokenId,
        tokenSecret: wrongSecret,
        fingerprint: sim.fingerprint ?? undefined,
        log: capture.child({ component: 'pve' }),
        attempts: 1,
      });
      await misconfigured.nodes().catch(() => undefined);
      misconfigured.close();
    } finally {
      await worker.stop(2000);
      send.close();
      pve.close();
      await logged.close();
      await sim.stop();
    }

    const lines = [...logged.logLines, ...workerLines];
    const pveLines = workerLines.filter((l) => l.includes('"component":"pve"'));
    // Raw, URL-encoded and JSON-escaped: a secret can reach a log line in any of these forms.
    const forms = (value: string) => [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)];
    const found = [...secrets]
      .filter(([, value]) => forms(value).some((form) => lines.some((line) => line.includes(form))))
      .map(([n]) => n);
    const authHeaders = lines.filter((l) => /PVEAPIToken|Bearer ey/.test(l));
    console.log(
      `logs: ${lines.length} lines (${pveLines.length} from the PVE client, ${workerLines.length - pveLines.length} from the worker) ` +
        `scanned for ${secrets.size} secrets: ${found.length} found`,
    );
    // The scan is not vacuous: the flow really went through sign-in, reuse, PVE calls and PVE failures.
    expect(lines.some((l) => l.includes('signed in'))).toBe(true);
    expect(lines.some((l) => l.includes('refresh_token_reuse'))).toBe(true);
    expect(pveLines.some((l) => l.includes('"status":401'))).toBe(true);
    expect(pveLines.some((l) => l.includes('"status":500'))).toBe(true);
    expect(found).toEqual([]);
    expect(authHeaders).toEqual([]);
  });
});
