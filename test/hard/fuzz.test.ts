/**
 * Bad input, property-based: fast-check generates ≥ 10,000 requests across every REST route, every tRPC
 * procedure and stray paths: wrong types, huge strings, unicode, missing and extra fields, wrong content
 * types and encodings, broken JSON, path traversal in ids, odd methods, bad tokens. Whatever comes in,
 * Keel answers below 500, and every 4xx carries its error shape (REST or tRPC).
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { eq } from 'drizzle-orm';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverJobs, servers } from '../../src/server/db/schema.ts';
import { restRoutes, type RestRoute } from '../../src/server/http/rest-contract.ts';
import { startTestApp, testJwtSecret, type TestApp } from '../helpers/app.ts';
import { orderServer, pveClientFor } from '../helpers/orchestration.ts';
import { startPveSim, type PveSim } from '../../testbed/pve/index.ts';
import {
  createSender,
  formatCounts,
  restErrorProblem,
  trpcErrorProblem,
  trpcProcedures,
  type RawRequest,
  type Sender,
} from './helpers/security-http.ts';
import { restCalls, restPath, trpcCalls, type CallContext } from './helpers/security-routes.ts';
import { forgedTokens } from './helpers/security-tokens.ts';

const batchSize = 16; // requests in flight at once
const batches = Number(process.env.FUZZ_BATCHES ?? 640); // 640 × 16 = 10,240 requests
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

let app: TestApp;
let http: Sender;
let ctx: CallContext;
let tokens: { customer: string; admin: string; forged: string[] };
let knownIds: string[];

let sim: PveSim;

beforeAll(async () => {
  // A cluster to discover, so the catalogue and discovery routes are fuzzed past their PVE reads.
  sim = await startPveSim({ port: 0, speed: 100 });
  app = await startTestApp({ pve: pveClientFor(sim) });
  http = createSender(app.baseUrl, batchSize);
  const user = await app.createUser();
  const admin = await app.createUser({ role: 'admin' });
  const other = await app.createUser();
  const session = await app.login(user.email, user.password);
  const adminSession = await app.login(admin.email, admin.password);
  const otherSession = await app.login(other.email, other.password);
  const mine = await orderServer({ app, token: session.accessToken }, 'fuzz-own');
  const running = await orderServer({ app, token: session.accessToken }, 'fuzz-running');
  const theirs = await orderServer({ app, token: otherSession.accessToken }, 'fuzz-theirs');
  await app.db.update(servers).set({ status: 'running' }).where(eq(servers.id, running.id));
  await app.db.update(serverJobs).set({ state: 'succeeded' }).where(eq(serverJobs.serverId, running.id));
  const catalog = (await (
    await fetch(`${app.baseUrl}/api/catalog`, { headers: { authorization: `Bearer ${session.accessToken}` } })
  ).json()) as { plans: { id: string }[]; images: { id: string }[]; locations: { id: string }[] };
  let n = 0;
  ctx = {
    serverId: running.id,
    planId: catalog.plans[0]!.id,
    imageId: catalog.images[0]!.id,
    locationId: catalog.locations[0]!.id,
    email: user.email,
    // A wrong password: the fuzzer's sign-ins soon hit the throttle instead of burning scrypt time.
    password: 'not-the-password',
    name: () => `fuzz-${++n}`,
  };
  tokens = {
    customer: session.accessToken,
    admin: adminSession.accessToken,
    forged: (await forgedTokens(new TextEncoder().encode(testJwtSecret), user.id, other.id)).map(
      (t) => t.token,
    ),
  };
  knownIds = [mine.id, running.id, theirs.id, '00000000-0000-0000-0000-000000000000'];
});
afterAll(async () => {
  http?.close();
  await app?.close();
  await sim?.stop();
});

/** Percent-encodes any string, lone surrogates included (as U+FFFD), so it can travel in a path. */
const pct = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, '0').toUpperCase()}`,
    )
    .join('');

const huge = (min: number, max: number) =>
  fc
    .tuple(fc.integer({ min, max }), fc.constantFrom('a', 'é', '💥', '\u0000', '<script>', '\u202e', '%'))
    .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)));

const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 32 }),
  huge(1_000, 70_000),
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    1e308,
    '',
    ' ',
    [],
    {},
    '__proto__',
    'constructor',
    '../../etc/passwd',
    '%00',
    "' OR 1=1 --",
    '${jndi:ldap://x}',
    'ssh-ed25519 AAAA',
    '00000000-0000-0000-0000-000000000000',
  ),
  fc.integer(),
  fc.double(),
);

/** A base value broken in one of the ways a client gets it wrong. */
function mutate(base: unknown): fc.Arbitrary<unknown> {
  if (base && typeof base === 'object' && !Array.isArray(base) && Object.keys(base).length) {
    const keys = Object.keys(base);
    const obj = base as Record<string, unknown>;
    return fc.oneof(
      { weight: 2, arbitrary: fc.constant(base) },
      {
        weight: 2,
        arbitrary: fc
          .constantFrom(...keys)
          .map((k) => Object.fromEntries(Object.entries(obj).filter(([key]) => key !== k))),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(
            fc.oneof(
              fc.string({ maxLength: 12 }),
              fc.constantFrom('__proto__', 'constructor', 'id', 'userId', 'role'),
            ),
            weirdValue,
          )
          .map(([k, v]) => ({ ...obj, [k]: v })),
      },
      {
        weight: 4,
        arbitrary: fc.tuple(fc.constantFrom(...keys), weirdValue).map(([k, v]) => ({ ...obj, [k]: v })),
      },
      { weight: 1, arbitrary: weirdValue },
    );
  }
  return fc.oneof({ weight: 2, arbitrary: fc.constant(base) }, { weight: 1, arbitrary: weirdValue });
}

/** The bytes of a body: mostly the JSON of the value, sometimes broken or not JSON at all. */
function bodyText(value: unknown): fc.Arbitrary<string | undefined> {
  const text = value === undefined ? undefined : JSON.stringify(value);
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(text) },
    {
      weight: 1,
      arbitrary: fc.nat().map((i) => (text ?? '{"a":1}').slice(0, i % ((text ?? '').length + 1)) + '{"'),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }) },
    { weight: 1, arbitrary: huge(60_000, 80_000).map((s) => JSON.stringify({ name: s })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        'null',
        '[]',
        '"x"',
        '1',
        '{"__proto__":{"admin":true}}',
        '{"a":1}{"b":2}',
      ),
    },
  );
}

const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined,
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'text/plain',
      'text/html',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'application/merge-patch+json',
      'application/json, text/plain',
      '*/*',
      'invalid',
    ),
  },
);

/** How the body is encoded on the wire: usually plainly, sometimes compressed for real or falsely. */
const contentEncoding = fc.oneof(
  { weight: 12, arbitrary: fc.constant<string | undefined>(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('gzip', 'gzip-real', 'deflate', 'br', 'identity', 'x-unknown') },
);

const oddMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'PURGE'];

function methodFor(right: string) {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(right) },
    { weight: 1, arbitrary: fc.constantFrom(...oddMethods) },
  );
}

function authHeader() {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant(`Bearer ${tokens.customer}`) },
    { weight: 2, arbitrary: fc.constant(`Bearer ${tokens.admin}`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(...tokens.forged).map((t) => `Bearer ${t}`) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.constantFrom(
          'Bearer',
          'Bearer ',
          'Basic dXNlcjpwYXNz',
          `bearer ${tokens.customer}`,
          `Bearer ${tokens.customer} x`,
        ),
        fc.string({ unit: 'grapheme-ascii', maxLength: 200 }).map((s) => `Bearer ${s}`),
      ),
    },
  );
}

const idInPath = () =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...knownIds) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 50 }).map(pct) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '..',
        '../users/me',
        '../../../../etc/passwd',
        '..%2F..%2Fusers%2Fme',
        '%2e%2e%2f%2e%2e%2fadmin%2Fservers',
        '..;',
        '%00',
        `${knownIds[2]}%00`,
        `${knownIds[2]}%2F..%2F${knownIds[1]}`,
        '%E0%A4%A',
        '%',
        '%%32%65',
        '%c0%ae%c0%ae%2f',
        '%252e%252e%252f',
        '....//....//etc/passwd',
        '%20',
        '%7B%7D',
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: 201, max: 6_000 }).map((n) => 'a'.repeat(n)) },
  );

function withBody(
  request: Omit<RawRequest, 'body'>,
  text: string | undefined,
  type: string | undefined,
  encoding: string | undefined,
): RawRequest {
  const headers = { ...request.headers };
  if (text === undefined) return { ...request, headers };
  if (type) headers['content-type'] = type;
  let body: string | Buffer = text;
  if (encoding === 'gzip-real') {
    headers['content-encoding'] = 'gzip';
    body = gzipSync(text);
  } else if (encoding) {
    headers['content-encoding'] = encoding;
  }
  return { ...request, headers, body };
}

interface Generated {
  target: string;
  request: RawRequest;
}

function restArbitrary(route: RestRoute): fc.Arbitrary<Generated> {
  const base = restCalls[route.operationId]!(ctx)[0]!;
  const queryKeys = ['limit', 'cursor', 'includeTerminated', 'include', 'id', 'userId'];
  const query = route.query
    ? fc.oneof(
        fc.constant(Object.entries(base.query ?? {})),
        fc.array(
          fc.tuple(
            fc.oneof(fc.constantFrom(...queryKeys), fc.string({ maxLength: 10 })),
            fc.oneof(
              fc.constantFrom('1', '0', '-1', '501', '1e3', 'true', 'events', '', 'NaN'),
              fc.string({ unit: 'binary', maxLength: 40 }),
              huge(200, 3_000),
            ),
          ),
          { maxLength: 4 },
        ),
      )
    : fc.constant<[string, string][]>([]);
  return fc
    .record({
      method: methodFor(route.method.toUpperCase()),
      id: idInPath(),
      query,
      body: mutate(base.body),
      auth: authHeader(),
      type: contentType,
      encoding: contentEncoding,
      cookie: fc.oneof(
        fc.constant(undefined),
        fc.constantFrom('keel_refresh=forged', 'keel_refresh=', 'keel_refresh=%E0%A4%A; a=b'),
      ),
    })
    .chain((r) =>
      bodyText(route.body || r.method !== 'GET' ? r.body : undefined).map((text) => {
        const qs = r.query
          .map(([k, v]) => `${pct(k)}=${pct(v)}`)
          .join('&')
          .slice(0, maxQueryChars);
        const path = route.path.includes(':id') ? `/api${route.path.replace(':id', r.id)}` : restPath(route);
        const headers: Record<string, string> = {};
        if (r.auth) headers.authorization = r.auth;
        if (r.cookie) headers.cookie = r.cookie;
        return {
          target: `${route.method.toUpperCase()} /api${route.path}`,
          request: withBody(
            { method: r.method, path: qs ? `${path}?${qs}` : path, headers },
            text,
            r.type,
            r.encoding,
          ),
        };
      }),
    );
}

const strayPaths = [
  '/trpc/nope',
  '/trpc/__proto__',
  '/trpc/constructor',
  '/trpc/toString',
  '/trpc/servers',
  '/trpc/servers.__proto__',
  '/trpc/servers.byId.extra',
  '/trpc/',
  '/trpc',
  '/TRPC/users.me',
  '/api',
  '/api/',
  '/API/servers',
  '/api/servers/x/y/z',
  '/api/servers//actions',
  '/api/openapi.json',
  '/api/%E0%A4%A',
  '/api/servers?limit=1&limit=2',
  '/api/servers?includeTerminated=true&includeTerminated=false',
  '/api/admin',
  '/api/admin/servers/../../users/me',
  '//api//servers',
  '/',
  '/index.html',
  '/../../etc/passwd',
  '/healthz?x=%',
  '/.env',
  '/%2e%2e/%2e%2e/etc/passwd',
];

/** superjson's envelope; superjson refuses to build one around keys like `constructor`, an attacker does not. */
function envelope(input: unknown): unknown {
  try {
    return superjson.serialize(input);
  } catch {
    return { json: input };
  }
}

function trpcArbitrary(proc: {
  path: string;
  type: 'query' | 'mutation' | 'subscription';
}): fc.Arbitrary<Generated> {
  const base = trpcCalls[proc.path]!(ctx)[0];
  const others = trpcProcedures.map((p) => p.path);
  return fc
    .record({
      input: mutate(base),
      style: fc.constantFrom(
        'superjson',
        'superjson',
        'superjson',
        'superjson',
        'plain',
        'batch',
        'wrong-method',
      ),
      other: fc.constantFrom(...others),
      auth: authHeader(),
      type: contentType,
      encoding: contentEncoding,
    })
    .chain((r) => {
      const serialized = r.input === undefined ? undefined : envelope(r.input);
      const payload =
        r.style === 'plain' ? r.input : r.style === 'batch' ? { 0: serialized, 1: serialized } : serialized;
      const path = r.style === 'batch' ? `/trpc/${proc.path},${r.other}` : `/trpc/${proc.path}`;
      const batchQuery = r.style === 'batch' ? 'batch=1' : '';
      const asGet = (proc.type === 'query') !== (r.style === 'wrong-method');
      return bodyText(payload).map((text) => {
        const headers: Record<string, string> = {};
        if (r.auth) headers.authorization = r.auth;
        const target = `trpc ${proc.path}`;
        if (asGet) {
          const qs = [batchQuery, text === undefined ? '' : `input=${pct(text).slice(0, maxQueryChars)}`]
            .filter(Boolean)
            .join('&');
          return { target, request: { method: 'GET', path: qs ? `${path}?${qs}` : path, headers } };
        }
        return {
          target,
          request: withBody(
            { method: 'POST', path: batchQuery ? `${path}?${batchQuery}` : path, headers },
            text,
            r.type,
            r.encoding,
          ),
        };
      });
    });
}

function strayArbitrary(): fc.Arbitrary<Generated> {
  return fc
    .record({
      method: fc.constantFrom(...oddMethods),
      path: fc.oneof(
        fc.constantFrom(...strayPaths),
        fc
          .tuple(fc.constantFrom('/api/', '/trpc/', '/'), fc.string({ unit: 'binary', maxLength: 40 }))
          .map(([p, s]) => p + pct(s)),
      ),
      auth: authHeader(),
      body: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
      type: contentType,
    })
    .map((r) => ({
      target: 'stray',
      request: withBody(
        { method: r.method, path: r.path, headers: r.auth ? { authorization: r.auth } : {} },
        r.body === undefined ? undefined : JSON.stringify(r.body),
        r.type,
        undefined,
      ),
    }));
}

/**
 * Node itself answers 431 with an empty body to a request line over 16 KiB, before Keel sees it; the
 * fuzzer keeps URLs below that so every answer is Keel's own.
 */
const maxQueryChars = 8_000;

const isTrpcPath = (path: string) => /^\/trpc(?:[/?]|$)/i.test(path);

function describeRequest(r: RawRequest): string {
  const body =
    r.body === undefined ? '' : ` body(${Buffer.byteLength(r.body)}B)=${String(r.body).slice(0, 160)}`;
  return `${r.method} ${r.path.slice(0, 200)} ${JSON.stringify({ ...r.headers, authorization: r.headers?.authorization?.slice(0, 30) })}${body}`;
}

describe('bad input', () => {
  it(`answers ${batches * batchSize} generated requests below 500, every 4xx in its error shape`, async () => {
    for (const route of restRoutes)
      expect(restCalls[route.operationId], `add a fuzz base for REST ${route.operationId}`).toBeDefined();
    for (const proc of trpcProcedures)
      expect(trpcCalls[proc.path], `add a fuzz base for tRPC ${proc.path}`).toBeDefined();

    const request = fc.oneof(
      { weight: 9, arbitrary: fc.oneof(...restRoutes.map(restArbitrary)) },
      { weight: 9, arbitrary: fc.oneof(...trpcProcedures.map(trpcArbitrary)) },
      { weight: 2, arbitrary: strayArbitrary() },
    );
    const byStatus = new Map<number, number>();
    const byTarget = new Map<string, number>();
    let sent = 0;
    const started = performance.now();

    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: batchSize, maxLength: batchSize }), async (batch) => {
        const answers = await Promise.all(batch.map((g) => http.send(g.request)));
        const problems: string[] = [];
        answers.forEach((res, i) => {
          const { target, request: req } = batch[i]!;
          sent++;
          byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
          byTarget.set(target, (byTarget.get(target) ?? 0) + 1);
          if (res.status >= 500)
            problems.push(`${res.status} for ${describeRequest(req)}: ${res.text.slice(0, 300)}`);
          else if (res.status >= 400 && req.method !== 'HEAD') {
            const problem = isTrpcPath(req.path) ? trpcErrorProblem(res.text) : restErrorProblem(res.text);
            if (problem) problems.push(`${res.status} ${problem} for ${describeRequest(req)}`);
          }
        });
        if (problems.length) throw new Error(problems.join('\n'));
      }),
      { numRuns: batches, seed, endOnFailure: false, verbose: 0 },
    );

    const seconds = (performance.now() - started) / 1000;
    const fiveXx = [...byStatus].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
    console.log(
      `fuzz (seed ${seed}): ${sent} requests in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)} req/s), ` +
        `${fiveXx} answered 5xx\n  by status: ${formatCounts(byStatus)}\n  by target: ${formatCounts(byTarget)}`,
    );
    expect(sent).toBeGreaterThanOrEqual(batches * batchSize);
    expect(fiveXx).toBe(0);
    // Every route and procedure was hit, so none escaped the fuzzer.
    const fairShare = sent / (restRoutes.length + trpcProcedures.length);
    for (const route of restRoutes)
      expect(byTarget.get(`${route.method.toUpperCase()} /api${route.path}`) ?? 0).toBeGreaterThan(
        fairShare / 4,
      );
    for (const proc of trpcProcedures)
      expect(byTarget.get(`trpc ${proc.path}`) ?? 0).toBeGreaterThan(fairShare / 4);
  });
});

describe('requests that once answered 500', () => {
  // Found by the fuzzer above; kept as fixed cases so they are checked on every run, whatever the seed.
  const cases: [string, number, () => RawRequest][] = [
    [
      'broken percent-encoding in a REST path id',
      400,
      () => ({
        method: 'GET',
        path: '/api/servers/%E0%A4%A',
        headers: { authorization: `Bearer ${tokens.customer}` },
      }),
    ],
    [
      'a corrupt gzip body',
      400,
      () => ({
        method: 'POST',
        path: '/api/login',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: 'not gzip at all',
      }),
    ],
    ['TRACE on a tRPC procedure', 405, () => ({ method: 'TRACE', path: '/trpc/users.me' })],
    [
      'a superjson envelope holding a constructor key',
      400,
      () => ({
        method: 'POST',
        path: '/trpc/servers.create',
        headers: { authorization: `Bearer ${tokens.customer}`, 'content-type': 'application/json' },
        body: '{"json":{"constructor":{"prototype":{"admin":true}},"name":"x"}}',
      }),
    ],
  ];
  it.each(cases)('%s → %i in the error shape', async (_name, status, build) => {
    const req = build();
    const res = await http.send(req);
    expect(res.status).toBe(status);
    expect(isTrpcPath(req.path) ? trpcErrorProblem(res.text) : restErrorProblem(res.text)).toBeNull();
  });
});
