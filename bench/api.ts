/**
 * `pnpm bench:api [--servers 50] [--connections 32,128] [--duration 10] [--repeat 3] [--dashboards 1000]
 *                 [--poll-interval 2] [--poll-duration 20] [--dashboard-servers 50] [--keel-node-args=...]
 *                 [--floor-node-args=...]
 *                 [--baseline DIR] [--no-pgbench]`
 *
 * How fast Keel serves a customer's server list, side by side in one run with what the machine can do:
 *  1. Keel as `pnpm start` runs it (`node dist/server/main.js`, built afresh from the source tree) at its
 *     shipped defaults (default LOG_LEVEL, worker on) on a fresh PostgreSQL database holding one user with
 *     N servers. With `--baseline DIR`, a second Keel from another checkout (DIR holds its `dist/server`,
 *     built there, and its node_modules) serves the same database, measured in the same rounds: a change
 *     and what it changes compared side by side, under the same load from elsewhere.
 *  2. The floor (bench/floor.ts): node:http + postgres.js + jose running the same two statements (captured
 *     from Keel's own code path: the token's user, then the list) and writing the same JSON.
 *  3. `wrk -t2 -cN` (a C load generator, so the load does not eat a Node process's CPU) on Keel's REST
 *     `GET /api/servers?limit=50`, Keel's tRPC `servers.list` and the floor, at each connection count,
 *     interleaved, `--repeat` times; medians are printed.
 *  4. pgbench with the same statements, `-M prepared` and `-M simple`: what PostgreSQL alone does
 *     (`--no-pgbench` leaves it out).
 *  5. 1,000 dashboards (`--dashboards 0` leaves them out), each its own user and keep-alive connection, poll `GET /api/servers` every 2 s,
 *     open loop (each poll fires on schedule; latency counts from the scheduled time) sending the ETag of
 *     their last answer in If-None-Match, as a polling client does.
 * Prints figures and ratios; asserts nothing.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { LoginThrottle } from '../src/server/auth/login-throttle.ts';
import { signAccessToken } from '../src/server/auth/tokens.ts';
import { loadConfig } from '../src/server/config.ts';
import * as schema from '../src/server/db/schema.ts';
import { createLogger } from '../src/server/logger.ts';
import { createCaller } from '../src/server/routers/root.ts';
import { seedSimulatorCatalog } from '../src/server/services/catalog.ts';
import { createContextInner } from '../src/server/trpc.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';

const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: '50' },
    connections: { type: 'string', default: '32,128' },
    duration: { type: 'string', default: '10' },
    repeat: { type: 'string', default: '3' },
    dashboards: { type: 'string', default: '1000' },
    'poll-interval': { type: 'string', default: '2' },
    'poll-duration': { type: 'string', default: '20' },
    'dashboard-servers': { type: 'string', default: '50' },
    /** Extra node flags for Keel's process, e.g. --keel-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof". */
    'keel-node-args': { type: 'string', default: '' },
    /** The same for the floor's process, to profile it alongside. */
    'floor-node-args': { type: 'string', default: '' },
    /** Another checkout whose built Keel (DIR/dist/server/main.js) is measured beside this one. */
    baseline: { type: 'string' },
    pgbench: { type: 'boolean', default: true },
  },
  allowNegative: true,
});
const serverCount = Number(values.servers);
const connectionCounts = values.connections.split(',').map(Number);
const durationMs = Number(values.duration) * 1000;
const repeat = Number(values.repeat);
const dashboardCount = Number(values.dashboards);
const pollIntervalMs = Number(values['poll-interval']) * 1000;
const pollDurationMs = Number(values['poll-duration']) * 1000;
const dashboardServers = Number(values['dashboard-servers']);
const root = new URL('..', import.meta.url).pathname;
const jwtSecret = 'bench-api-secret-bench-api-secret-0123456789';
const run = promisify(execFile);

// -- latency histogram ------------------------------------------------------------------------------

/** Log-bucketed latencies (1 % wide buckets from 1 µs), so percentiles need no list of samples. */
class Histogram {
  private readonly buckets = new Map<number, number>();
  count = 0;
  private static readonly base = Math.log(1.01);

