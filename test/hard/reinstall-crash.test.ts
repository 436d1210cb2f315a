/**
 * Crash mid-reinstall: the Keel process (API and worker) is SIGKILLed twice during one reinstall,
 * each time right after the job saved a step (after the clone; after the old VM was stopped), and
 * started again on the same port and database. The reinstall ends with the server running on the new
 * image with its old address, exactly one VM of it on PVE, and every PVE task of it dispatched once.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverJobs, servers } from '../../src/server/db/schema.ts';
import { seedSimulatorCatalog } from '../../src/server/services/catalog.ts';
import { reinstallSteps, type ReinstallStep } from '../../src/shared/server-status.ts';
import { createUser } from '../../src/server/services/users.ts';
import { startPveSim, type PveSim } from '../../testbed/pve/index.ts';
import { api } from '../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { guestVms, login, sleep } from './helpers/fleet.ts';
import { freePort, keelEnv, spawnKeel, type KeelProcess } from './helpers/keel-process.ts';

let database: TestDatabase;
let sim: PveSim;
let keel: KeelProcess | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  database = await createTestDatabase('keel_hard_reinstall');
  await seedSimulatorCatalog(database.handle.db);
  // Slow enough that each step takes a while, so a kill lands between two of them.
  sim = await startPveSim({ port: 0, speed: 10 });
  env = keelEnv({
    databaseUrl: database.url,
    sim,
    port: await freePort(),
    extra: { WORKER_LEASE_MS: '1500' },
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

async function serverRow(id: string) {
  const [row] = await database.handle.db.select().from(servers).where(eq(servers.id, id));
  return row!;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * The reinstall job's saved step, once it is `step` or a later one: a step can be saved and passed
 * between two polls, and killing Keel a step later is as good a crash.
 */
const reinstallStep = (serverId: string, step: ReinstallStep) =>
  until(`the reinstall to save ${step}`, async () => {
    const jobs = await database.handle.db.select().from(serverJobs).where(eq(serverJobs.serverId, serverId));
    const wanted = reinstallSteps.indexOf(step);
    return jobs.some(
      (j) =>
        j.kind === 'reinstall' &&
        (j.state === 'succeeded' || reinstallSteps.indexOf(j.step as ReinstallStep) >= wanted),
    )
      ? true
      : undefined;
  });

describe('SIGKILL of the Keel process during a reinstall', () => {
  it('ends with the server running on the new image, its old address, and exactly one VM', async () => {
    const user = await createUser(database.handle.db, {
      email: 'reinstall@example.com',
      password: 'reinstall-password-1',
      role: 'customer',
    });
    keel = await startKeel();
    const token = await login(keel.baseUrl, user.email, 'reinstall-password-1');
    const catalog = (await api(keel.baseUrl, 'GET', '/api/catalog', { token })).body;
    const ubuntu = catalog.images.find((i: { slug: string }) => i.slug === 'ubuntu-24.04');
    const debian = catalog.images.find((i: { slug: string }) => i.slug === 'debian-12');
    const ordered = await api(keel.baseUrl, 'POST', '/api/servers', {
      token,
      body: {
        name: 'crashy',
        planId: catalog.plans[0].id,
        imageId: ubuntu.id,
        locationId: catalog.locations[0].id,
      },
    });
    expect(ordered.status).toBe(202);
    const id = ordered.body.server.id as string;
    await until('provisioning', async () => ((await serverRow(id)).status === 'running' ? true : undefined));
    const before = await serverRow(id);

    const res = await api(keel.baseUrl, 'POST', `/api/servers/${id}/reinstall`, {
      token,
      body: { imageId: debian.id, confirmName: 'crashy' },
    });
    expect(res.status).toBe(202);

    await reinstallStep(id, 'clone');
    await keel.kill();
    // The new VM exists beside the old one: never neither.
    expect(guestVms(sim).filter((vm) => vm.serverId === id)).toHaveLength(2);
    keel = await startKeel();

    await reinstallStep(id, 'stop_old');
    await keel.kill();
    keel = await startKeel();

    const after = await until('the reinstall to finish', async () => {
      const row = await serverRow(id);
      return row.status === 'running' || row.status === 'error' ? row : undefined;
    });
    if (process.env.REINSTALL_DEBUG)
      (await import('node:fs')).writeFileSync(process.env.REINSTALL_DEBUG, keel.output());
    expect(after).toMatchObject({
      status: 'running',
      statusReason: null,
      ipAddress: before.ipAddress,
      planId: before.planId,
    });
    expect(after.imageId).toBe(debian.id);
    const vms = guestVms(sim).filter((vm) => vm.serverId === id);
    expect(vms).toHaveLength(1);
    expect(vms[0]).toMatchObject({ vmid: after.pveVmid, ip: before.ipAddress, status: 'running' });
    expect(after.pveVmid).not.toBe(before.pveVmid);

    // Every task of the reinstall was dispatched once: one clone, one start, one stop, one delete.
    const tasks = sim.sim
      .state()
      .tasks.filter((t) => t.id === String(after.pveVmid) || t.id === String(before.pveVmid));
    const count = (type: string, vmid: number | null) =>
      tasks.filter((t) => t.type === type && t.id === String(vmid)).length;
    expect(count('qmstart', after.pveVmid)).toBe(1);
    expect(count('qmstop', before.pveVmid)).toBe(1);
    expect(count('qmdestroy', before.pveVmid)).toBe(1);
    const [job] = await database.handle.db.select().from(serverJobs).where(eq(serverJobs.kind, 'reinstall'));
    expect(job).toMatchObject({ state: 'succeeded', step: 'destroy_old' });
    const template = String(job!.progress.templateVmid);
    expect(sim.sim.state().tasks.filter((t) => t.type === 'qmclone' && t.id === template)).toHaveLength(1);
    expect(job!.attempts).toBeGreaterThanOrEqual(3);
  });
});
