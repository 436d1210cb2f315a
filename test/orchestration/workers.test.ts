/**
 * Separate worker processes on one database: every job runs exactly once, and a worker killed with
 * SIGKILL mid-clone is replaced by another that finishes the job with the VM already made.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, serverJobs, servers } from '../../src/server/db/schema.ts';
import { startPveSim, type PveSim } from '../../testbed/pve/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { orderServer, waitForServer } from '../helpers/orchestration.ts';

const root = new URL('../..', import.meta.url).pathname;
let app: TestApp;
let sim: PveSim;
let token: string;
const workers: ChildProcess[] = [];

function spawnWorker(name: string): { proc: ChildProcess; output: () => string } {
  // node --import tsx, not the tsx CLI: that would be a parent process, and SIGKILL must hit the worker itself.
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server/worker/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: app.database.url,
      DATA_DIR: mkdtempSync(join(tmpdir(), `keel-${name}-`)),
      PVE_URL: sim.url,
      PVE_TOKEN_ID: sim.tokenId,
      PVE_TOKEN_SECRET: sim.tokenSecret,
      PVE_FINGERPRINT: sim.fingerprint ?? '',
      PVE_POLL_MS: '20',
      WORKER_TICK_MS: '100',
      WORKER_LEASE_MS: '1500',
      WORKER_CONCURRENCY: '4',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  workers.push(proc);
  return { proc, output: () => out };
}

async function stopWorker(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

beforeAll(async () => {
  app = await startTestApp();
  const user = await app.createUser({ email: 'many@example.com' });
  token = (await app.login(user.email, user.password)).accessToken;
});
afterAll(async () => {
  await app.close();
});
afterEach(async () => {
  for (const w of workers.splice(0)) await stopWorker(w);
  await sim.stop();
});

const keelVms = () =>
  Object.values(sim.sim.state().vms).filter((vm) => String(vm.config.description ?? '').startsWith('keel:'));

describe('worker processes', () => {
  it('share one database and run every job exactly once', async () => {
    sim = await startPveSim({ port: 0, speed: 100 });
    const a = spawnWorker('a');
    const b = spawnWorker('b');
    const stack = { app, token };
    const ordered = [];
    for (let i = 0; i < 8; i++) ordered.push(await orderServer(stack, `many-${i}`));
    for (const s of ordered)
      expect((await waitForServer(stack, s.id, (x) => x.status === 'running', 60_000)).status).toBe(
        'running',
      );

    // One VM per server, and one clone task per server; orders placed at once spread over the nodes.
    expect(keelVms()).toHaveLength(ordered.length);
    expect(new Set(keelVms().map((vm) => vm.node))).toEqual(new Set(['pve1', 'pve2']));
    for (const s of ordered) {
      const clones = await app.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.serverId, s.id), eq(auditEvents.kind, 'pve.task')));
      expect(clones.filter((e) => e.message.startsWith('clone')).length).toBe(1);
      const jobs = await app.db.select().from(serverJobs).where(eq(serverJobs.serverId, s.id));
      expect(jobs.map((j) => [j.kind, j.state, j.attempts])).toEqual([['provision', 'succeeded', 1]]);
    }
    // Both processes took part.
    expect(a.output()).toContain('job claimed');
    expect(b.output()).toContain('job claimed');
  }, 90_000);

  it('resumes a job whose worker was killed mid-clone, without a second VM', async () => {
    sim = await startPveSim({ port: 0, speed: 5 }); // a full clone takes ~2 s
    const first = spawnWorker('doomed');
    const stack = { app, token };
    const server = await orderServer(stack, 'survivor');
    // Wait until the clone is under way: the new VM exists and holds the clone lock.
    const deadline = Date.now() + 20_000;
    const cloning = async () => {
      const [row] = await app.db
        .select({ vmid: servers.pveVmid })
        .from(servers)
        .where(eq(servers.id, server.id));
      return sim.sim.state().locks.some((l) => l.vmid === row?.vmid && l.lock === 'clone');
    };
    while (!(await cloning())) {
      if (Date.now() > deadline) throw new Error(`clone never started:\n${first.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.proc.kill('SIGKILL');
    await new Promise((r) => first.proc.once('exit', r));

    spawnWorker('successor');
    const done = await waitForServer(
      stack,
      server.id,
      (x) => x.status === 'running' || x.status === 'error',
      60_000,
    );
    expect(done.status).toBe('running');
    expect(keelVms().filter((vm) => String(vm.config.description).includes(server.id))).toHaveLength(1);
    const [job] = await app.db.select().from(serverJobs).where(eq(serverJobs.serverId, server.id));
    expect(job!.attempts).toBe(2);
  }, 90_000);
});
