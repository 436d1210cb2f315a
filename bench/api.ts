/**
 * `pnpm bench:api [--servers 50] [--connections 32,128] [--duration 10] [--dashboards 1000]
 *                 [--poll-interval 2] [--poll-duration 20] [--dashboard-servers 50]`
 *
 * How fast Keel serves `GET /api/servers`, against the physical limit of the same SQL on the same
 * PostgreSQL:
 *  1. Keel runs in a child process (`node --import tsx src/server/main.ts`, LOG_LEVEL=warn, no worker)
 *     on a fresh database holding one user with N servers.
 *  2. A closed-loop load generator (one request at a time per keep-alive connection, for a fixed time)
 *     measures req/s, p50 and p99 at each connection count.
 *  3. The SQL that request runs (captured from Keel's own code path: the token's user lookup, then the
 *     list) goes through `pgbench -f` at the same client count: the limit Keel cannot beat.
 *  4. 1,000 dashboards, each its own user and keep-alive connection, poll every 2 s, open loop
 *     (each poll fires on schedule whether or not the last one answered; latency counts from the
 *     scheduled time, so a slow server cannot hide its queue).
 * Prints figures; asserts nothing.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { LoginThrottle } from '../src/server/auth/login-throttle.ts';
import { hashPassword } from '../src/server/auth/password.ts';
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
    dashboards: { type: 'string', default: '1000' },
    'poll-interval': { type: 'string', default: '2' },
    'poll-duration': { type: 'string', default: '20' },
    'dashboard-servers': { type: 'string', default: '50' },
    /** Extra node flags for Keel's process, e.g. --keel-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof". */
    'keel-node-args': { type: 'string', default: '' },
  },
});
const serverCount = Number(values.servers);
const connectionCounts = values.connections.split(',').map(Number);
const durationMs = Number(values.duration) * 1000;
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

function get(agent: http.Agent, url: URL, token: string, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        agent,
        headers: { authorization: `Bearer ${token}` },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
  });
}

/** N connections, each sending its next request as soon as the last answered, for `ms`. */
async function closedLoop(url: URL, token: string, connections: number, ms: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const histogram = new Histogram();
  let errors = 0;
  const started = performance.now();
  const end = started + ms;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const status = await get(agent, url, token);
        if (status === 200) histogram.record(performance.now() - t);
        else errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { histogram, requests: histogram.count + errors, errors, seconds };
}

/** Each dashboard polls on its own schedule on its own connection; latency counts from the schedule. */
async function dashboards(url: URL, tokens: string[], intervalMs: number, ms: number): Promise<LoadResult> {
  const histogram = new Histogram();
  let errors = 0;
  let requests = 0;
  const started = performance.now();
  await Promise.all(
    tokens.map(async (token, i) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const polls: Promise<void>[] = [];
      // Spread the first polls over one interval, as dashboards opened at random moments would be.
      const offset = (i / tokens.length) * intervalMs;
      for (let due = started + offset; due < started + ms; due += intervalMs) {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        requests++;
        polls.push(
          get(agent, url, token, 10_000).then((status) => {
            if (status === 200) histogram.record(performance.now() - due);
            else errors++;
          }),
        );
      }
      await Promise.all(polls);
      agent.destroy();
    }),
  );
  return { histogram, requests, errors, seconds: (performance.now() - started) / 1000 };
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

interface PgbenchResult {
  clients: number;
  tps: number;
  histogram: Histogram;
}

