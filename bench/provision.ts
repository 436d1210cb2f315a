/**
 * `pnpm bench:provision [--servers 200] [--speed 20] [--nodes 9]`
 *
 * Orders N servers at once through the REST API and waits until all run. Three processes, as in a real
 * deployment: Keel (API and worker, bench/provision-keel.ts), the PVE simulator (as a cluster would be),
 * and this one, which orders, watches and measures, so that Keel's CPU time is Keel's alone. Prints the
 * makespan, the ideal makespan implied by the simulator's task times and per-node storage bandwidth for
 * the placement Keel chose, the overhead, and the CPU milliseconds per server of Keel's process and of
 * the simulator's. Asserts nothing.
 *
 * Keel runs at its shipped defaults (worker concurrency, PVE tasks per node, log level); its intervals (PVE task
 * polling, guest agent polling, the worker's tick) are divided by the simulator's speed so that a sped-up
 * cluster is watched as often, in simulated time, as a real one. It prints the settings it used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { and, eq, sql } from 'drizzle-orm';
import { loadConfig } from '../src/server/config.ts';
import { images, locations, plans, servers } from '../src/server/db/schema.ts';
import { pinnedAgent } from '../src/server/pve/transport.ts';
import { createPool } from '../src/server/services/ipam.ts';
import { createUser } from '../src/server/services/users.ts';
import { defaultTimings } from '../src/server/worker/job-context.ts';
import { DURATION, STORAGE_BANDWIDTH } from '../testbed/pve/api/context.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import type { KeelBenchSettings } from './provision-keel.ts';

const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: '200' },
    speed: { type: 'string', default: '20' },
    nodes: { type: 'string', default: '9' },
    // Keel's shipped defaults unless given: only for experiments.
    concurrency: { type: 'string' },
    'tasks-per-node': { type: 'string' },
    'copies-per-node': { type: 'string' },
    'log-level': { type: 'string' },
  },
});
const count = Number(values.servers);
const speed = Number(values.speed);
const nodeCount = Number(values.nodes);
const root = new URL('..', import.meta.url).pathname;

async function startSimProcess() {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'testbed/pve/cli.ts',
      '--port',
      '0',
      '--speed',
      String(speed),
      '--nodes',
      String(nodeCount),
      '--cert-dir',
      mkdtempSync(join(tmpdir(), 'bench-pve-')),
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (/X-Sim-Admin: \S+/.test(out)) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    proc.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  const get = (re: RegExp) => re.exec(out)![1]!;
  return {
    proc,
    url: get(/PVE_URL=(\S+)/),
    tokenId: get(/PVE_TOKEN_ID=(\S+)/),
    tokenSecret: get(/PVE_TOKEN_SECRET=(\S+)/),
    fingerprint: get(/fingerprint:\s+(\S+)/),
    adminSecret: get(/X-Sim-Admin: (\S+)/),
  };
}

/** User + system CPU milliseconds a process has used so far, from /proc (clock ticks of 10 ms). */
function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Keel (API and worker) in its own process, started as bench/provision-keel.ts describes. */
async function startKeelProcess() {
  // BENCH_KEEL_NODE_ARGS: extra node flags for Keel's process only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`.
  const nodeArgs = process.env.BENCH_KEEL_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const proc: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', 'bench/provision-keel.ts'],
    {
      cwd: root,
      // Keel's log goes where a service's would, out of the way; errors come through.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: {
        ...process.env,
        ...keelEnv,
        BENCH_SETTINGS: JSON.stringify(settings),
        BENCH_PVE: JSON.stringify({
          url: sim.url,
          tokenId: sim.tokenId,
          tokenSecret: sim.tokenSecret,
          fingerprint: sim.fingerprint,
        }),
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const found = /KEEL_PORT=(\d+)/.exec(err);
      if (found) {
        proc.stderr!.removeAllListeners('data');
        proc.stderr!.pipe(process.stderr);
        resolve(Number(found[1]));
      }
    });
    proc.once('exit', (code) => reject(new Error(`Keel exited with ${code}: ${err}`)));
  });
  return {
    proc,
    port,
    cpu: () =>
      new Promise<{ cpu: NodeJS.CpuUsage; calls: Record<string, number> }>((resolve) => {
        proc.once('message', (m) => resolve(m as { cpu: NodeJS.CpuUsage; calls: Record<string, number> }));
        proc.send('cpu');
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.send('stop');
      }),
  };
}

