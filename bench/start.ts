/**
 * `pnpm bench:start [--runs 3]`
 *
 * How fast Keel starts as `pnpm start` runs it (`node dist/server/main.js`, built by `pnpm build`) and
 * what it holds in memory once started, beside the same source run through tsx (the baseline, measured
 * in the same run). Each start is on a freshly created PostgreSQL database (migrations included), with
 * the worker and the built-in PVE simulator running, as the shipped defaults have it; then once more on
 * the embedded database (PGlite) for the first-run case.
 * The first start on each database applies the migrations; the figures are the restarts after it.
 *  - ready: from spawn until GET /readyz answers 200;
 *  - RSS: the process's resident memory 3 s after ready, idle.
 * Prints medians of the runs; asserts nothing.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTestDatabase } from '../test/helpers/postgres.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
const root = new URL('..', import.meta.url).pathname;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

interface Start {
  readyMs: number;
  /** CPU time (user + system) the process used until ready: unlike wall time, not stretched by a busy machine. */
  cpuMs: number;
  rssMb: number;
}

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

async function startOnce(args: string[], databaseUrl: string | undefined, dataDir: string): Promise<Start> {
  const port = await freePort();
  const started = performance.now();
  const proc = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      JWT_SECRET: 'bench-start-secret-bench-start-secret-012345',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      PGLITE_PORT: 'off',
    },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`Keel exited with ${proc.exitCode}`);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error('Keel did not become ready within 120 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const readyMs = performance.now() - started;
    const cpuMs = cpuMsOf(proc.pid!);
    await new Promise((r) => setTimeout(r, 3000));
    return { readyMs, cpuMs, rssMb: rssMb(proc.pid!) };
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function measure(label: string, args: string[], embedded: boolean): Promise<Start> {
  // A database of its own, empty: the first start applies every migration, as a new install does;
  // the runs after it are restarts on that database, which is what "start-up time" means here.
  const database = embedded ? undefined : await createTestDatabase('keel_bench_start');
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-start-data-'));
  try {
    const url = database ? await recreate(database.url, database) : undefined;
    const first = await startOnce(args, url, dataDir);
    const results: Start[] = [];
    for (let i = 0; i < runs; i++) results.push(await startOnce(args, url, dataDir));
    const result = {
      readyMs: median(results.map((r) => r.readyMs)),
      cpuMs: median(results.map((r) => r.cpuMs)),
      rssMb: median(results.map((r) => r.rssMb)),
    };
    process.stdout.write(
      `  ${label.padEnd(48)} ready ${result.readyMs.toFixed(0).padStart(5)} ms (CPU ${result.cpuMs.toFixed(0).padStart(5)} ms), RSS ${result.rssMb.toFixed(0).padStart(4)} MB` +
        `   (restarts: ${results.map((r) => `${r.readyMs.toFixed(0)} ms/${r.rssMb.toFixed(0)} MB`).join(', ')}; ` +
        `first start with migrations: ${first.readyMs.toFixed(0)} ms)\n`,
    );
    return result;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  }
}

/** An empty database under the same name, so the start applies every migration itself. */
async function recreate(url: string, database: { handle: { close(): Promise<void> } }): Promise<string> {
  await database.handle.close();
  const { default: postgres } = await import('postgres');
  const u = new URL(url);
  const name = u.pathname.slice(1);
  const admin = postgres({ ...pgOptions(u), database: 'postgres' });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  return url;
}

function pgOptions(u: URL) {
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    username: decodeURIComponent(u.username) || 'postgres',
    max: 1,
    onnotice: () => {},
  };
}

if (!existsSync(join(root, 'dist/server/main.js'))) {
  process.stdout.write('dist/server is missing: building it (tsx scripts/build-server.ts)\n');
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-server.ts'], {
    cwd: root,
    stdio: 'inherit',
  });
}
process.stdout.write(
  `bench:start  ${new Date().toISOString()}  node ${process.version}; median of ${runs} starts each; ` +
    `shipped defaults (worker on, WORKER_CONCURRENCY default, built-in PVE simulator), NODE_ENV=production\n`,
);
const built = await measure('pnpm start (node dist/server/main.js), PG', ['dist/server/main.js'], false);
const tsx = await measure(
  'baseline: node --import tsx src/server/main.ts, PG',
  ['--import', 'tsx', 'src/server/main.ts'],
  false,
);
await measure('pnpm start, embedded PGlite', ['dist/server/main.js'], true);
process.stdout.write(
  `  compiled/tsx: ready ${(built.readyMs / tsx.readyMs).toFixed(2)}×, CPU to ready ${(built.cpuMs / tsx.cpuMs).toFixed(2)}×, RSS ${(built.rssMb / tsx.rssMb).toFixed(2)}×; ` +
    `goals on PostgreSQL: ready < 2 s ${built.readyMs < 2000 ? 'met' : 'not met'} (CPU to ready ${built.cpuMs < 2000 ? '<' : '≥'} 2 s; the wall time includes waiting for a busy machine), RSS < 150 MB ${built.rssMb < 150 ? 'met' : 'not met'}\n`,
);
