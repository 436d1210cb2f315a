/**
 * GET /metrics: behind METRICS_TOKEN (404 without one), in Prometheus text format as a Prometheus
 * parser reads it, counting what this test did: requests by route template, failed sign-ins, the
 * queue, reconciliation drift. A `pnpm worker` process on the same database serves its own /metrics
 * on WORKER_METRICS_PORT, with the jobs it ran and its PVE calls by endpoint template.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverJobs, servers } from '../../src/server/db/schema.ts';
import { createLogger } from '../../src/server/logger.ts';
import { reconcileOnce } from '../../src/server/worker/reconcile.ts';
import { startPveSim, type PveSim } from '../../testbed/pve/index.ts';
import { api, startTestApp, type TestApp } from '../helpers/app.ts';
import { orderServer, pveClientFor, waitForServer } from '../helpers/orchestration.ts';
import { readScrape, type Scrape } from '../helpers/prometheus.ts';

const root = new URL('../..', import.meta.url).pathname;
const metricsToken = `scrape-${randomUUID()}`;
const requests = 'keel_http_request_duration_seconds';

let app: TestApp;
let sim: PveSim;
let token: string;
let worker: { proc: ChildProcess; output: () => string } | null = null;

async function scrape(baseUrl = app.baseUrl, bearer = metricsToken): Promise<Scrape & { text: string }> {
  const res = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${bearer}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { ...readScrape(text), text };
}

function spawnWorker(): { proc: ChildProcess; output: () => string } {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server/worker/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: app.database.url,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'keel-metrics-worker-')),
      PVE_URL: sim.url,
      PVE_TOKEN_ID: sim.tokenId,
      PVE_TOKEN_SECRET: sim.tokenSecret,
      PVE_FINGERPRINT: sim.fingerprint ?? '',
      PVE_POLL_MS: '20',
      WORKER_TICK_MS: '100',
      HOST: '127.0.0.1',
      WORKER_METRICS_PORT: '0',
      METRICS_TOKEN: metricsToken,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  return { proc, output: () => out };
}

async function workerMetricsUrl(output: () => string): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const found = /worker metrics at (http:\/\/[\d.]+:\d+)\/metrics/.exec(output());
    if (found) return found[1]!;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the worker did not serve its metrics: ${output()}`);
}

beforeAll(async () => {
  sim = await startPveSim({ port: 0, speed: 100 });
  app = await startTestApp({ pve: pveClientFor(sim), env: { METRICS_TOKEN: metricsToken } });
  const user = await app.createUser();
  token = (await app.login(user.email, user.password)).accessToken;
});

afterAll(async () => {
  if (worker && worker.proc.exitCode === null) {
    const exited = new Promise((r) => worker!.proc.once('exit', r));
    worker.proc.kill('SIGTERM');
    await exited;
  }
  await app.close();
  await sim.stop();
});

describe('GET /metrics with METRICS_TOKEN set', () => {
  it('refuses a scrape without the token, or with another, with 401 and a Bearer challenge', async () => {
    const none = await fetch(`${app.baseUrl}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    for (const header of [`Bearer ${metricsToken}x`, `Basic ${metricsToken}`, `Bearer ${token}`]) {
      const wrong = await fetch(`${app.baseUrl}/metrics`, { headers: { authorization: header } });
      expect(wrong.status, header).toBe(401);
      expect(await wrong.text()).not.toContain('keel_');
    }
  });

  it("parses as Prometheus text and carries Node's default metrics and Keel's families", async () => {
    const { families } = await scrape();
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ])
      expect(families.has(name), name).toBe(true);
    expect(families.get(requests)?.type).toBe('HISTOGRAM');
    expect(families.get('keel_jobs')?.type).toBe('GAUGE');
    expect(families.get('keel_jobs_oldest_queued_age_seconds')?.type).toBe('GAUGE');
  });

  it('counts N requests to a route under its template, never the raw URL', async () => {
    const before = await scrape();
    const n = 7;
    for (let i = 0; i < n; i++)
      expect((await api(app.baseUrl, 'GET', '/api/catalog', { token })).status).toBe(200);
    const missing = randomUUID();
    for (let i = 0; i < 3; i++)
      expect((await api(app.baseUrl, 'GET', `/api/servers/${missing}`, { token })).status).toBe(404);
    const nowhere = `nowhere-${randomUUID()}`;
    expect((await api(app.baseUrl, 'GET', `/api/${nowhere}`, { token })).status).toBe(404);
    // Routing ignores case; the label does not take the URL's spelling.
    expect((await api(app.baseUrl, 'GET', '/API/catalog', { token })).status).toBe(200);
    const trpc = await fetch(`${app.baseUrl}/trpc/catalog.get`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(trpc.status).toBe(200);

    const after = await scrape();
    const delta = (labels: Record<string, string>) =>
      after.count(requests, labels) - before.count(requests, labels);
    expect(delta({ route: '/api/catalog', method: 'GET', status: '200' })).toBe(n + 1);
    expect(after.text).not.toContain('/API/');
    expect(delta({ route: '/api/servers/:id', method: 'GET', status: '404' })).toBe(3);
    expect(delta({ route: '(other)', method: 'GET', status: '404' })).toBe(1);
    expect(delta({ route: '/trpc/catalog.get', method: 'GET', status: '200' })).toBe(1);
    // The histogram has its buckets, and the durations add up to something.
    const catalog = { route: '/api/catalog', method: 'GET', status: '200' };
    expect(after.samples(`${requests}_bucket`, { ...catalog, le: '+Inf' })[0]?.value).toBe(
      after.count(requests, catalog),
    );
    expect(after.value(`${requests}_sum`, catalog)).toBeGreaterThan(0);
    expect(after.text).not.toContain(missing);
    expect(after.text).not.toContain(nowhere);
  });

  it('counts failed sign-ins by reason', async () => {
    const before = await scrape();
    const user = await app.createUser();
    const wrong = await api(app.baseUrl, 'POST', '/api/login', {
      body: { email: user.email, password: 'not-the-password' },
    });
    expect(wrong.status).toBe(401);
    const unknown = await api(app.baseUrl, 'POST', '/api/login', {
      body: { email: `nobody-${randomUUID()}@example.com`, password: 'whatever-it-is' },
    });
    expect(unknown.status).toBe(401);
    await app.login(user.email, user.password);
    const after = await scrape();
    const failures = (reason: string) =>
      after.value('keel_login_failures_total', { reason }) -
      before.value('keel_login_failures_total', { reason });
    expect(failures('wrong_password')).toBe(1);
    expect(failures('unknown_email')).toBe(1);
    expect(failures('disabled')).toBe(0);
  });

  it('shows the queue read from the jobs table, then the worker process shows the job it ran', async () => {
    // No worker yet: the order's job waits in the queue.
    const server = await orderServer({ app, token }, 'metrics-1.example.com');
    await app.db
      .update(serverJobs)
      .set({ runAfter: sql`now() - interval '90 seconds'` })
      .where(eq(serverJobs.serverId, server.id));
    const queued = await scrape();
    const [{ count }] = (await app.db
      .select({ count: sql<number>`count(*)::int` })
      .from(serverJobs)
      .where(eq(serverJobs.state, 'queued'))) as [{ count: number }];
    expect(count).toBe(1);
    expect(queued.value('keel_jobs', { state: 'queued' })).toBe(1);
    expect(queued.value('keel_jobs', { state: 'running' })).toBe(0);
    expect(queued.value('keel_jobs_oldest_queued_age_seconds')).toBeGreaterThanOrEqual(90);

    worker = spawnWorker();
    const workerUrl = await workerMetricsUrl(worker.output);
    const refused = await fetch(`${workerUrl}/metrics`);
    expect(refused.status).toBe(401);
    await waitForServer({ app, token }, server.id, (s) => s.status === 'running', 60_000);

    // The job finished in the worker process: its /metrics has it, and the queue is empty again.
    let ran: Scrape | null = null;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      ran = await scrape(workerUrl);
      if (ran.count('keel_job_duration_seconds', { kind: 'provision', outcome: 'done' }) >= 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(ran!.count('keel_job_duration_seconds', { kind: 'provision', outcome: 'done' })).toBe(1);
    expect(ran!.value('keel_jobs', { state: 'queued' })).toBe(0);
    expect(
      ran!.count('keel_pve_request_duration_seconds', {
        method: 'POST',
        endpoint: '/nodes/{node}/qemu/{vmid}/clone',
        result: 'ok',
      }),
    ).toBe(1);
    expect(
      ran!.count('keel_pve_request_duration_seconds', {
        method: 'GET',
        endpoint: '/nodes/{node}/tasks/{upid}/status',
      }),
    ).toBeGreaterThan(0);
    const [row] = await app.db.select().from(servers).where(eq(servers.id, server.id));
    const endpoints = ran!.samples('keel_pve_request_duration_seconds_count').map((m) => m.labels.endpoint!);
    expect(endpoints.length).toBeGreaterThan(3);
    for (const endpoint of endpoints) {
      expect(endpoint).not.toContain(String(row!.pveVmid));
      expect(endpoint).not.toContain(row!.pveNode!);
    }
    // The API process ran no job: what it shows is its own.
    const api = await scrape();
    expect(api.count('keel_job_duration_seconds', { kind: 'provision' })).toBe(0);
  });

  it('counts the drift a reconciliation pass found and corrected', async () => {
    const [running] = await app.db.select().from(servers).where(eq(servers.status, 'running'));
    expect(running).toBeDefined();
    // Keel believes the server stopped while PVE has it running.
    await app.db.update(servers).set({ status: 'stopped' }).where(eq(servers.id, running!.id));
    const before = await scrape();
    const pve = pveClientFor(sim);
    try {
      const result = await reconcileOnce(app.db, pve, createLogger('silent'));
      expect(result.corrections.map((c) => c.serverId)).toContain(running!.id);
    } finally {
      pve.close();
    }
    const after = await scrape();
    expect(
      after.value('keel_reconcile_drift_total', { found: 'running' }) -
        before.value('keel_reconcile_drift_total', { found: 'running' }),
    ).toBe(1);
    expect(
      after.count('keel_pve_request_duration_seconds', { endpoint: '/cluster/resources', result: 'ok' }),
    ).toBeGreaterThan(before.count('keel_pve_request_duration_seconds', { endpoint: '/cluster/resources' }));
  });
});

describe('docs/grafana-keel.json', () => {
  it('queries only metrics that /metrics has', async () => {
    const dashboard = readFileSync(join(root, 'docs/grafana-keel.json'), 'utf8');
    const queried = new Set(
      [...dashboard.matchAll(/\b((?:keel|nodejs|process)_[a-z0-9_]+)/g)].map((m) =>
        m[1]!.replace(/_(bucket|count|sum)$/, ''),
      ),
    );
    const { families } = await scrape();
    expect(queried.size).toBeGreaterThan(10);
    for (const name of queried) expect(families.has(name), name).toBe(true);
    const panels = (JSON.parse(dashboard) as { panels: { type: string; targets?: unknown[] }[] }).panels;
    expect(panels.filter((p) => p.type !== 'row').every((p) => (p.targets ?? []).length > 0)).toBe(true);
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  it('answers 404, as for a page that does not exist, whatever is sent', async () => {
    const off = await startTestApp();
    try {
      for (const headers of [
        {},
        { authorization: `Bearer ${metricsToken}` },
        { accept: 'text/html' },
      ] as Record<string, string>[]) {
        const res = await fetch(`${off.baseUrl}/metrics`, { headers });
        expect(res.status, JSON.stringify(headers)).toBe(404);
        const body = await res.text();
        expect(body).toContain('NOT_FOUND');
        expect(body).not.toContain('keel_');
      }
    } finally {
      await off.close();
    }
  });
});
