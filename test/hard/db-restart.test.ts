/**
 * Database restart: PostgreSQL is restarted (`pg_ctlcluster … restart`) while Keel serves a loop of API
 * requests and provisions servers. No job is lost (every server ends running, every job succeeded once),
 * the API answers again within 5 s of PostgreSQL being back, and /readyz answers 503 while it is down.
 *
 * This restarts the machine's shared PostgreSQL: run it alone (`pnpm test:hard` runs files one at a
 * time). afterAll starts the cluster again whatever happened.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSimulatorCatalog } from '../../src/server/services/catalog.ts';
import { createUser } from '../../src/server/services/users.ts';
import { startPveSim, type PveSim } from '../../testbed/pve/index.ts';
import { api } from '../helpers/app.ts';
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import {
  guestVms,
  jobRows,
  login,
  repeated,
  sleep,
  smallUbuntuOrder,
  vmAccounting,
  waitUntilSettled,
} from './helpers/fleet.ts';
import { freePort, keelEnv, spawnKeel, type KeelProcess } from './helpers/keel-process.ts';

const run = promisify(execFile);
const pgVersion = readdirSync('/etc/postgresql').sort().at(-1)!;
const pgCtl = (action: 'restart' | 'start') =>
  run('pg_ctlcluster', ['--skip-systemctl-redirect', pgVersion, 'main', action]);

const backWithinMs = 5000;
const ordersDuringRestart = 6;

let database: TestDatabase;
let sim: PveSim;
let keel: KeelProcess | undefined;

beforeAll(async () => {
  database = await createTestDatabase('keel_hard_dbrestart');
  await seedSimulatorCatalog(database.handle.db);
  sim = await startPveSim({ port: 0, speed: 50 });
  keel = spawnKeel(
    keelEnv({
      databaseUrl: database.url,
      sim,
      port: await freePort(),
      extra: { WORKER_LEASE_MS: '1500' },
    }),
  );
  await keel.ready();
});

afterAll(async () => {
  // Whatever failed, leave PostgreSQL running for everything after this file.
  await pgCtl('start').catch(() => {}); // "already running" is the usual, harmless answer
  await keel?.stop();
  await sim?.stop();
  await database?.drop();
});

interface Sample {
  sentAt: number;
  answeredAt: number;
  status: number; // 0 = no answer (network error or timeout)
}

/**
 * Records when each call was sent and answered. `every`: a new call each `gapMs` whatever the earlier
 * ones are doing, so a call that hangs does not blind the probe; otherwise back to back.
 */