  record(ms: number): void {
    const index = Math.max(0, Math.floor(Math.log(Math.max(ms, 0.001) * 1000) / Histogram.base));
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1);
    this.count++;
  }

  /** Upper edge of the bucket holding the p-th percentile, in ms. */
  percentile(p: number): number {
    if (!this.count) return NaN;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (const index of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(index)!;
      if (seen >= rank) return Math.exp((index + 1) * Histogram.base) / 1000;
    }
    return NaN;
  }
}

// -- HTTP load ---------------------------------------------------------------------------------------

interface LoadResult {
  histogram: Histogram;
  requests: number;
  errors: number;
  seconds: number;
}

/** One GET; resolves to the status (0 on a network error) and the ETag the answer carried. */
function get(
  agent: http.Agent,
  url: URL,
  token: string,
  timeoutMs: number,
  etag?: string,
): Promise<{ status: number; etag: string | undefined }> {
  return new Promise((resolve) => {
    const req = http.get(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        agent,
        headers: { authorization: `Bearer ${token}`, ...(etag ? { 'if-none-match': etag } : {}) },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        const given = res.headers.etag;
        res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: given }));
        res.on('error', () => resolve({ status: 0, etag: undefined }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, etag: undefined }));
  });
}

interface DashboardResult extends LoadResult {
  notModified: number;
}

/** Each dashboard polls on its own schedule on its own connection; latency counts from the schedule. */
async function dashboards(
  url: URL,
  tokens: string[],
  intervalMs: number,
  ms: number,
): Promise<DashboardResult> {
  const histogram = new Histogram();
  let errors = 0;
  let requests = 0;
  let notModified = 0;
  const started = performance.now();
  await Promise.all(
    tokens.map(async (token, i) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const polls: Promise<void>[] = [];
      let etag: string | undefined;
      // Spread the first polls over one interval, as dashboards opened at random moments would be.
      const offset = (i / tokens.length) * intervalMs;
      for (let due = started + offset; due < started + ms; due += intervalMs) {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        requests++;
        polls.push(
          get(agent, url, token, 10_000, etag).then((answer) => {
            if (answer.status === 200 || answer.status === 304) {
              histogram.record(performance.now() - due);
              if (answer.status === 304) notModified++;
              else etag = answer.etag;
            } else errors++;
          }),
        );
      }
      await Promise.all(polls);
      agent.destroy();
    }),
  );
  return { histogram, requests, errors, notModified, seconds: (performance.now() - started) / 1000 };
}

// -- wrk ---------------------------------------------------------------------------------------------

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** wrk's latency figures ("1.23ms", "850.00us", "1.02s") in ms. */
function wrkMs(text: string | undefined): number {
  const m = /([\d.]+)(us|ms|s|m)/.exec(text ?? '');
  if (!m) return NaN;
  const factor = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(m[1]) * factor;
}

/** Debian's wrk, installed on first use as the issue's machine kind allows (apt, as root). */
function ensureWrk(): void {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (err) {
    // wrk --version exits 1 after printing its version; only a missing binary (ENOENT) means install.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return;
    console.log('wrk is missing: apt-get install -y wrk');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'wrk'], {
      stdio: 'inherit',
      env,
    });
  }
}

async function wrk(url: string, token: string, connections: number, seconds: number): Promise<WrkResult> {
  const { stdout } = await run(
    'wrk',
    [
      '-t2',
      `-c${connections}`,
      `-d${seconds}s`,
      '--latency',
      '--timeout',
      '10s',
      '-H',
      `Authorization: Bearer ${token}`,
      url,
    ],
    { maxBuffer: 4 * 1024 * 1024 },
  );
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN),
    p50: wrkMs(/^\s+50%\s+(\S+)/m.exec(stdout)?.[1]),
    p99: wrkMs(/^\s+99%\s+(\S+)/m.exec(stdout)?.[1]),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0),
    errors: socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

// -- pgbench -----------------------------------------------------------------------------------------

/** Inlines postgres.js parameters as SQL literals, for a pgbench script. */
function inline(query: string, parameters: unknown[]): string {
  return query.replace(/\$(\d+)/g, (_, n: string) => {
    const value = parameters[Number(n) - 1];
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    const text =
      value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : JSON.stringify(value);
    return `'${text.replace(/'/g, "''")}'`;
  });
}

