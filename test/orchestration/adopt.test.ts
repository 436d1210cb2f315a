/**
 * Adopting a VM Keel never made, end to end: the PVE simulator and Keel (API + worker) each run as their own
 * process, the way an operator runs them. The adopted VM keeps its disk, carries the Keel tags, its address is
 * in IPAM; its owner can reboot it through Keel; terminating it deletes the VM. A VM Keel already manages and
 * a template are refused with 409 and the reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipAddresses, locations } from '../../src/server/db/schema.ts';
import { createUser } from '../../src/server/services/users.ts';
import type { PveSim } from '../../testbed/pve/index.ts';
import type { PveStateVm } from '../../testbed/whmcs/manifest.ts';
import { api } from '../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { freePort, keelEnv, spawnKeel, type KeelProcess } from '../hard/helpers/keel-process.ts';

const root = new URL('../..', import.meta.url).pathname;
const legacy: PveStateVm = {
  vmid: 4200,
  node: 'pve1',
  name: 'legacy-web',
  cores: 2,
  memoryMb: 2048,
  diskGb: 20,
  status: 'running',
  ipAddress: '192.0.2.50',
};

let db: TestDatabase;
let simProc: ChildProcess;
let sim: { url: string; tokenId: string; tokenSecret: string; adminSecret: string };
let keel: KeelProcess;
let adminToken: string;
let customerToken: string;
let customerId: string;
let locationId: string;

/** Starts `testbed/pve/cli.ts` and reads its URL and credentials off the lines it prints. */
async function startSimProcess(vmsFile: string): Promise<void> {
  const port = await freePort();
  simProc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'testbed/pve/cli.ts',
      '--port',
      String(port),
      '--http',
      '--speed',
      '20',
      '--vms',
      vmsFile,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  simProc.stdout!.on('data', (d) => (out += d));
  simProc.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 30_000;
  while (!/X-Sim-Admin: \S+/.test(out)) {
    if (Date.now() > deadline || simProc.exitCode !== null)
      throw new Error(`simulator did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const grab = (re: RegExp) => re.exec(out)![1]!;
  sim = {
    url: grab(/PVE_URL=(\S+)/),
    tokenId: grab(/PVE_TOKEN_ID=(\S+)/),
    tokenSecret: grab(/PVE_TOKEN_SECRET=(\S+)/),
    adminSecret: grab(/X-Sim-Admin: (\S+)/),
  };
}

interface SimVm {
  node: string;
  config: Record<string, string | number>;
}
async function simState(): Promise<{ vms: Record<string, SimVm>; tasks: unknown }> {
  const res = await fetch(`${sim.url}/_sim/state`, { headers: { 'x-sim-admin': sim.adminSecret } });
  return ((await res.json()) as { data: never }).data;
}

async function until<T>(
  what: string | (() => string),
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${typeof what === 'string' ? what : what()}:\n${keel.output().slice(-3000)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

const login = async (email: string, password: string) =>
  (await api(keel.baseUrl, 'POST', '/api/login', { body: { email, password } })).body.accessToken as string;

beforeAll(async () => {
  db = await createTestDatabase('keel_adopt');
  const dir = mkdtempSync(join(tmpdir(), 'keel-adopt-'));
  const vmsFile = join(dir, 'vms.json');
  writeFileSync(vmsFile, JSON.stringify([legacy]));
  await startSimProcess(vmsFile);
  const port = await freePort();
  keel = spawnKeel(
    keelEnv({
      databaseUrl: db.url,
      sim: { ...sim, fingerprint: undefined } as unknown as PveSim,
      port,
      extra: { PGLITE_PORT: 'off', LOG_LEVEL: 'warn' },
    }),
  );
  await keel.ready();
  const admin = await createUser(db.handle.db, {
    email: 'ops@example.com',
    password: 'correct horse battery',
    name: 'Ops',
    role: 'admin',
  });
  const customer = await createUser(db.handle.db, {
    email: 'legacy@example.com',
    password: 'correct horse battery',
    name: 'Legacy Customer',
  });
  customerId = customer.id;
  void admin;
  adminToken = await login('ops@example.com', 'correct horse battery');
  customerToken = await login('legacy@example.com', 'correct horse battery');
  const [loc] = await db.handle.db
    .insert(locations)
    .values({ slug: 'lab', name: 'Lab', pveNodes: ['pve1'] })
    .returning({ id: locations.id });
  locationId = loc!.id;
}, 120_000);

afterAll(async () => {
  await keel?.stop();
  if (simProc && simProc.exitCode === null) {
    simProc.kill('SIGTERM');
    await new Promise((r) => simProc.once('exit', r));
  }
  await db?.drop();
});

describe('adopting an existing VM', () => {
  let serverId: string;
  let diskBefore: string;

  it('links the VM without touching its disk: specs read, tagged, address in IPAM', async () => {
    diskBefore = String((await simState()).vms['4200']!.config.scsi0);
    const res = await api(keel.baseUrl, 'POST', '/api/admin/servers/adopt', {
      token: adminToken,
      body: { node: 'pve1', vmid: 4200, userId: customerId, locationId },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.addressSource).toBe('cloud-init');
    expect(res.body.server).toMatchObject({
      name: 'legacy-web',
      status: 'running',
      cpuCores: 2,
      memoryMb: 2048,
      diskGb: 20,
      ipAddress: '192.0.2.50',
    });
    serverId = res.body.server.id;
    const vm = (await simState()).vms['4200']!;
    expect(vm.config.scsi0).toBe(diskBefore);
    expect(String(vm.config.tags).split(';')).toEqual(expect.arrayContaining(['keel', `keel-${serverId}`]));
    const [address] = await db.handle.db
      .select()
      .from(ipAddresses)
      .where(eq(ipAddresses.address, '192.0.2.50'));
    expect(address).toMatchObject({ serverId, poolId: null, primary: true });
    // The owner sees it as one of their servers.
    const mine = await api(keel.baseUrl, 'GET', `/api/servers/${serverId}`, { token: customerToken });
    expect(mine.status).toBe(200);
  });

  it('refuses a VM Keel already manages, and a template, with 409 and the reason', async () => {
    const again = await api(keel.baseUrl, 'POST', '/api/admin/servers/adopt', {
      token: adminToken,
      body: { node: 'pve1', vmid: 4200, userId: customerId, locationId },
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'CONFLICT',
      fields: { vmid: `is already server ${serverId}` },
    });
    const template = await api(keel.baseUrl, 'POST', '/api/admin/servers/adopt', {
      token: adminToken,
      body: { node: 'pve1', vmid: 9000, userId: customerId, locationId },
    });
    expect(template.status).toBe(409);
    expect(template.body.error.code).toBe('INVALID_STATE');
    expect(template.body.error.message).toContain('template');
  });

  it('its owner reboots it through Keel', { timeout: 60_000 }, async () => {
    const before = JSON.stringify((await simState()).tasks);
    let last: unknown;
    const res = await api(keel.baseUrl, 'POST', `/api/servers/${serverId}/actions`, {
      token: customerToken,
      body: { action: 'reboot' },
    });
    expect(res.status).toBe(202);
    await until(
      () => `the reboot to finish: ${JSON.stringify(last)}`,
      async () => {
        const s = await api(keel.baseUrl, 'GET', `/api/servers/${serverId}?include=events`, {
          token: customerToken,
        });
        last = s.body;
        return s.body.server.status === 'running' ? true : undefined;
      },
    );
    const tasks = JSON.stringify((await simState()).tasks);
    expect(tasks).not.toBe(before);
    expect(tasks).toMatch(/qmreboot:4200/);
    expect(String((await simState()).vms['4200']!.config.scsi0)).toBe(diskBefore);
  });

  it('terminating it deletes the VM and frees its address', { timeout: 60_000 }, async () => {
    const res = await api(keel.baseUrl, 'DELETE', `/api/servers/${serverId}`, { token: customerToken });
    expect(res.status).toBe(202);
    await until('the termination', async () => {
      const s = await api(keel.baseUrl, 'GET', `/api/servers/${serverId}`, { token: customerToken });
      return (s.body.server ?? s.body).status === 'terminated' ? true : undefined;
    });
    expect((await simState()).vms['4200']).toBeUndefined();
    const held = await db.handle.db.select().from(ipAddresses).where(eq(ipAddresses.address, '192.0.2.50'));
    expect(held).toEqual([]);
  });
});