async function pgbench(
  url: string,
  script: string,
  clients: number,
  seconds: number,
): Promise<PgbenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pgbench-'));
  try {
    const u = new URL(url);
    const { stdout } = await run(
      'pgbench',
      [
        '-n',
        '-M',
        'prepared',
        '-f',
        script,
        '-c',
        String(clients),
        '-j',
        String(Math.min(clients, cpus().length)),
        '-T',
        String(seconds),
        '-l',
        '--log-prefix',
        join(dir, 'tx'),
        '-h',
        u.hostname,
        '-p',
        u.port || '5432',
        '-U',
        decodeURIComponent(u.username) || 'postgres',
        u.pathname.slice(1),
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1] ?? NaN);
    const histogram = new Histogram();
    for (const file of readdirSync(dir)) {
      for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
        const latencyUs = Number(line.split(' ')[2]);
        if (line && Number.isFinite(latencyUs)) histogram.record(latencyUs / 1000);
      }
    }
    return { clients, tps, histogram };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// -- setup -------------------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function startKeel(databaseUrl: string): Promise<{ proc: ChildProcess; base: string }> {
  const port = await freePort();
  const nodeArgs = values['keel-node-args'].split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/server/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: jwtSecret,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-api-keel-')),
      LOG_LEVEL: 'warn',
      WORKER: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`Keel exited with ${proc.exitCode}`);
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { proc, base };
    if (Date.now() > deadline) throw new Error('Keel did not become ready within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

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
  const database = await createTestDatabase('keel_bench_api');
  const db = database.handle.db;
  let keel: ChildProcess | undefined;
  process.on('exit', () => keel?.kill('SIGKILL'));
  try {
    await seedSimulatorCatalog(db);
    const [plan] = await db.select().from(schema.plans).limit(1);
    const [image] = await db.select().from(schema.images).limit(1);
    const [location] = await db.select().from(schema.locations).limit(1);
    const catalog = { plan: plan!, imageId: image!.id, locationId: location!.id };
    const password = 'bench-password-123';
    const [user] = await db
      .insert(schema.users)
      .values({ email: 'bench@example.com', passwordHash: await hashPassword(password) })
      .returning();
    await db.insert(schema.servers).values(serverRows(user!.id, serverCount, catalog, 0));

    // Dashboard users sign no passwords in: their tokens are minted with the server's secret.
    const dashboardUsers = await db
      .insert(schema.users)
      .values(
        Array.from({ length: dashboardCount }, (_, i) => ({
          email: `dash-${i}@example.com`,
          passwordHash: '$disabled$',
        })),
      )
      .returning({ id: schema.users.id });
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

    // The exact SQL of GET /api/servers, captured by running Keel's own procedure on a recording client.
    const recorded: { query: string; parameters: unknown[] }[] = [];
    const recordingClient = postgres(database.url, {
      max: 1,
      onnotice: () => {},
      connection: { TimeZone: 'UTC' },
      debug: (_conn, query, parameters) => recorded.push({ query, parameters: parameters as unknown[] }),
    });
    const token0 = await signAccessToken(secret, { sub: user!.id, role: 'customer' });
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
          authorization: `Bearer ${token0}`,
          cookies: { get: () => undefined, set: () => {}, clear: () => {} },
          crossSite: false,
        },
      ),
    );
    const listed = await caller.servers.list({ limit: 100 });
    await recordingClient.end();
    // postgres.js reads the array types once per connection; that is not the request's SQL.
    const statements = recorded.filter((r) => !r.query.includes('pg_catalog.pg_type'));
    if (listed.servers.length !== serverCount)
      throw new Error(`expected ${serverCount} servers, got ${listed.servers.length}`);
    const scriptDir = mkdtempSync(join(tmpdir(), 'bench-api-sql-'));
    const script = join(scriptDir, 'list-servers.sql');
    writeFileSync(
      script,
      statements.map((r) => `${inline(r.query, r.parameters).replace(/\s+/g, ' ')};`).join('\n') + '\n',
    );

    const started = await startKeel(database.url);
    keel = started.proc;
    const login = await fetch(`${started.base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench@example.com', password }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const url = new URL(`${started.base}/api/servers`);
    const probe = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
    const bytes = (await probe.arrayBuffer()).byteLength;

    const pg = postgres(database.url, { max: 1, onnotice: () => {} });
    const [{ max_connections: maxConnections, version }] = (await pg.unsafe(
      "select current_setting('max_connections')::int as max_connections, current_setting('server_version') as version",
    )) as unknown as [{ max_connections: number; version: string }];
    const hasPgbench = await run('pgbench', ['--version']).then(
      () => true,
      () => false,
    );

    const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
    const lines: string[] = [
      `bench:api  ${new Date().toISOString()}  ${cpus().length}× ${cpus()[0]?.model.trim()}  node ${process.version}  PostgreSQL ${version}`,
      `  GET /api/servers for a user with ${serverCount} servers (${(bytes / 1024).toFixed(1)} KB JSON); Keel in its own process, ` +
        `closed loop ${durationMs / 1000} s per level; SQL per request: ${statements.length} statements (the token's user, then the list)`,
    ];
    process.stdout.write(lines.join('\n') + '\n');

    // Warm up Keel (JIT, pool) before measuring.
    await closedLoop(url, accessToken, 8, 2000);
    const clockTicks = Number((await run('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
    /** CPU time (user + system) a process has used so far, in ms, from /proc. */
    const cpuMsOf = (pid: number) => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
    };
    const keelPid = keel.pid!;
    const measure = async <T extends LoadResult>(work: () => Promise<T>) => {
      const keelBefore = cpuMsOf(keelPid);
      const selfBefore = process.cpuUsage();
      const result = await work();
      const self = process.cpuUsage(selfBefore);
      const served = Math.max(1, result.histogram.count);
      return {
        result,
        cpu: `CPU per request: Keel ${((cpuMsOf(keelPid) - keelBefore) / served).toFixed(2)} ms, load generator ${((self.user + self.system) / 1000 / served).toFixed(2)} ms`,
      };
    };

    for (const connections of connectionCounts) {
      const { result: keelResult, cpu } = await measure(() =>
        closedLoop(url, accessToken, connections, durationMs),
      );
      const keelRps = keelResult.histogram.count / keelResult.seconds;
      const keelP99 = keelResult.histogram.percentile(99);
      process.stdout.write(
        `  ${String(connections).padStart(4)} connections  Keel:    ${keelRps.toFixed(0)} req/s, p50 ${fmt(keelResult.histogram.percentile(50))}, ` +
          `p99 ${fmt(keelP99)}, errors ${keelResult.errors}/${keelResult.requests}; ${cpu}\n`,
      );
      if (!hasPgbench) {
        process.stdout.write('                     pgbench not found on PATH: no limit measured\n');
        continue;
      }
      // Leave room for Keel's own pool and maintenance connections.
      const [{ used }] = (await pg.unsafe(
        'select count(*)::int as used from pg_stat_activity',
      )) as unknown as [{ used: number }];
      const clients = Math.min(connections, maxConnections - used - 5);
      const limit = await pgbench(database.url, script, clients, durationMs / 1000);
      const ratio = keelRps / limit.tps;
      process.stdout.write(
        `                     pgbench: ${limit.tps.toFixed(0)} tps, p50 ${fmt(limit.histogram.percentile(50))}, ` +
          `p99 ${fmt(limit.histogram.percentile(99))}  (pgbench -n -M prepared -f list-servers.sql -c ${clients} -T ${durationMs / 1000}` +
          `${clients < connections ? `; clients capped by max_connections ${maxConnections}` : ''})\n` +
          `                     ratio ${ratio.toFixed(2)}× the limit (goal ≥ 0.5: ${ratio >= 0.5 ? 'met' : 'not met'})` +
          `${connections >= 128 ? `; p99 goal < 25 ms: ${keelP99 < 25 ? 'met' : 'not met'}` : ''}\n`,
      );
    }
    await pg.end();
    process.stdout.write(
      `  SQL of one request, as run by pgbench:\n${statements.map((r) => `    ${r.query.replace(/\s+/g, ' ').slice(0, 150)}…`).join('\n')}\n`,
    );

    const { result: dash, cpu: dashCpu } = await measure(() =>
      dashboards(url, dashboardTokens, pollIntervalMs, pollDurationMs),
    );
    process.stdout.write(
      `  ${dashboardCount} dashboards (each its own user with ${dashboardServers} servers and its own connection) polling every ` +
        `${pollIntervalMs / 1000} s for ${pollDurationMs / 1000} s, open loop: ${dash.requests} requests ` +
        `(offered ${((dashboardCount * 1000) / pollIntervalMs).toFixed(0)} req/s; all answered after ${dash.seconds.toFixed(1)} s), ` +
        `latency from the scheduled time p50 ${fmt(dash.histogram.percentile(50))}, ` +
        `p99 ${fmt(dash.histogram.percentile(99))}, errors ${dash.errors} (${((dash.errors / dash.requests) * 100).toFixed(2)} %); ${dashCpu}\n`,
    );
    rmSync(scriptDir, { recursive: true, force: true });
  } finally {
    keel?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await database.drop();
  }
}

await main();
