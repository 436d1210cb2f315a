/**
 * Crash: fifty servers ordered at once through REST while the Keel process is SIGKILLed three times at
 * random moments and started again on the same port and database. Every order ends in exactly one
 * running server with exactly one VM and its own address, and every job finishes once.
 *
 * Accounting rule for orders whose HTTP request a kill cut off (no 202 came back): the order may or may
 * not have committed. After the restart the client looks the server up by its unique name, as a real
 * client would with an idempotency key: if it exists, it is one of the fifty; if not, the client orders
 * it again. Every 202 must correspond to a server in the database, and the database must end with
 * exactly fifty servers, one per name.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, serverJobs, servers } from '../../src/server/db/schema.ts';
import { seedSimulatorCatalog } from '../../src/server/services/catalog.ts';
import { createUser } from '../../src/server/services/users.ts';
import { startPveSim, type PveSim } from '../../testbed/pve/index.ts';
import { api } from '../helpers/app.ts';
import { pveClientFor } from '../helpers/orchestration.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import {
  guestVms,
  jobRows,
  login,
  repeated,
  seededRandom,
  serverRows,
  sleep,
  smallUbuntuOrder,
  vmAccounting,
  waitUntilSettled,
} from './helpers/fleet.ts';
import { freePort, keelEnv, spawnKeel, untilServing, type KeelProcess } from './helpers/keel-process.ts';

const orders = 50;
const users = 5; // ten orders each, at the default-like quota below
const kills = 3;
const seed = Number(process.env.HARD_SEED ?? Date.now() % 1_000_000);

let database: TestDatabase;
let sim: PveSim;
let keel: KeelProcess | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  database = await createTestDatabase('keel_hard_crash');
  await seedSimulatorCatalog(database.handle.db);
  sim = await startPveSim({ port: 0, speed: 50 });
  env = keelEnv({
    databaseUrl: database.url,
    sim,
    port: await freePort(),
    extra: {
      QUOTA_MAX_SERVERS: String(orders / users),
      WORKER_CONCURRENCY: '16',
      WORKER_LEASE_MS: '1500',
    },
  });
});

afterAll(async () => {
  await keel?.kill();
  await sim?.stop();
  await database?.drop();
});

async function startKeel(): Promise<KeelProcess> {
  const proc = spawnKeel(env);
  await proc.ready();
  return proc;
}

/** Jobs not finished yet: the kill lands during provisioning only if some exist. */
async function unfinishedJobs(): Promise<number> {
  const jobs = await jobRows(database.handle.db);
  return jobs.filter((j) => j.state === 'queued' || j.state === 'running').length;
}

