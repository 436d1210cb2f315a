/**
 * Security, proved against the real HTTP app: forged tokens, refresh-token reuse, cross-customer
 * isolation on every REST route and tRPC procedure, admin-only data, login throttling, and secrets kept
 * out of the logs (including the PVE client's and the worker's). Each test prints the figure it proves.
 * The REST cases go beyond test/api/tokens.test.ts, which covers GET /api/users/me only.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultThrottleLimits } from '../../src/server/auth/login-throttle.ts';
import { auditEvents, refreshTokens, serverJobs, servers, users } from '../../src/server/db/schema.ts';
import { restRoutes, type RestRoute } from '../../src/server/http/rest-contract.ts';
import { createLogger } from '../../src/server/logger.ts';
import { PveClient } from '../../src/server/pve/client.ts';
import { startWorker } from '../../src/server/worker/worker.ts';
import { startPveSim } from '../../testbed/pve/index.ts';
import { startTestApp, testJwtSecret, type TestApp } from '../helpers/app.ts';
import { fastTimings, orderServer, waitForServer } from '../helpers/orchestration.ts';
import {
  createSender,
  restErrorProblem,
  trpcErrorProblem,
  trpcProcedures,
  trpcRequest,
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

beforeAll(async () => {
  app = await startTestApp();
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
    // Two tabs racing with one token: exactly one wins; the loser is a reuse and ends the family.
    const race = await app.login(user.email, user.password);
    const results = await Promise.all(Array.from({ length: 8 }, () => refreshVia.rest(race.cookie)));
    const won = results.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    expect((await refreshVia.rest(setCookieOf(won[0]!)!)).status).toBe(401);
    lines.push(`race: 8 concurrent refreshes of one token, ${won.length} succeeded`);
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

  const expectedStatus = (path: string, hasId: boolean) =>
    hasId ? 404 : path.startsWith('/admin') ? 403 : 'ok';

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

  it('keeps admin-only data from customers and gives it to administrators', async () => {
    const adminRoutes = restRoutes.filter((r) => r.path.startsWith('/admin'));
    const adminProcs = trpcProcedures.filter((p) => p.path.startsWith('admin.'));
    expect(adminRoutes.length).toBeGreaterThan(0);
    expect(adminProcs.length).toBeGreaterThan(0);
    const ctx = contextFor(customerA, serverOfB);
    const rest = (route: RestRoute, token: string) =>
      http.send(restRequest(route, restCalls[route.operationId]!(ctx)[0]!, bearer(token)));
    const trpc = (path: string, type: 'query' | 'mutation' | 'subscription', token: string) =>
      http.send(trpcRequest(path, type, trpcCalls[path]!(ctx)[0], bearer(token)));
    const lines: string[] = [];
    for (const route of adminRoutes) {
      const asCustomer = await rest(route, customerA.token);
      expect(asCustomer.status).toBe(403);
      expect(restErrorProblem(asCustomer.text)).toBeNull();
      expect(json(asCustomer).error.code).toBe('FORBIDDEN');
      const asAdmin = await rest(route, admin.token);
      expect(asAdmin.status).toBe(200);
      const owners = new Map(json(asAdmin).servers.map((s: any) => [s.id, s.owner.email]));
      expect(owners.get(serverOfB)).toBe(customerB.email);
      lines.push(`REST ${route.path}: customer 403, admin 200 with ${owners.size} servers of all customers`);
    }
    for (const proc of adminProcs) {
      const asCustomer = await trpc(proc.path, proc.type, customerA.token);
      expect(asCustomer.status).toBe(403);
      expect(trpcErrorProblem(asCustomer.text)).toBeNull();
      expect(trpcData(asCustomer).appCode).toBe('FORBIDDEN');
      expect(asCustomer.text).not.toContain(serverOfB);
      const asAdmin = await trpc(proc.path, proc.type, admin.token);
      expect(asAdmin.status).toBe(200);
      expect(asAdmin.text).toContain(serverOfB);
      lines.push(`tRPC ${proc.path}: customer 403, admin 200`);
    }
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
      // Reusing the rotated cookie makes Keel log a warning about this very token.
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