function sampler(probe: () => Promise<number>, gapMs: number, mode: 'every' | 'serial' = 'serial') {
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  let stopped = false;
  const once = async () => {
    const sentAt = Date.now();
    const status = await probe().catch(() => 0);
    samples.push({ sentAt, answeredAt: Date.now(), status });
  };
  const loop = (async () => {
    while (!stopped) {
      if (mode === 'serial') {
        await once();
      } else {
        const call = once().finally(() => pending.delete(call));
        pending.add(call);
      }
      await sleep(gapMs);
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await loop;
      await Promise.all(pending);
    },
  };
}

/** PostgreSQL itself, on a fresh connection each time: 200 when it answers `select 1`. */
async function probePostgres(): Promise<number> {
  // fetch_types off: postgres.js drops the promise of its start-up type query, so a connection cut
  // during it (as a restart does) would surface as an unhandled rejection in this process.
  const sql = postgres(adminDatabaseUrl, {
    max: 1,
    connect_timeout: 1,
    fetch_types: false,
    onnotice: () => {},
  });
  try {
    await sql`select 1`;
    return 200;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

describe('PostgreSQL restarted under load', () => {
  it('loses no job, reports the outage on /readyz, and serves again within 5 s', async () => {
    const db = database.handle.db;
    const baseUrl = keel!.baseUrl;
    await createUser(db, { email: 'restart@example.com', password: 'restart-password-1' });
    const token = await login(baseUrl, 'restart@example.com', 'restart-password-1');
    const choice = await smallUbuntuOrder(baseUrl, token);
    const timed = (path: string) => async () =>
      (
        await fetch(`${baseUrl}${path}`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(15_000),
        })
      ).status;

    // Load: four API clients listing servers back to back; /readyz and PostgreSQL itself asked every
    // 10–20 ms, each on its own schedule.
    const clients = Array.from({ length: 4 }, () => sampler(timed('/api/servers'), 20));
    const readyz = sampler(timed('/readyz'), 10, 'every');
    const pg = sampler(probePostgres, 20, 'every');
    await sleep(500);

    // Provisioning jobs in flight when the database goes away.
    const ordered = await Promise.all(
      Array.from({ length: ordersDuringRestart }, async (_, i) => {
        const res = await api(baseUrl, 'POST', '/api/servers', {
          token,
          body: { name: `restart-${i}`, ...choice },
        });
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        return res.body.server.id as string;
      }),
    );
    await sleep(300);
    const inFlight = (await jobRows(db, ordered)).filter((j) => j.state !== 'succeeded').length;
    expect(inFlight, 'no provisioning job was in flight at the restart').toBeGreaterThan(0);
    const restartAt = Date.now();
    await pgCtl('restart');
    const restartReturnedAt = Date.now();
    await sleep(backWithinMs + 2000);
    await Promise.all([...clients, readyz, pg].map((s) => s.stop()));

    // The outage as PostgreSQL itself showed it: the first failed probe to the first good one after.
    const pgBySent = [...pg.samples].sort((a, b) => a.sentAt - b.sentAt);
    const firstDown = pgBySent.find((s) => s.status !== 200 && s.sentAt >= restartAt);
    expect(firstDown, 'PostgreSQL never went down').toBeDefined();
    const back = pgBySent.find((s) => s.status === 200 && s.sentAt > firstDown!.sentAt);
    expect(back, 'PostgreSQL never came back').toBeDefined();
    const downFrom = firstDown!.answeredAt;
    const backAt = back!.answeredAt;

    // /readyz while PostgreSQL restarts: 503s, and never a 200 for a check asked while it was confirmed
    // down (a 50 ms margin: a fast shutdown refuses new connections a moment before it ends the pooled
    // ones). A check asked just before, whose ping went through, may be answered a little later.
    const readyz503 = readyz.samples.filter(
      (s) => s.status === 503 && s.answeredAt >= restartAt && s.answeredAt <= backAt,
    );
    const readyz200WhileDown = readyz.samples.filter(
      (s) => s.status === 200 && s.sentAt > downFrom + 50 && s.answeredAt < back!.sentAt,
    );
    expect(readyz503.length).toBeGreaterThan(0);
    expect(readyz200WhileDown).toEqual([]);

    // The API again: first 200 after PostgreSQL is back, and nothing but 200 from 5 s after it.
    const api200 = clients
      .flatMap((c) => c.samples)
      .filter((s) => s.status === 200 && s.answeredAt >= backAt)
      .sort((a, b) => a.answeredAt - b.answeredAt);
    const apiBackMs = (api200[0]?.answeredAt ?? Infinity) - backAt;
    const readyBackMs =
      (readyz.samples.find((s) => s.status === 200 && s.answeredAt >= backAt)?.answeredAt ?? Infinity) -
      backAt;
    // What the API answered around PostgreSQL's return, should it not come back in time.
    const apiAround = clients
      .flatMap((c) => c.samples)
      .filter((s) => s.answeredAt >= backAt - 1000)
      .sort((a, b) => a.sentAt - b.sentAt)
      .slice(0, 12)
      .map((s) => `sent ${s.sentAt - backAt} ms, answered ${s.answeredAt - backAt} ms: ${s.status}`);
    expect(
      apiBackMs,
      `PostgreSQL back ${backAt - restartAt} ms after the restart began; API around then: ${apiAround.join('; ')}`,
    ).toBeLessThanOrEqual(backWithinMs);
    expect(readyBackMs).toBeLessThanOrEqual(backWithinMs);
    // And no request is left hanging: each one is answered within 5 s of PostgreSQL being back (or of
    // being sent, if later).
    const answerMs = (x: Sample) => x.answeredAt - Math.max(x.sentAt, backAt);
    const hanging = [...clients.flatMap((c) => c.samples), ...readyz.samples].filter(
      (x) => answerMs(x) > backWithinMs,
    );
    expect(hanging.map((x) => [x.sentAt - backAt, x.answeredAt - backAt, x.status])).toEqual([]);
    const late = [...clients.flatMap((c) => c.samples), ...readyz.samples].filter(
      (s) => s.sentAt >= backAt + backWithinMs && s.status !== 200,
    );
    expect(late).toEqual([]);
    const during = clients.flatMap((c) => c.samples).filter((s) => s.sentAt >= downFrom && s.sentAt < backAt);
    const statusesDuring = [...new Set(during.map((s) => s.status))].sort();

    // No job lost: every order provisioned exactly once.
    const rows = (await waitUntilSettled(db, 90_000)).filter((r) => ordered.includes(r.id));
    expect(rows.map((r) => [r.status, r.statusReason])).toEqual(ordered.map(() => ['running', null]));
    const jobs = await jobRows(db, ordered);
    expect(jobs.map((j) => [j.kind, j.state])).toEqual(ordered.map(() => ['provision', 'succeeded']));
    const { orphans, duplicates } = vmAccounting(guestVms(sim), new Set(rows.map((r) => r.id)));
    expect([orphans, duplicates]).toEqual([[], []]);
    expect(repeated(rows.map((r) => r.ipAddress))).toEqual([]);
    const resumed = jobs.filter((j) => j.attempts > 1).length;

    console.log(
      `db-restart: PostgreSQL down ${backAt - downFrom} ms (restart command ${restartReturnedAt - restartAt} ms); ` +
        `/readyz: ${readyz503.length}×503 during the restart, ${readyz200WhileDown.length}×200 while down; ` +
        `API 200 again ${apiBackMs} ms and /readyz 200 again ${readyBackMs} ms after PostgreSQL was back ` +
        `(bound ${backWithinMs} ms); API statuses during the outage ${JSON.stringify(statusesDuring)}; ` +
        `${clients.reduce((n, c) => n + c.samples.length, 0)} API requests in all, 0 failures from 5 s after; ` +
        `${rows.length}/${ordersDuringRestart} servers running, jobs succeeded once (${inFlight} in flight at ` +
        `the restart, ${resumed} resumed), 0 lost, ${orphans.length} orphans`,
    );
  });
});