const sim = await startSimProcess();
// The simulator is a child process: never leave it behind, whatever happens here.
process.on('exit', () => sim.proc.kill('SIGTERM'));
const database = await createTestDatabase('keel_bench');
const db = database.handle.db;
const keelEnv = {
  DATABASE_URL: database.url,
  DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-keel-')),
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  QUOTA_MAX_SERVERS: String(count),
  QUOTA_MAX_CORES: String(count * 4),
  QUOTA_MAX_MEMORY_MB: String(count * 8192),
};
const config = loadConfig(keelEnv);
const settings: KeelBenchSettings = {
  concurrency: Number(values.concurrency ?? config.WORKER_CONCURRENCY),
  tasksPerNode: Number(values['tasks-per-node'] ?? config.PVE_TASKS_PER_NODE),
  copiesPerNode: Number(values['copies-per-node'] ?? config.PVE_COPIES_PER_NODE),
  pollMs: Math.max(1, Math.round(config.PVE_POLL_MS / speed)),
  agentPollMs: Math.max(1, Math.round(defaultTimings.agentPollMs / speed)),
  tickMs: Math.max(1, Math.round(config.WORKER_TICK_MS / speed)),
  logLevel: values['log-level'] ?? config.LOG_LEVEL,
};

// A catalogue over every node, with the per-node Debian templates (local storage, one copy per node).
const nodeNames = Array.from({ length: nodeCount }, (_, i) => `pve${i + 1}`);
const [plan] = await db
  .insert(plans)
  .values({ slug: 'bench', name: 'Bench', cpuCores: 1, memoryMb: 1024, diskGb: 10 })
  .returning();
const [image] = await db
  .insert(images)
  .values({
    slug: 'debian-12',
    name: 'Debian 12',
    pveTemplates: Object.fromEntries(nodeNames.map((n, i) => [n, 9001 + 100 * i])),
  })
  .returning();
const [location] = await db
  .insert(locations)
  .values({ slug: 'bench', name: 'Bench', pveNodes: nodeNames })
  .returning();
await db.transaction((tx) =>
  createPool(tx, {
    locationId: location!.id,
    cidr: '10.60.0.0/16',
    gateway: '10.60.0.1',
    rangeStart: '10.60.0.10',
    rangeEnd: '10.60.7.250',
    dns: ['1.1.1.1'],
  }),
);
const user = await createUser(db, { email: 'bench@example.com', password: 'bench-password-123' });

const keel = await startKeelProcess();
process.on('exit', () => keel.proc.kill('SIGTERM'));
const base = `http://127.0.0.1:${keel.port}`;
const login = await fetch(`${base}/api/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: user.email, password: 'bench-password-123' }),
});
const { accessToken } = (await login.json()) as { accessToken: string };
const keelCpuBefore = await keel.cpu();
const simCpuBefore = procCpuMs(sim.proc.pid!);
const started = performance.now();
const responses = await Promise.all(
  Array.from({ length: count }, (_, i) =>
    fetch(`${base}/api/servers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({
        name: `bench-${i}`,
        planId: plan!.id,
        imageId: image!.id,
        locationId: location!.id,
      }),
    }).then((r) => r.status),
  ),
);
const accepted = responses.filter((s) => s === 202).length;
let running = 0;
let failed = 0;
while (running + failed < accepted) {
  // The bench's own process: its polling is not counted as Keel's.
  await new Promise((r) => setTimeout(r, 100));
  const [row] = await db
    .select({
      running: sql<number>`count(*) filter (where ${servers.status} = 'running')::int`,
      failed: sql<number>`count(*) filter (where ${servers.status} = 'error')::int`,
    })
    .from(servers)
    .where(and(eq(servers.userId, user.id)));
  running = row!.running;
  failed = row!.failed;
}
const makespanMs = performance.now() - started;
const keelCpuAfter = await keel.cpu();
const simCpuMs = procCpuMs(sim.proc.pid!) - simCpuBefore;
const keelCpuMs =
  (keelCpuAfter.cpu.user - keelCpuBefore.cpu.user + keelCpuAfter.cpu.system - keelCpuBefore.cpu.system) /
  1000;
