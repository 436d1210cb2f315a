/**
 * GET /api/servers/:id/usage: PVE's rrddata (cf=AVERAGE) through Keel, for each timeframe, against
 * the simulator (RRD.pm's PVE 9 resolutions, figures from the VM's power history).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servers } from '../../src/server/db/schema.ts';
import { createLogger } from '../../src/server/logger.ts';
import type { PveClient } from '../../src/server/pve/client.ts';
import { startWorker, type Worker } from '../../src/server/worker/worker.ts';
import { startPveSim, type PveSim } from '../../testbed/pve/index.ts';
import { api, startTestApp, type TestApp } from '../helpers/app.ts';
import { fastTimings, orderServer, pveClientFor, waitForServer } from '../helpers/orchestration.ts';

let sim: PveSim;
let pve: PveClient;
let app: TestApp;
let worker: Worker;
let token: string;
/** A server whose VM has run for a day (imported into the simulator, as adopted servers are). */
let serverId: string;
/** A server ordered just now. */
let freshId: string;

beforeAll(async () => {
  sim = await startPveSim({
    port: 0,
    speed: 100,
    vms: [
      { vmid: 700, node: 'pve1', name: 'old-1', cores: 2, memoryMb: 2048, diskGb: 20, status: 'running' },
    ],
  });
  pve = pveClientFor(sim);
  app = await startTestApp({ pve });
  worker = await startWorker({
    database: app.database.handle,
    pve,
    log: createLogger('silent'),
    timings: fastTimings,
    reconcile: false,
  });
  const user = await app.createUser();
  token = (await app.login(user.email, user.password)).accessToken;
  const [old] = await app.db
    .insert(servers)
    .values({
      userId: user.id,
      name: 'old-1',
      status: 'running',
      cpuCores: 2,
      memoryMb: 2048,
      diskGb: 20,
      pveNode: 'pve1',
      pveVmid: 700,
    })
    .returning({ id: servers.id });
  serverId = old!.id;
  const ordered = await orderServer({ app, token }, 'usage-1');
  await waitForServer({ app, token }, ordered.id, (s) => s.status === 'running', 60_000);
  freshId = ordered.id;
}, 120_000);
afterAll(async () => {
  await worker?.stop(2000);
  await app?.close();
  pve?.close();
  await sim?.stop();
});

const usage = (timeframe: string, as = token, id = serverId) =>
  api(app.baseUrl, 'GET', `/api/servers/${id}/usage?timeframe=${timeframe}`, { token: as });

describe('GET /api/servers/:id/usage', () => {
  it.each([
    ['hour', 60, 60],
    ['day', 60, 1440],
    ['week', 1800, 336],
    ['month', 1800, 1440],
  ])('%s: a point every %i s, %i of them, oldest first, ending now', async (timeframe, step, count) => {
    const res = await usage(timeframe);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ timeframe, stepSeconds: step });
    const points = res.body.points as any[];
    expect(points).toHaveLength(count);
    const times = points.map((p) => Date.parse(p.time));
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(step * 1000);
    expect(Date.now() - times.at(-1)!).toBeLessThan(3 * step * 1000);
    expect(Object.keys(points[0]).sort()).toEqual(
      [
        'time',
        'cpu',
        'memoryBytes',
        'memoryTotalBytes',
        'netInBytesPerSecond',
        'netOutBytesPerSecond',
        'diskReadBytesPerSecond',
        'diskWriteBytesPerSecond',
      ].sort(),
    );
  });

  it('gives plausible figures that vary over time, the same on every call', async () => {
    const [first, again] = [await usage('day'), await usage('day')];
    // The VM is a day old: its first minute or two of the day may have no sample yet.
    const points = (first.body.points as any[]).filter((p) => p.cpu !== null);
    expect(points.length).toBeGreaterThan(1400);
    // The same bucket gives the same figures (a call may straddle a minute boundary: compare by time).
    const byTime = new Map((again.body.points as any[]).map((p) => [p.time, p]));
    const shared = points.filter((p) => byTime.has(p.time));
    expect(shared.length).toBeGreaterThan(1400);
    for (const p of shared) expect(byTime.get(p.time)).toEqual(p);
    for (const p of points) {
      expect(p.cpu).toBeGreaterThan(0);
      expect(p.cpu).toBeLessThanOrEqual(1);
      expect(p.memoryBytes).toBeGreaterThan(0);
      expect(p.memoryBytes).toBeLessThan(p.memoryTotalBytes);
      for (const k of [
        'netInBytesPerSecond',
        'netOutBytesPerSecond',
        'diskReadBytesPerSecond',
        'diskWriteBytesPerSecond',
      ])
        expect(p[k]).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(points.map((p) => p.cpu)).size).toBeGreaterThan(100);
    // A daily curve: the busiest hour is well above the quietest.
    const cpu = points.map((p) => p.cpu as number);
    expect(Math.max(...cpu)).toBeGreaterThan(2 * Math.min(...cpu));
  });

  it('has no figures from before the VM existed (null), and figures since', async () => {
    const week = (await usage('week')).body.points as any[];
    // The imported VM is a day old: of a week, the first days are empty, the last day is not.
    const dayAgo = Date.now() - 86_400_000;
    const older = week.filter((p) => Date.parse(p.time) + 1_800_000 <= dayAgo - 3_600_000);
    const newer = week.filter((p) => Date.parse(p.time) >= dayAgo + 3_600_000);
    expect(older.length).toBeGreaterThan(200);
    expect(newer.length).toBeGreaterThan(40);
    for (const p of older) expect([p.cpu, p.memoryBytes, p.netInBytesPerSecond]).toEqual([null, null, null]);
    for (const p of newer) expect(p.cpu).toBeGreaterThan(0);
    // The server ordered a moment ago: its hour is empty but for the last minutes.
    const fresh = (await usage('hour', token, freshId)).body.points as any[];
    expect(fresh).toHaveLength(60);
    expect(fresh.filter((p) => p.cpu === null).length).toBeGreaterThan(55);
  });

  it('refuses a bad timeframe naming the field, and another customer’s server with 404', async () => {
    for (const query of ['year', 'decade', ''])
      expect((await usage(query)).body.error).toMatchObject({
        code: 'VALIDATION_FAILED',
        fields: { timeframe: expect.any(String) },
      });
    const other = await app.createUser();
    const { accessToken } = await app.login(other.email, other.password);
    expect((await usage('hour', accessToken)).status).toBe(404);
    expect((await usage('hour', token, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});
