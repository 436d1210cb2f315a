/**
 * `pnpm bench:provision [--servers 200] [--speed 20] [--nodes 9]`
 *
 * Orders N servers at once through the REST API and waits until all run, against the PVE simulator in
 * its own process (so Keel's CPU time is Keel's alone). Prints the makespan, the ideal makespan implied
 * by the simulator's task times and per-node storage bandwidth for the placement Keel chose, the
 * overhead, and Keel's CPU milliseconds per server. Asserts nothing.
 *
 * Keel runs at its shipped defaults (worker concurrency, PVE tasks per node); its intervals (PVE task
 * polling, guest agent polling, the worker's tick) are divided by the simulator's speed so that a sped-up
 * cluster is watched as often, in simulated time, as a real one. It prints the settings it used.
 */
import { spawn } from 'node:child_process';
import https from 'node:https';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { and, eq, sql } from 'drizzle-orm';
import { createApp } from '../src/server/app.ts';
import { LoginThrottle } from '../src/server/auth/login-throttle.ts';
import { loadConfig } from '../src/server/config.ts';
import { images, locations, plans, servers } from '../src/server/db/schema.ts';
import { createLogger } from '../src/server/logger.ts';
import { PveClient } from '../src/server/pve/client.ts';
import { pinnedAgent } from '../src/server/pve/transport.ts';
import { createPool } from '../src/server/services/ipam.ts';
import { createUser } from '../src/server/services/users.ts';
import { defaultTimings } from '../src/server/worker/job-context.ts';
import { startWorker } from '../src/server/worker/worker.ts';
import { DURATION, STORAGE_BANDWIDTH } from '../testbed/pve/api/context.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';

const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: '200' },
    speed: { type: 'string', default: '20' },
    nodes: { type: 'string', default: '9' },
    // Keel's shipped defaults unless given: only for experiments.
    concurrency: { type: 'string' },
    'tasks-per-node': { type: 'string' },
    'copies-per-node': { type: 'string' },
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

const sim = await startSimProcess();
// The simulator is a child process: never leave it behind, whatever happens here.
process.on('exit', () => sim.proc.kill('SIGTERM'));
const database = await createTestDatabase('keel_bench');
const db = database.handle.db;
const log = createLogger('silent');
const config = loadConfig({
  DATABASE_URL: database.url,
  DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-keel-')),
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  QUOTA_MAX_SERVERS: String(count),
  QUOTA_MAX_CORES: String(count * 4),
  QUOTA_MAX_MEMORY_MB: String(count * 8192),
});
const settings = {
  concurrency: Number(values.concurrency ?? config.WORKER_CONCURRENCY),
  tasksPerNode: Number(values['tasks-per-node'] ?? config.PVE_TASKS_PER_NODE),
  copiesPerNode: Number(values['copies-per-node'] ?? config.PVE_COPIES_PER_NODE),
  pollMs: Math.max(1, Math.round(config.PVE_POLL_MS / speed)),
  agentPollMs: Math.max(1, Math.round(defaultTimings.agentPollMs / speed)),
  tickMs: Math.max(1, Math.round(config.WORKER_TICK_MS / speed)),
};
const pve = new PveClient({
  baseUrl: sim.url,
  tokenId: sim.tokenId,
  tokenSecret: sim.tokenSecret,
  fingerprint: sim.fingerprint,
  log,
  pollMs: settings.pollMs,
});

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

const app = createApp({
  db,
  database: database.handle,
  config,
  log,
  version: 'bench',
  loginThrottle: new LoginThrottle(db),
  pve,
});
const server = app.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const login = await fetch(`${base}/api/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: user.email, password: 'bench-password-123' }),
});
const { accessToken } = (await login.json()) as { accessToken: string };
const worker = await startWorker({
  database: database.handle,
  pve,
  log,
  concurrency: settings.concurrency,
  tasksPerNode: settings.tasksPerNode,
  copiesPerNode: settings.copiesPerNode,
  timings: { tickMs: settings.tickMs, agentPollMs: settings.agentPollMs, reconcileMs: 3_600_000 },
  reconcile: false,
});

const cpuBefore = process.cpuUsage();
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
  // Coarse on purpose: this loop runs in the measured process and must not add to the CPU figure.
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
const cpu = process.cpuUsage(cpuBefore);

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
      ` PVE_COPIES_PER_NODE=${settings.copiesPerNode}` +
      `${values.concurrency || values['tasks-per-node'] || values['copies-per-node'] ? ' (overridden)' : ' (shipped defaults)'}; ` +
      `PVE_POLL_MS=${settings.pollMs} agent poll ${settings.agentPollMs} ms, WORKER_TICK_MS=${settings.tickMs} (defaults / speed)`,
    `  accepted (202)            ${accepted}/${count}; running ${running}, error ${failed}`,
    `  placement                 busiest node ${busiest} servers; ${placed.map((p) => `${p.node}:${p.n}`).join(' ')}`,
    `  makespan                  ${fmt(makespanMs)}  (${fmt(makespanMs * speed)} simulated)`,
    `  ideal makespan            ${fmt(idealMs)}  for this placement (${fmt(evenMs)} for a perfectly even one)`,
    `  overhead                  ${(((makespanMs - idealMs) / idealMs) * 100).toFixed(1)} %`,
    `  Keel CPU per server       ${((cpu.user + cpu.system) / 1000 / count).toFixed(2)} ms  (API + worker, this process; PostgreSQL not included)`,
  ].join('\n') + '\n',
);

await worker.stop(1000);
server.closeAllConnections();
server.close();
pve.close();
await database.drop();
sim.proc.kill('SIGTERM');