const pveCalls = Object.entries(keelCpuAfter.calls)
  .map(([call, n]) => [call, n - (keelCpuBefore.calls[call] ?? 0)] as const)
  .filter(([, n]) => n > 0)
  .sort((a, b) => b[1] - a[1]);
const pveCallCount = pveCalls.reduce((sum, [, n]) => sum + n, 0);

// The ideal: every clone on a node starts at once and shares the node's storage bandwidth (the copy
// work is conserved), then each server resizes, boots, and waits for the guest's network.
const placed = await db
  .select({ node: servers.pveNode, n: sql<number>`count(*)::int` })
  .from(servers)
  .groupBy(servers.pveNode);
const busiest = Math.max(...placed.map((p) => p.n));
const state = await new Promise<{ vms: Record<string, { config: Record<string, unknown> }> }>(
  (resolve, reject) => {
    https
      .get(
        `${sim.url}/_sim/state`,
        { agent: pinnedAgent(sim.fingerprint), headers: { 'X-Sim-Admin': sim.adminSecret } },
        (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve((JSON.parse(body) as { data: never }).data));
        },
      )
      .on('error', reject);
  },
);
const [, amount, unit] = /size=(\d+(?:\.\d+)?)([KMGT]?)/.exec(String(state.vms['9001']!.config.scsi0))!;
const templateBytes = Number(amount) * ({ K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[unit as 'K'] ?? 1);
const chainSimMs =
  DURATION.cloneWorkerStart +
  DURATION.cloneSetup +
  DURATION.resize +
  DURATION.start +
  DURATION.networkAfterStart;
const idealMs = (chainSimMs + (busiest * templateBytes * 1000) / STORAGE_BANDWIDTH) / speed;
const evenMs =
  (chainSimMs + (Math.ceil(accepted / nodeCount) * templateBytes * 1000) / STORAGE_BANDWIDTH) / speed;

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
process.stdout.write(
  [
    `bench:provision  ${new Date().toISOString()}  servers=${count} speed=${speed} nodes=${nodeCount}`,
    `  settings                  WORKER_CONCURRENCY=${settings.concurrency} PVE_TASKS_PER_NODE=${settings.tasksPerNode}` +
      ` PVE_COPIES_PER_NODE=${settings.copiesPerNode} LOG_LEVEL=${settings.logLevel}` +
      `${values.concurrency || values['tasks-per-node'] || values['copies-per-node'] || values['log-level'] ? ' (overridden)' : ' (shipped defaults)'}; ` +
      `PVE_POLL_MS=${settings.pollMs} agent poll ${settings.agentPollMs} ms, WORKER_TICK_MS=${settings.tickMs} (defaults / speed)`,
    `  accepted (202)            ${accepted}/${count}; running ${running}, error ${failed}`,
    `  placement                 busiest node ${busiest} servers; ${placed.map((p) => `${p.node}:${p.n}`).join(' ')}`,
    `  makespan                  ${fmt(makespanMs)}  (${fmt(makespanMs * speed)} simulated)`,
    `  ideal makespan            ${fmt(idealMs)}  for this placement (${fmt(evenMs)} for a perfectly even one)`,
    `  overhead                  ${(((makespanMs - idealMs) / idealMs) * 100).toFixed(1)} %`,
    `  Keel CPU per server       ${(keelCpuMs / count).toFixed(2)} ms  (API + worker: Keel's own process, from the orders to the last running; PostgreSQL not included)`,
    `  PVE calls per server      ${(pveCallCount / count).toFixed(1)}  (${pveCalls
      .slice(0, 6)
      .map(([call, n]) => `${call} ${(n / count).toFixed(1)}`)
      .join(', ')})`,
    `  simulator CPU per server  ${(simCpuMs / count).toFixed(2)} ms  (the PVE simulator's process, from /proc; not Keel's)`,
  ].join('\n') + '\n',
);

await keel.stop();
await database.drop();
sim.proc.kill('SIGTERM');
