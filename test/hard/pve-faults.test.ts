/**
 * PVE faults: thirty orders and a round of power actions against a simulator that answers ~10 % of
 * calls with a 5xx, fails 5 % of tasks, has latency spikes, and hangs exactly one task (one server's
 * reboot). Every server must settle, `running`, `stopped` or `terminated`, or `error` with a reason a
 * customer can read, within a stated bound, and none may stay transitional.
 *
 * Bound: with the timings below (task timeout 4 s, 5 attempts, retry backoff from 100 ms), the worst
 * case is the hung task: 5 × 4 s of waiting plus backoff, well under the 90 s each phase is given.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/server/db/schema.ts';
import { api } from '../helpers/app.ts';
import { startStack, type Stack } from '../helpers/orchestration.ts';
import {
  guestVms,
  jobRows,
  repeated,
  seededRandom,
  sleep,
  smallUbuntuOrder,
  transitional,
  vmAccounting,
  waitUntilSettled,
} from './helpers/fleet.ts';

const orders = 30;
const perUser = 10; // the test app's default quota
const settleBoundMs = 90_000;
const seed = Number(process.env.HARD_SEED ?? Date.now() % 1_000_000);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    speed: 50,
    timings: { taskTimeoutMs: 4000, agentTimeoutMs: 5000, leaseMs: 3000, retryBaseMs: 100 },
  });
});
afterAll(async () => {
  stack.sim.sim.clearFaults();
  await stack.close();
});

const stormFaults = {
  // ~10 % of all calls: half a lock timeout (500), half an unavailable proxy (503). GETs are retried by
  // the client; writes only when PVE refused before acting, otherwise the job retries the step.
  routeErrors: [
    { path: '*', rate: 0.05, status: 500 },
    { path: '*', rate: 0.05, status: 503, message: 'proxy: upstream node not reachable' },
  ],
  // 5 % of tasks end with each task's typical failure text (lock timeouts, QEMU exiting).
  taskFailure: { rate: 0.05 },
};

/** Latency spikes: for 0.5–1 s out of every 2 s, each call waits another 200–1200 ms. */
function latencySpikes(random: () => number): { stop(): Promise<void>; count(): number } {
  let stopped = false;
  let spikes = 0;
  const loop = (async () => {
    while (!stopped) {
      await sleep(1000 + random() * 1000);
      if (stopped) break;
      stack.sim.sim.updateFaults({ latencyMs: { min: 200, max: 1200 } });
      spikes++;
      await sleep(500 + random() * 500);
      stack.sim.sim.updateFaults({ latencyMs: null });
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
    count: () => spikes,
  };
}

const retriesOf = (serverId: string) =>
  stack.app.db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(and(eq(auditEvents.kind, 'job.retry'), eq(auditEvents.serverId, serverId)));
const tasksOf = (serverId: string) =>
  stack.app.db
    .select({ message: auditEvents.message, pveUpid: auditEvents.pveUpid })
    .from(auditEvents)
    .where(and(eq(auditEvents.kind, 'pve.task'), eq(auditEvents.serverId, serverId)));

/** Waits for every server to settle; returns the rows of `ids` and how long it took. */
async function settle(ids: readonly string[]) {
  const started = Date.now();
  const rows = (await waitUntilSettled(stack.app.db, settleBoundMs)).filter((r) => ids.includes(r.id));
  return { rows, ms: Date.now() - started };
}

describe('a PVE that fails, lags and hangs', () => {
  it('retries a clone task that failed with a new clone, not by waiting on the failed one', async () => {
    const { baseUrl } = stack.app;
    const choice = await smallUbuntuOrder(baseUrl, stack.token);
    stack.sim.sim.setFaults({ taskFailure: { rate: 1, types: ['qmclone'] } });
    const res = await api(baseUrl, 'POST', '/api/servers', {
      token: stack.token,
      body: { name: 'clone-fails-once', ...choice },
    });
    expect(res.status).toBe(202);
    const id = res.body.server.id as string;
    // Let the first attempt fail, then let PVE recover.
    const deadline = Date.now() + 30_000;
    while (!(await retriesOf(id)).length) {
      if (Date.now() > deadline) throw new Error('the clone never failed');
      await sleep(20);
    }
    stack.sim.sim.clearFaults();
    const [row] = (await waitUntilSettled(stack.app.db, settleBoundMs)).filter((r) => r.id === id);
    const clones = (await tasksOf(id)).filter((t) => t.message.startsWith('clone'));
    expect([row?.status, row?.statusReason]).toEqual(['running', null]);
    expect(new Set(clones.map((t) => t.pveUpid)).size).toBe(clones.length);
    console.log(
      `pve-faults: a failed clone task → ${clones.length} clone tasks (${clones.length} distinct UPIDs), ` +
        `server ${row?.status}`,
    );
  });

  it('leaves every server settled with a reason, none transitional, within the bound', async () => {
    const random = seededRandom(seed);
    const { baseUrl } = stack.app;
    const tokens: string[] = [];
    for (let u = 0; u < orders / perUser; u++) {
      const user = await stack.app.createUser();
      tokens.push((await stack.app.login(user.email, user.password)).accessToken);
    }
    const choice = await smallUbuntuOrder(baseUrl, stack.token);
    const owner = new Map<string, string>(); // server id → its owner's token

    stack.sim.sim.setFaults(stormFaults);
    const spikes = latencySpikes(random);

    // Phase 1: thirty orders at once.
    const created = await Promise.all(
      Array.from({ length: orders }, async (_, i) => {
        const token = tokens[i % tokens.length]!;
        const res = await api(baseUrl, 'POST', '/api/servers', {
          token,
          body: { name: `storm-${i}`, ...choice },
        });
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        owner.set(res.body.server.id, token);
        return res.body.server.id as string;
      }),
    );
    const provisioned = await settle(created);

    // Phase 2: power actions on what runs; exactly one reboot, whose task hangs forever.
    stack.sim.sim.updateFaults({ taskHang: { rate: 1, types: ['qmreboot'] } });
    const runningIds = provisioned.rows.filter((r) => r.status === 'running').map((r) => r.id);
    const plan = runningIds.map((id, i) => ({
      id,
      action: i === 0 ? 'reboot' : i % 3 === 0 ? 'stop' : i % 3 === 1 ? 'shutdown' : null,
    }));
    const hungServer = runningIds[0];
    const actionResults = await Promise.all(
      plan
        .filter((p) => p.action)
        .map(async (p) => {
          const res = await api(baseUrl, 'POST', `/api/servers/${p.id}/actions`, {
            token: owner.get(p.id)!,
            body: { action: p.action },
          });
          expect(res.status, JSON.stringify(res.body)).toBe(202);
          return p;
        }),
    );
    const acted = await settle(created);

    // Phase 3: start what stopped, terminate what failed.
    const phase3 = await Promise.all(
      acted.rows
        .filter((r) => r.status === 'stopped' || r.status === 'error')
        .map(async (r) => {
          const res =
            r.status === 'stopped'
              ? await api(baseUrl, 'POST', `/api/servers/${r.id}/actions`, {
                  token: owner.get(r.id)!,
                  body: { action: 'start' },
                })
              : await api(baseUrl, 'DELETE', `/api/servers/${r.id}`, { token: owner.get(r.id)! });
          expect(res.status, JSON.stringify(res.body)).toBe(202);
          return r.status;
        }),
    );
    const finished = await settle(created);
    await spikes.stop();
    stack.sim.sim.clearFaults();

    // Every server settled; every error says why.
    const rows = finished.rows;
    expect(rows).toHaveLength(orders);
    expect(rows.filter((r) => (transitional as readonly string[]).includes(r.status))).toEqual([]);
    for (const r of [...provisioned.rows, ...acted.rows, ...rows]) {
      if (r.status === 'error') expect(r.statusReason, `${r.name}`).toMatch(/\S/);
    }
    expect(rows.every((r) => ['running', 'stopped', 'error', 'terminated'].includes(r.status))).toBe(true);

    // The hung reboot ended: its server is in error, and the timeout is what ended its attempts. The
    // storm's route errors may still fail the very last attempt's reboot call, whose error then becomes
    // the reason, so the timeout is looked for in the attempts as well as in the final reason.
    const hung = acted.rows.find((r) => r.id === hungServer);
    expect(hung?.status).toBe('error');
    const attempts = await stack.app.db
      .select({ message: auditEvents.message })
      .from(auditEvents)
      .where(and(eq(auditEvents.kind, 'job.retry'), eq(auditEvents.serverId, hungServer!)));
    expect(
      [hung?.statusReason, ...attempts.map((a) => a.message)].filter((m) =>
        /did not finish within/.test(m ?? ''),
      ),
      `reason ${hung?.statusReason}; attempts ${JSON.stringify(attempts)}`,
    ).not.toEqual([]);

    // No job left behind, and no server with two VMs. A VM without a live server is allowed only where
    // Keel told the operator it could not delete it.
    const jobs = await jobRows(stack.app.db, created);
    expect(jobs.filter((j) => j.state === 'queued' || j.state === 'running')).toEqual([]);
    const everyServer = await waitUntilSettled(stack.app.db, 0);
    const live = new Set(everyServer.filter((r) => r.status !== 'terminated').map((r) => r.id));
    const { orphans, duplicates } = vmAccounting(guestVms(stack.sim), live);
    expect(duplicates).toEqual([]);
    const reported = await stack.app.db
      .select({ data: auditEvents.data })
      .from(auditEvents)
      .where(eq(auditEvents.kind, 'provision.cleanup_failed'));
    const reportedVmids = new Set(reported.map((e) => Number((e.data as { vmid?: number }).vmid)));
    expect(orphans.filter((vm) => !reportedVmids.has(vm.vmid))).toEqual([]);
    expect(repeated(everyServer.filter((r) => live.has(r.id)).map((r) => r.ipAddress))).toEqual([]);

    const retries = await stack.app.db
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(and(eq(auditEvents.kind, 'job.retry'), inArray(auditEvents.serverId, created)));
    // A fault that passes (a lock timeout, an unreachable proxy) is retried with a new PVE call each
    // time, so with five attempts it does not end a server in error; only permanent failures (QEMU
    // refusing to start) and the hung task do.
    const failedJobs = jobs.filter((j) => j.state === 'failed');
    const passingFault = /got timeout|upstream node not reachable/;
    expect(
      failedJobs
        .filter((j) => j.serverId !== hungServer && passingFault.test(j.lastError ?? ''))
        .map((j) => [j.kind, j.attempts, j.lastError]),
    ).toEqual([]);
    const count = (list: { status: string }[], status: string) =>
      list.filter((r) => r.status === status).length;
    const reasons = [...new Set(failedJobs.map((j) => (j.lastError ?? '').slice(0, 60)))];
    const slowest = Math.max(provisioned.ms, acted.ms, finished.ms);
    console.log(
      `pve-faults: ${orders} orders → ${count(provisioned.rows, 'running')} running, ` +
        `${count(provisioned.rows, 'error')} error; ${actionResults.length} actions (1 hung reboot) → ` +
        `${count(acted.rows, 'error')} error; ${phase3.length} starts/terminations → final ` +
        `${count(rows, 'running')} running, ${count(rows, 'stopped')} stopped, ${count(rows, 'error')} error, ` +
        `${count(rows, 'terminated')} terminated; 0 transitional; every error with a reason; ` +
        `${retries.length} job retries, ${spikes.count()} latency spikes; ${orphans.length} VMs left for the ` +
        `operator (reported), 0 duplicates; phases settled in ${provisioned.ms} / ${acted.ms} / ` +
        `${finished.ms} ms (bound ${settleBoundMs} ms, slowest ${slowest} ms); seed ${seed}; ` +
        `failure reasons: ${JSON.stringify(reasons)}`,
    );
  });
});