async function pgbench(
  url: string,
  script: string,
  mode: 'prepared' | 'simple',
  clients: number,
  seconds: number,
): Promise<number> {
  const u = new URL(url);
  const { stdout } = await run('pgbench', [
    '-n',
    '-M',
    mode,
    '-f',
    script,
    '-c',
    String(clients),
    '-j',
    String(Math.min(clients, cpus().length)),
    '-T',
    String(seconds),
    '-h',
    u.hostname,
    '-p',
    u.port || '5432',
    '-U',
    decodeURIComponent(u.username) || 'postgres',
    u.pathname.slice(1),
  ]);
  return Number(/tps = ([\d.]+)/.exec(stdout)?.[1] ?? NaN);
}

type Target = 'rest' | 'trpc' | 'baseRest' | 'baseTrpc' | 'floor';

// -- setup -------------------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function waitReady(proc: ChildProcess, readyUrl: string, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}`);
    const ready = await fetch(readyUrl).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Keel as `pnpm start` runs it, at its defaults: only what a bench must set (database, port, secret).
 * `dir` is the checkout whose `dist/server/main.js` runs: this one (built now, so a stale build is never
 * measured) or the baseline's, as built there.
 */
async function startKeel(databaseUrl: string, dir = root): Promise<{ proc: ChildProcess; base: string }> {
  const port = await freePort();
  const nodeArgs = values['keel-node-args'].split(' ').filter(Boolean);
  if (dir === root)
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-server.ts'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  else if (!existsSync(join(dir, 'dist/server/main.js')))
    throw new Error(`--baseline ${dir}: no dist/server/main.js there; build it first`);
  const proc = spawn(process.execPath, [...nodeArgs, 'dist/server/main.js'], {
    cwd: dir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: jwtSecret,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-api-keel-')),
      PGLITE_PORT: 'off',
    },
    // The JSON log goes where a service's stdout goes: written, then discarded.
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  await waitReady(proc, `${base}/readyz`, dir === root ? 'Keel' : 'the baseline Keel');
  return { proc, base };
}

async function startFloor(
  databaseUrl: string,
  sqlFile: string,
): Promise<{ proc: ChildProcess; base: string }> {
  const port = await freePort();
  const nodeArgs = values['floor-node-args'].split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'bench/floor.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      JWT_SECRET: jwtSecret,
      FLOOR_SQL: sqlFile,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  await waitReady(proc, `${base}/api/servers`, 'the floor');
  return { proc, base };
}

const median = (xs: number[]) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function serverRows(
  userId: string,
  count: number,
  catalog: { plan: typeof schema.plans.$inferSelect; imageId: string; locationId: string },
  offset: number,
) {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => ({
    userId,
    name: `bench-${i + 1}`,
    status: 'running' as const,
    planId: catalog.plan.id,
    imageId: catalog.imageId,
    locationId: catalog.locationId,
    cpuCores: catalog.plan.cpuCores,
    memoryMb: catalog.plan.memoryMb,
    diskGb: catalog.plan.diskGb,
    ipAddress: `10.${100 + Math.floor((offset + i) / 65536)}.${Math.floor((offset + i) / 256) % 256}.${(offset + i) % 256}`,
    createdAt: new Date(now - i * 60_000),
  }));
}

