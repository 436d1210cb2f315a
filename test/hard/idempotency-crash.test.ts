/**
 * A retried order with an Idempotency-Key, across a SIGKILL of the Keel process before it answered.
 * Two moments: (a) the order's transaction has claimed the key but not committed (it waits on a lock
 * the test holds): the kill leaves nothing, and the retry after the restart does the work once; (b)
 * the order committed, but its answer never reached the client: the retry finds the stored answer.
 * Either way the customer ends with one server, running, on one VM, under the id the retry names.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKeys, servers } from '../../src/server/db/schema.ts';
import { seedSimulatorCatalog } from '../../src/server/services/catalog.ts';
import { createUser } from '../../src/server/services/users.ts';
import { startPveSim, type PveSim } from '../../testbed/pve/index.ts';
import { api } from '../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import {
  guestVms,
  login,
  sleep,
  smallUbuntuOrder,
  waitUntilSettled,
  type OrderChoice,
} from './helpers/fleet.ts';
import { freePort, keelEnv, spawnKeel, untilServing, type KeelProcess } from './helpers/keel-process.ts';

let database: TestDatabase;
let sim: PveSim;
let keel: KeelProcess | undefined;
let env: Record<string, string>;
let userId: string;
let token: string;
let choice: OrderChoice;

beforeAll(async () => {
  database = await createTestDatabase('keel_hard_idem');
  await seedSimulatorCatalog(database.handle.db);
  sim = await startPveSim({ port: 0, speed: 50 });
  env = keelEnv({ databaseUrl: database.url, sim, port: await freePort() });
  const user = await createUser(database.handle.db, {
    email: 'idem@example.com',
    password: 'idem-password-1',
  });
  userId = user.id;
  keel = spawnKeel(env);
  await keel.ready();
  token = await login(keel.baseUrl, 'idem@example.com', 'idem-password-1');
  choice = await smallUbuntuOrder(keel.baseUrl, token);
});

afterAll(async () => {
  await keel?.kill();
  await sim?.stop();
  await database?.drop();
});

async function restart(): Promise<void> {
  await keel!.kill();
  keel = spawnKeel(env);
  await keel.ready();
}

const order = (key: string, name: string) =>
  api(keel!.baseUrl, 'POST', '/api/servers', {
    token,
    body: { name, ...choice },
    headers: { 'idempotency-key': key },
  });

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** The settled server of that name and the VMs that carry its id. */
async function outcome(name: string) {
  const db = database.handle.db;
  await waitUntilSettled(db, 60_000);
  const rows = await db.select().from(servers).where(eq(servers.name, name));
  const vms = guestVms(sim).filter((vm) => rows.some((r) => r.id === vm.serverId));
  return { rows, vms };
}

describe('an order retried with its Idempotency-Key after Keel was SIGKILLed', () => {
  it('before the order committed: nothing is left, and the retry orders exactly once', async () => {
    const db = database.handle.db;
    const key = randomUUID();
    const name = 'idem-before-commit';
    // The order's transaction takes this user's advisory lock after claiming the key; hold it.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const holder = db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${userId}))`);
      locked();
      await released;
    });
    await holding;
    const cut = order(key, name).catch((err: unknown) => err);
    await until('the order waiting on the lock', async () => {
      const waiting = await db.execute(
        sql`select 1 from pg_locks where locktype = 'advisory' and not granted
              and database = (select oid from pg_database where datname = current_database())`,
      );
      return (waiting as unknown[]).length ? true : undefined;
    });
    await restart();
    expect(await cut).toBeInstanceOf(Error); // the client got no answer
    release();
    await holder;
    expect(await db.select().from(servers).where(eq(servers.name, name))).toEqual([]);
    expect(await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key))).toEqual([]);

    const retry = await order(key, name);
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    const again = await order(key, name);
    expect([again.status, again.body.server.id]).toEqual([202, retry.body.server.id]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const { rows, vms } = await outcome(name);
    expect(rows.map((r) => [r.id, r.status])).toEqual([[retry.body.server.id, 'running']]);
    expect(vms).toHaveLength(1);
  });

  it('after the order committed: the retry gets the stored answer and no second server', async () => {
    const db = database.handle.db;
    const key = randomUUID();
    const name = 'idem-after-commit';
    const vmsBefore = guestVms(sim).length;
    // The first request's answer is discarded, as a cut connection would lose it.
    const lost = order(key, name).catch(() => null);
    const committed = await until('the order committing', async () => {
      const [row] = await db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.key, key), isNotNull(idempotencyKeys.outcome)));
      return row;
    });
    await restart();
    await lost;
    await untilServing(keel!.baseUrl);
    const [server] = await db.select().from(servers).where(eq(servers.name, name));
    expect(server).toBeDefined();
    expect(committed.outcome).toBe('ok');

    const retry = await order(key, name);
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.server.id).toBe(server!.id);

    const { rows, vms } = await outcome(name);
    expect(rows.map((r) => [r.id, r.status])).toEqual([[server!.id, 'running']]);
    expect(vms).toHaveLength(1);
    expect(guestVms(sim).length - vmsBefore).toBe(1);
  });
});
