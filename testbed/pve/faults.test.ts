// Fault injection and inspection, through the in-process handle and the /_sim/ HTTP API.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { routeFaultFor, seededRandom, faultConfigSchema, taskFaultApplies } from './faults.ts';
import { startPveSim, type PveSim } from './index.ts';
import { pveClient, rawRequest } from './test-client.ts';

let sim: PveSim;
let pve: ReturnType<typeof pveClient>;

beforeAll(async () => {
  sim = await startPveSim({ port: 0, http: true, speed: 100, seed: 7 });
  pve = pveClient(sim);
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(() => {
  sim.sim.clearFaults();
});

describe('fault decisions (pure)', () => {
  it.each([0, 0.25, 0.5, 1])('route faults fire at rate %s within tolerance', (rate) => {
    const faults = faultConfigSchema.parse({ routeErrors: [{ path: '/version', rate }] });
    const random = seededRandom(42);
    let fired = 0;
    for (let i = 0; i < 4000; i++) if (routeFaultFor(faults, 'GET', '/version', random)) fired++;
    expect(Math.abs(fired / 4000 - rate)).toBeLessThan(0.03);
    expect(routeFaultFor(faults, 'GET', '/nodes', random)).toBeUndefined();
  });
  it('task faults honour the type filter', () => {
    const fault = { rate: 1, types: ['qmclone'] };
    expect(taskFaultApplies(fault, 'qmclone', Math.random)).toBe(true);
    expect(taskFaultApplies(fault, 'qmstart', Math.random)).toBe(false);
    expect(taskFaultApplies(null, 'qmstart', Math.random)).toBe(false);
  });
});

describe('faults over HTTP', () => {
  it('route errors fire at the configured rate with the configured status line', async () => {
    sim.sim.setFaults({
      routeErrors: [
        { method: 'GET', path: '/version', rate: 0.3, status: 596, message: 'Connection timed out' },
      ],
    });
    let failed = 0;
    for (let i = 0; i < 300; i++) {
      const res = await pve.get('/version');
      if (res.status !== 200) {
        expect([res.status, res.reason]).toEqual([596, 'Connection timed out']);
        failed++;
      }
    }
    expect(failed / 300).toBeGreaterThan(0.2);
    expect(failed / 300).toBeLessThan(0.4);
    expect((await pve.get('/nodes')).status).toBe(200);
  });

  it('task failure fault ends the task with its error text', async () => {
    sim.sim.setFaults({ taskFailure: { rate: 1, types: ['qmclone'] } });
    const res = await pve.post('/nodes/pve1/qemu/9001/clone', { newid: 600 });
    const task = await pve.waitTask(String(res.body.data));
    expect(task.exitstatus).toBe(
      "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
    );
    expect(sim.sim.vm(600)).toBeUndefined();
  });

  it('task warning fault gives WARNINGS: 1 with a WARN: line', async () => {
    sim.sim.setFaults({ taskWarning: { rate: 1, message: 'disk is almost full' } });
    const task = await pve.runTask('POST', '/nodes/pve1/qemu/9001/clone', { newid: 601 });
    expect(task.exitstatus).toBe('WARNINGS: 1');
    const log = sim.sim.task(String(task.upid))?.log ?? [];
    expect(log).toContain('WARN: disk is almost full');
  });

  it('a hung clone stays running and keeps its lock, visible in the state', async () => {
    sim.sim.setFaults({ taskHang: { rate: 1, types: ['qmclone'] } });
    const res = await pve.post('/nodes/pve1/qemu/9001/clone', { newid: 602 });
    await new Promise((r) => setTimeout(r, 200)); // 20 simulated seconds
    const status = await pve.get(`/nodes/pve1/tasks/${encodeURIComponent(String(res.body.data))}/status`);
    expect((status.body.data as Record<string, unknown>).status).toBe('running');
    expect(sim.sim.state().locks).toContainEqual({ vmid: 602, node: 'pve1', lock: 'clone' });
  });

  it('a guest that ignores ACPI: shutdown times out, forceStop terminates it', async () => {
    await pve.runTask('POST', '/nodes/pve1/qemu/9001/clone', { newid: 610 });
    await pve.runTask('POST', '/nodes/pve1/qemu/610/status/start');
    sim.sim.setFaults({ ignoreAcpi: [610] });
    expect(
      (await pve.runTask('POST', '/nodes/pve1/qemu/610/status/shutdown', { timeout: 30 })).exitstatus,
    ).toBe('VM quit/powerdown failed - got timeout');
    const forced = await pve.runTask('POST', '/nodes/pve1/qemu/610/status/shutdown', {
      timeout: 30,
      forceStop: 1,
    });
    expect(forced.exitstatus).toBe('OK');
    expect(sim.sim.task(String(forced.upid))?.log).toContain(
      'VM still running - terminating now with SIGTERM',
    );
    expect(sim.sim.vm(610)?.status).toBe('stopped');
  });

  it('an agent that never answers', async () => {
    await pve.runTask('POST', '/nodes/pve1/qemu/9001/clone', { newid: 620 });
    await pve.runTask('POST', '/nodes/pve1/qemu/620/status/start');
    sim.sim.setFaults({ agentNeverAnswers: true });
    await new Promise((r) => setTimeout(r, 150)); // past boot and cloud-init
    const res = await pve.get('/nodes/pve1/qemu/620/agent/network-get-interfaces');
    expect([res.status, res.reason]).toEqual([500, 'QEMU guest agent is not running']);
    sim.sim.clearFaults();
    expect((await pve.get('/nodes/pve1/qemu/620/agent/network-get-interfaces')).status).toBe(200);
  });

  it('latency is added to every request', async () => {
    sim.sim.setFaults({ latencyMs: { min: 60, max: 60 } });
    const started = performance.now();
    await pve.get('/version');
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });
});

describe('/_sim/ admin API', () => {
  it('is not reachable with a PVE token alone', async () => {
    const res = await rawRequest(sim.url, 'GET', '/_sim/state', {
      headers: { Authorization: `PVEAPIToken=${sim.tokenId}=${sim.tokenSecret}` },
    });
    expect(res.status).toBe(403);
  });

  it('reads state, sets and merges faults, validates them, resets', async () => {
    const admin = { 'X-Sim-Admin': sim.adminSecret };
    const state = await rawRequest(sim.url, 'GET', '/_sim/state', { headers: admin });
    expect(state.status).toBe(200);
    const data = state.body.data as { vms: Record<string, unknown>; tasks: unknown[]; locks: unknown[] };
    expect(Object.keys(data.vms)).toContain('9000');
    expect(JSON.stringify(state.body)).not.toContain(sim.tokenSecret);

    const put = await rawRequest(sim.url, 'PUT', '/_sim/faults', {
      headers: admin,
      json: { taskFailure: { rate: 0.5 } },
    });
    expect(put.body.data).toMatchObject({ taskFailure: { rate: 0.5 }, routeErrors: [] });
    const merged = await rawRequest(sim.url, 'POST', '/_sim/faults', {
      headers: admin,
      json: { ignoreAcpi: [123] },
    });
    expect(merged.body.data).toMatchObject({ taskFailure: { rate: 0.5 }, ignoreAcpi: [123] });
    expect(sim.sim.faults().ignoreAcpi).toEqual([123]);
    const invalid = await rawRequest(sim.url, 'PUT', '/_sim/faults', {
      headers: admin,
      json: { taskFailure: { rate: 2 } },
    });
    expect(invalid.status).toBe(400);

    await pve.runTask('POST', '/nodes/pve1/qemu/9001/clone', { newid: 630 }).catch(() => undefined);
    const reset = await rawRequest(sim.url, 'POST', '/_sim/reset', { headers: admin });
    expect(reset.status).toBe(200);
    expect(sim.sim.vm(630)).toBeUndefined();
    expect(sim.sim.faults().taskFailure).toBeNull();
    expect((await pve.get('/version')).status).toBe(200);
  });
});