async function main(): Promise<void> {
  ensureWrk();
  const database = await createTestDatabase('keel_bench_api');
  const db = database.handle.db;
  const children: ChildProcess[] = [];
  process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
  const scriptDir = mkdtempSync(join(tmpdir(), 'bench-api-sql-'));
  try {
    await seedSimulatorCatalog(db);
    const [plan] = await db.select().from(schema.plans).limit(1);
    const [image] = await db.select().from(schema.images).limit(1);
    const [location] = await db.select().from(schema.locations).limit(1);
    const catalog = { plan: plan!, imageId: image!.id, locationId: location!.id };
    const [user] = await db
      .insert(schema.users)
      .values({ email: 'bench@example.com', passwordHash: '$disabled$' })
      .returning();
    await db.insert(schema.servers).values(serverRows(user!.id, serverCount, catalog, 0));

    // Dashboard users sign no passwords in: their tokens are minted with the server's secret.
    const dashboardUsers = dashboardCount
      ? await db
          .insert(schema.users)
          .values(
            Array.from({ length: dashboardCount }, (_, i) => ({
              email: `dash-${i}@example.com`,
              passwordHash: '$disabled$',
            })),
          )
          .returning({ id: schema.users.id })
      : [];
    for (let i = 0; i < dashboardUsers.length; i += 100) {
      const rows = dashboardUsers
        .slice(i, i + 100)
        .flatMap((u, j) => serverRows(u.id, dashboardServers, catalog, (i + j + 1) * dashboardServers));
      await db.insert(schema.servers).values(rows);
    }
    const secret = new TextEncoder().encode(jwtSecret);
    const dashboardTokens = await Promise.all(
      dashboardUsers.map((u) => signAccessToken(secret, { sub: u.id, role: 'customer' })),
    );
    // Valid for 15 minutes, longer than one run.
    const token = await signAccessToken(secret, { sub: user!.id, role: 'customer' });

    // The exact SQL of GET /api/servers, captured by running Keel's own procedure on a recording client.
    const recorded: { query: string; parameters: unknown[] }[] = [];
    const recordingClient = postgres(database.url, {
      max: 1,
      onnotice: () => {},
      connection: { TimeZone: 'UTC' },
      debug: (_conn, query, parameters) => recorded.push({ query, parameters: parameters as unknown[] }),
    });
    const silent = createLogger('silent');
    const caller = createCaller(
      createContextInner(
        {
          db: drizzle(recordingClient, { schema }),
          config: loadConfig({ JWT_SECRET: jwtSecret, DATA_DIR: tmpdir(), DATABASE_URL: database.url }),
          log: silent,
          loginThrottle: new LoginThrottle(database.handle.db),
        },
        {
          requestId: 'bench',
          ip: '127.0.0.1',
          log: silent,
          authorization: `Bearer ${token}`,
          cookies: { get: () => undefined, set: () => {}, clear: () => {} },
          crossSite: false,
        },
      ),
    );
    const listed = await caller.servers.list({ limit: serverCount });
    await recordingClient.end();
    // postgres.js reads the array types once per connection; that is not the request's SQL.
    const statements = recorded.filter((r) => !r.query.includes('pg_catalog.pg_type'));
    if (listed.servers.length !== serverCount)
      throw new Error(`expected ${serverCount} servers, got ${listed.servers.length}`);
    const script = join(scriptDir, 'list-servers.sql');
    writeFileSync(
      script,
      statements.map((r) => `${inline(r.query, r.parameters).replace(/\s+/g, ' ')};`).join('\n') + '\n',
    );
    const floorSql = join(scriptDir, 'floor.json');
    writeFileSync(floorSql, JSON.stringify({ userId: user!.id, statements }));

    const keel = await startKeel(database.url);
    children.push(keel.proc);
    const baseline = values.baseline ? await startKeel(database.url, values.baseline) : undefined;
    if (baseline) children.push(baseline.proc);
    const floor = await startFloor(database.url, floorSql);
    children.push(floor.proc);
    const restPath = `/api/servers?limit=${serverCount}`;
    const trpcPath = `/trpc/servers.list?input=${encodeURIComponent(JSON.stringify({ json: { limit: serverCount } }))}`;
    const targets: Partial<Record<Target, string>> = {
      rest: `${keel.base}${restPath}`,
      trpc: `${keel.base}${trpcPath}`,
      ...(baseline
        ? { baseRest: `${baseline.base}${restPath}`, baseTrpc: `${baseline.base}${trpcPath}` }
        : {}),
      floor: `${floor.base}/api/servers`,
    };
    const names = Object.keys(targets) as Target[];
    const sizes: Record<string, number> = {};
    for (const [name, url] of Object.entries(targets)) {
      if (name === 'baseRest' || name === 'baseTrpc') continue;
      const probe = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      if (probe.status !== 200) throw new Error(`${name}: ${url} answered ${probe.status}`);
      sizes[name] = (await probe.arrayBuffer()).byteLength;
    }

    const pg = postgres(database.url, { max: 1, onnotice: () => {} });
    const [{ max_connections: maxConnections, version }] = (await pg.unsafe(
      "select current_setting('max_connections')::int as max_connections, current_setting('server_version') as version",
    )) as unknown as [{ max_connections: number; version: string }];
    const wrkVersion =
      (await run('wrk', ['-v']).catch((e: { stdout?: string }) => e)).stdout?.split('\n')[0] ?? 'wrk';
    const seconds = durationMs / 1000;
    process.stdout.write(
      [
        `bench:api  ${new Date().toISOString()}  ${cpus().length}× ${cpus()[0]?.model.trim()}  node ${process.version}  PostgreSQL ${version}  ${wrkVersion.trim()}`,
        `  one customer with ${serverCount} servers; Keel: node dist/server/main.js, shipped defaults (LOG_LEVEL=info, worker on, ` +
          `built-in PVE simulator), stdout discarded; JSON bytes: REST ${sizes.rest}, tRPC ${sizes.trpc}, floor ${sizes.floor}`,
        `  wrk -t2 -cN -d${seconds}s --latency; ${repeat} rounds, each round ${names.join(', ')}${values.pgbench ? ', pgbench prepared, pgbench simple' : ''}; medians`,
        ...(values.baseline
          ? [`  baseline (baseRest, baseTrpc): ${values.baseline}/dist/server/main.js`]
          : []),
        `  SQL per request: ${statements.length} statements (the token's user, then the list)`,
        '',
      ].join('\n'),
    );

    const clockTicks = Number((await run('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
    const cpuMsOf = (pid: number) => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
    };
    /** wrk on a target, with the CPU time its server process spent per answered request. */
    const pidOf: Record<Target, number> = {
      rest: keel.proc.pid!,
      trpc: keel.proc.pid!,
      baseRest: baseline?.proc.pid ?? 0,
      baseTrpc: baseline?.proc.pid ?? 0,
      floor: floor.proc.pid!,
    };
    const measured = async (name: Target, connections: number): Promise<WrkResult & { cpuMs: number }> => {
      const before = cpuMsOf(pidOf[name]);
      const result = await wrk(targets[name]!, token, connections, seconds);
      const cpuMs = (cpuMsOf(pidOf[name]) - before) / Math.max(1, result.rps * seconds);
      return { ...result, cpuMs };
    };

    // Warm up (JIT, pools) before measuring.
    for (const url of Object.values(targets)) await wrk(url, token, 8, 2);

    const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
    for (const connections of connectionCounts) {
      const rounds = Object.fromEntries(names.map((name) => [name, []])) as unknown as Record<
        Target,
        (WrkResult & { cpuMs: number })[]
      >;
      const tps: Record<'prepared' | 'simple', number[]> = { prepared: [], simple: [] };
      const [{ used }] = (await pg.unsafe(
        'select count(*)::int as used from pg_stat_activity',
      )) as unknown as [{ used: number }];
      // Leave room for Keel's and the floor's pools and maintenance connections.
      const clients = Math.min(connections, maxConnections - used - 5);
      for (let r = 0; r < repeat; r++) {
        for (const name of names) rounds[name].push(await measured(name, connections));
        if (values.pgbench)
          for (const mode of ['prepared', 'simple'] as const)
            tps[mode].push(await pgbench(database.url, script, mode, clients, seconds));
      }
      const summary = (name: Target) => {
        const rs = rounds[name];
        return {
          rps: median(rs.map((x) => x.rps)),
          p50: median(rs.map((x) => x.p50)),
          p99: median(rs.map((x) => x.p99)),
          cpuMs: median(rs.map((x) => x.cpuMs)),
          bad: rs.reduce((sum, x) => sum + x.non2xx + x.errors, 0),
          all: rs.map((x) => x.rps.toFixed(0)).join('/'),
        };
      };
      const rest = summary('rest');
      const trpc = summary('trpc');
      const fl = summary('floor');
      const prepared = median(tps.prepared);
      const simple = median(tps.simple);
      const line = (label: string, x: ReturnType<typeof summary>) =>
        `    ${label.padEnd(22)} ${x.rps.toFixed(0).padStart(6)} req/s  p50 ${fmt(x.p50).padStart(9)}  p99 ${fmt(x.p99).padStart(9)}  CPU ${x.cpuMs.toFixed(2)} ms/req` +
        `  non-2xx/errors ${x.bad}  (rounds ${x.all})`;
      const goal = (ratio: number, p99: number) =>
        `${ratio.toFixed(2)}× the floor (goal ≥ 0.8: ${ratio >= 0.8 ? 'met' : 'not met'})` +
        (connections === 32 ? `, p99 goal < 50 ms: ${p99 < 50 ? 'met' : 'not met'}` : '');
      process.stdout.write(
        [
          `  ${connections} connections`,
          line('Keel REST', rest),
          line('Keel tRPC', trpc),
          ...(baseline
            ? [line('baseline REST', summary('baseRest')), line('baseline tRPC', summary('baseTrpc'))]
            : []),
          line('floor', fl),
          ...(baseline
            ? [
                `    CPU per request, baseline/this: REST ${(summary('baseRest').cpuMs / rest.cpuMs).toFixed(2)}×, tRPC ${(summary('baseTrpc').cpuMs / trpc.cpuMs).toFixed(2)}×`,
              ]
            : []),
          `    pgbench -M prepared    ${prepared.toFixed(0).padStart(6)} tps; -M simple ${simple.toFixed(0)} tps  (-c ${clients} -j ${Math.min(clients, cpus().length)} -T ${seconds}${clients < connections ? `; clients capped by max_connections ${maxConnections}` : ''})`,
          `    REST ${goal(rest.rps / fl.rps, rest.p99)}; tRPC ${goal(trpc.rps / fl.rps, trpc.p99)}`,
          `    CPU per request, floor/Keel (a busy machine stretches wall time, not this): REST ${(fl.cpuMs / rest.cpuMs).toFixed(2)}×, tRPC ${(fl.cpuMs / trpc.cpuMs).toFixed(2)}×`,
          `    floor/pgbench: ${(fl.rps / prepared).toFixed(2)}× prepared, ${(fl.rps / simple).toFixed(2)}× simple`,
          '',
        ]
          .filter((text) => values.pgbench || !/pgbench/.test(text))
          .join('\n'),
      );
    }
    await pg.end();
    process.stdout.write(
      `  SQL of one request, as run by pgbench and the floor:\n${statements.map((r) => `    ${r.query.replace(/\s+/g, ' ').slice(0, 150)}…`).join('\n')}\n`,
    );
    floor.proc.kill('SIGTERM');
    baseline?.proc.kill('SIGTERM');
    if (!dashboardCount) return;

    const keelBefore = cpuMsOf(keel.proc.pid!);
    const dash = await dashboards(
      new URL(`${keel.base}/api/servers`),
      dashboardTokens,
      pollIntervalMs,
      pollDurationMs,
    );
    const keelCpu = (cpuMsOf(keel.proc.pid!) - keelBefore) / Math.max(1, dash.histogram.count);
    const p99 = dash.histogram.percentile(99);
    process.stdout.write(
      `  ${dashboardCount} dashboards (each its own user with ${dashboardServers} servers and its own connection) polling ` +
        `GET /api/servers every ${pollIntervalMs / 1000} s for ${pollDurationMs / 1000} s, open loop, If-None-Match with the last ETag: ` +
        `${dash.requests} requests (offered ${((dashboardCount * 1000) / pollIntervalMs).toFixed(0)} req/s; all answered after ${dash.seconds.toFixed(1)} s), ` +
        `${dash.notModified} answered 304; latency from the scheduled time p50 ${fmt(dash.histogram.percentile(50))}, ` +
        `p99 ${fmt(p99)}, errors ${dash.errors}; Keel CPU ${keelCpu.toFixed(2)} ms per poll` +
        ` (goal p99 < 100 ms and 0 errors: ${p99 < 100 && dash.errors === 0 ? 'met' : 'not met'})\n`,
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(scriptDir, { recursive: true, force: true });
    await database.drop();
  }
}

await main();