describe('SIGKILL of the Keel process during provisioning', () => {
  it('ends with every order running once, one VM each, no orphans, every IP unique', async () => {
    const random = seededRandom(seed);
    const db = database.handle.db;
    const vmsBefore = guestVms(sim).length;
    keel = await startKeel();
    const baseUrl = keel.baseUrl;

    const accounts: { email: string; password: string; token: string }[] = [];
    for (let u = 0; u < users; u++) {
      const password = `crash-user-${u}-password`;
      const email = `crash${u}@example.com`;
      await createUser(db, { email, password });
      accounts.push({ email, password, token: await login(baseUrl, email, password) });
    }
    const choice = await smallUbuntuOrder(baseUrl, accounts[0]!.token);
    const names = Array.from({ length: orders }, (_, i) => `crash-${String(i).padStart(2, '0')}`);
    const tokenFor = (i: number) => accounts[i % users]!.token;
    const order = (i: number) =>
      api(baseUrl, 'POST', '/api/servers', { token: tokenFor(i), body: { name: names[i], ...choice } });

    // Kill 1 lands inside the burst of orders, after a random number of them were answered, so some
    // requests are cut; kills 2 and 3 at random moments after the restarted process is serving. Each
    // kill first records how much work is in flight, to show it hit provisioning.
    const killLog: { atMs: number; unfinishedJobs: number; servers: number }[] = [];
    const started = Date.now();
    const answersBeforeFirstKill = 5 + Math.floor(random() * 30);
    let answered = 0;
    let firstKillDue!: () => void;
    const firstKill = new Promise<void>((resolve) => (firstKillDue = resolve));
    const killer = (async () => {
      for (let k = 0; k < kills; k++) {
        if (k === 0) await firstKill;
        else await sleep(1000 + random() * 3000);
        const unfinished = await unfinishedJobs();
        killLog.push({
          atMs: Date.now() - started,
          unfinishedJobs: unfinished,
          servers: (await serverRows(db)).length,
        });
        await keel.kill();
        keel = await startKeel();
      }
    })();

    const first = await Promise.allSettled(
      names.map((_, i) =>
        order(i).finally(() => {
          if (++answered === answersBeforeFirstKill) firstKillDue();
        }),
      ),
    );
    const accepted = new Map<string, string>(); // name → server id from a 202
    const cut: number[] = [];
    first.forEach((result, i) => {
      if (result.status === 'fulfilled' && result.value.status === 202) {
        accepted.set(names[i]!, result.value.body.server.id);
      } else if (result.status === 'fulfilled') {
        throw new Error(
          `order ${names[i]} refused: ${result.value.status} ${JSON.stringify(result.value.body)}`,
        );
      } else {
        cut.push(i);
      }
    });
    const answered202 = accepted.size;
    // The cut requests: once a process serves again, re-order (at once) only what did not commit.
    await untilServing(baseUrl);
    const committedAnyway = new Set((await serverRows(db)).map((r) => r.name));
    const toReorder = cut.filter((i) => !committedAnyway.has(names[i]!));
    await Promise.all(
      toReorder.map(async (i) => {
        for (;;) {
          // A later kill may cut the retry too; a cut retry is looked up again before the next one.
          const res = await order(i).catch(() => null);
          if (res) {
            expect(res.status, JSON.stringify(res.body)).toBe(202);
            accepted.set(names[i]!, res.body.server.id);
            return;
          }
          await untilServing(baseUrl);
          const [row] = (await serverRows(db)).filter((r) => r.name === names[i]);
          if (row) return;
        }
      }),
    );
    const reordered = toReorder.length;
    await killer;

    const rows = await waitUntilSettled(db, 240_000);
    const elapsedS = ((Date.now() - started) / 1000).toFixed(1);

    // The orders: every 202 is a server; exactly one server per name.
    const byName = new Map(rows.map((r) => [r.name, r]));
    expect(rows).toHaveLength(orders);
    expect(byName.size).toBe(orders);
    for (const [name, id] of accepted) expect(byName.get(name)?.id).toBe(id);
    const running = rows.filter((r) => r.status === 'running');
    expect(rows.filter((r) => r.status !== 'running').map((r) => [r.name, r.status, r.statusReason])).toEqual(
      [],
    );

    // The kills happened, and each found provisioning work in flight.
    expect(killLog).toHaveLength(kills);
    for (const k of killLog) expect(k.unfinishedJobs + (orders - k.servers)).toBeGreaterThan(0);

    // The VMs: fifty new ones, each carrying the marker of a live server, one per server, all running.
    const vms = guestVms(sim);
    const liveIds = new Set(rows.map((r) => r.id));
    const { orphans, duplicates } = vmAccounting(vms, liveIds);
    expect(vms.length - vmsBefore).toBe(orders);
    expect(orphans).toEqual([]);
    expect(duplicates).toEqual([]);
    for (const r of rows) {
      const vm = vms.find((v) => v.serverId === r.id);
      expect(vm, `VM of ${r.name}`).toBeDefined();
      expect([vm!.vmid, vm!.node, vm!.status, vm!.ip]).toEqual([
        r.pveVmid,
        r.pveNode,
        'running',
        r.ipAddress,
      ]);
    }

    // Addresses: every server has one, none shared, in Keel or in the guests' cloud-init.
    const ips = rows.map((r) => r.ipAddress);
    expect(ips.every((ip) => typeof ip === 'string' && ip.length > 0)).toBe(true);
    expect(repeated(ips)).toEqual([]);
    expect(repeated(vms.map((v) => v.ip))).toEqual([]);

    // Jobs: one provision job per server, finished once, succeeded.
    const jobs = await jobRows(db);
    expect(jobs).toHaveLength(orders);
    expect(repeated(jobs.map((j) => j.serverId))).toEqual([]);
    expect(jobs.filter((j) => j.kind !== 'provision' || j.state !== 'succeeded' || !j.finishedAt)).toEqual(
      [],
    );
    const completions = await db
      .select({ serverId: auditEvents.serverId })
      .from(auditEvents)
      .where(and(eq(auditEvents.kind, 'server.status')));
    // The completion's audit line is written just after its commit, so a kill in between may drop it:
    // at most one per server, never two.
    expect(repeated(completions.map((c) => c.serverId))).toEqual([]);
    const resumed = jobs.filter((j) => j.attempts > 1).length;
    const clones = await db
      .select({ serverId: auditEvents.serverId, message: auditEvents.message, upid: auditEvents.pveUpid })
      .from(auditEvents)
      .where(eq(auditEvents.kind, 'pve.task'));
    // One clone task per server. A job killed after the clone ended but before its step was saved waits on
    // the same task again when it resumes, and logs that same UPID a second time: that is not a second clone.
    const cloneTasks = new Set(
      clones.filter((c) => c.message.startsWith('clone')).map((c) => `${c.serverId} ${c.upid}`),
    );
    expect(repeated([...cloneTasks].map((key) => key.split(' ')[0]))).toEqual([]);
    const leftRunning = await db.select().from(serverJobs).where(eq(serverJobs.state, 'running'));
    expect(leftRunning).toEqual([]);

    console.log(
      `crash: ${running.length}/${orders} running, ${vms.length - vmsBefore} VMs, ${orphans.length} orphans, ` +
        `${duplicates.length} duplicates, ${new Set(ips).size} unique IPs, ${jobs.length} jobs succeeded once ` +
        `(${resumed} resumed after a kill), ${killLog.length} kills at ` +
        `${killLog.map((k) => `${k.atMs} ms (${k.unfinishedJobs} jobs in flight)`).join(', ')}; ` +
        `${answered202} orders answered 202, ${cut.length} cut by a kill ` +
        `(${cut.length - reordered} had committed, ${reordered} re-ordered); ${elapsedS} s; seed ${seed}`,
    );
  });

  it('resumes a job killed between the clone request and saving its task id, without a second VM', async () => {
    // What a SIGKILL right after PVE accepted the clone leaves behind, made exactly: the job still
    // `running` under a dead worker's expired lease, its progress saved up to `reserve_vmid` (no task
    // id), and a clone in flight on PVE towards the other node, whose config says only `lock: clone`.
    const slowSim = await startPveSim({ port: 0, speed: 3 }); // a full clone takes ~3 s
    const db2 = await createTestDatabase('keel_hard_crash_clone');
    let keel2: KeelProcess | undefined;
    try {
      await seedSimulatorCatalog(db2.handle.db);
      const env2 = keelEnv({
        databaseUrl: db2.url,
        sim: slowSim,
        port: await freePort(),
        extra: { WORKER: '0' },
      });
      keel2 = spawnKeel(env2);
      await keel2.ready();
      await createUser(db2.handle.db, { email: 'clone@example.com', password: 'clone-password-1' });
      const token = await login(keel2.baseUrl, 'clone@example.com', 'clone-password-1');
      const choice = await smallUbuntuOrder(keel2.baseUrl, token);
      const res = await api(keel2.baseUrl, 'POST', '/api/servers', {
        token,
        body: { name: 'half-cloned', ...choice },
      });
      expect(res.status).toBe(202);
      const serverId = res.body.server.id as string;
      await keel2.kill();

      const vmid = 150;
      const progress = { node: 'pve2', templateVmid: 9000, templateNode: 'pve1', vmid };
      await db2.handle.db
        .update(servers)
        .set({ pveNode: 'pve2', pveVmid: vmid })
        .where(eq(servers.id, serverId));
      await db2.handle.db
        .update(serverJobs)
        .set({
          state: 'running',
          step: 'reserve_vmid',
          progress,
          attempts: 1,
          leaseOwner: 'dead-worker',
          leaseExpiresAt: new Date(Date.now() - 1000),
        })
        .where(eq(serverJobs.serverId, serverId));
      const pve = pveClientFor(slowSim);
      await pve.cloneVm('pve1', 9000, {
        newid: vmid,
        name: 'half-cloned',
        full: true,
        description: `keel:${serverId}`,
        target: 'pve2',
      });
      pve.close();

      keel2 = spawnKeel({ ...env2, WORKER: '1' });
      await keel2.ready();
      const [row] = (await waitUntilSettled(db2.handle.db, 60_000)).filter((r) => r.id === serverId);
      const vms = guestVms(slowSim).filter((vm) => vm.serverId === serverId);
      const { orphans } = vmAccounting(guestVms(slowSim), new Set([serverId]));
      expect([row?.status, row?.pveVmid]).toEqual(['running', vmid]);
      expect(vms.map((vm) => [vm.vmid, vm.node])).toEqual([[vmid, 'pve2']]);
      expect(orphans).toEqual([]);
      console.log(
        `crash: job killed between clone request and saving its task id → ${row?.status}, ` +
          `${vms.length} VM (${vms.map((vm) => `${vm.vmid} on ${vm.node}`).join(', ')}), ${orphans.length} orphans`,
      );
    } finally {
      await keel2?.kill();
      await slowSim.stop();
      await db2.drop();
    }
  });
});
