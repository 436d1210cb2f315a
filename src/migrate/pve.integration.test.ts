/**
 * The migration against a PVE cluster holding the WHMCS install's VMs (the seeder's PVE state imported into the
 * simulator): an Active service's Keel status comes from its VM's power state, and --verify-pve reports the
 * servers that match their VM and those that do not (other cores, a VM that is gone).
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedWhmcs, type WhmcsManifest, type PveState } from '../../testbed/whmcs/index.ts';
import { startPveSim, type PveSim } from '../../testbed/pve/index.ts';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/postgres.ts';
import { main } from './cli.ts';
import type { RunResult } from './run.ts';
import { executeRows } from '../server/db/client.ts';

const sourceName = `keel_migrate_pve_${randomBytes(4).toString('hex')}`;
const sourceUrl = `mysql://root@127.0.0.1:3306/${sourceName}`;
let manifest: WhmcsManifest;
let pveState: PveState;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  ({ manifest, pveState } = await seedWhmcs({ url: sourceUrl, scale: 40, seed: 11, reset: true }));
}, 120_000);

afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
  const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
  await admin.query(`DROP DATABASE IF EXISTS \`${sourceName}\``);
  await admin.end();
});

async function withSim(vms: PveState['vms']): Promise<PveSim> {
  const sim = await startPveSim({ port: 0, speed: 100, vms });
  cleanup.push(() => sim.stop());
  return sim;
}

async function freshTarget(): Promise<TestDatabase> {
  const target = await createTestDatabase('keel_migrate_pve');
  cleanup.push(() => target.drop());
  return target;
}

async function migrate(
  target: TestDatabase,
  sim: PveSim,
  ...args: string[]
): Promise<{ code: number; result: RunResult; text: string }> {
  const env = {
    LOG_LEVEL: 'warn',
    PVE_URL: sim.url,
    PVE_TOKEN_ID: sim.tokenId,
    PVE_TOKEN_SECRET: sim.tokenSecret,
    PVE_FINGERPRINT: sim.fingerprint ?? undefined,
  };
  let out = '';
  let err = '';
  const io = { env, stdout: (t: string) => (out += t), stderr: (t: string) => (err += t), isTty: false };
  const code = await main(['--source', sourceUrl, '--target', target.url, '--json', ...args], io);
  expect(err).not.toMatch(/migrate: (source|target|PVE)/);
  const result = JSON.parse(out) as RunResult;
  let text = '';
  // The human summary of the same run, for what an operator reads.
  await main(['--source', sourceUrl, '--target', target.url, '--dry-run', ...args], {
    ...io,
    stdout: (t) => (text += t),
  });
  return { code, result, text };
}

async function statuses(target: TestDatabase): Promise<Map<number, string>> {
  const rows = await executeRows<{ sid: number; status: string }>(
    target.handle.db,
    sql`select legacy_whmcs_service_id as sid, status from servers`,
  );
  return new Map(rows.map((r) => [r.sid, r.status]));
}

describe('migration with PVE', () => {
  it('takes an Active server’s status from its VM and verifies every server against PVE', async () => {
    const migrating = manifest.services.filter((s) => s.outcome === 'migrate');
    const active = migrating.filter((s) => s.whmcsStatus === 'Active');
    expect(active.length).toBeGreaterThan(5);
    // The cluster as WHMCS left it, except: one Active service's VM is stopped.
    const stoppedVmid = active[1]!.expected!.vmid;
    const sim = await withSim(
      pveState.vms.map((vm) => (vm.vmid === stoppedVmid ? { ...vm, status: 'stopped' as const } : vm)),
    );
    const target = await freshTarget();
    const { code, result, text } = await migrate(target, sim, '--verify-pve');
    expect(code).toBe(0);
    expect(result.counts.servers.created).toBe(migrating.length);
    expect(result.pveCheck).toEqual({
      checked: migrating.length,
      matched: migrating.length,
      mismatched: 0,
      problems: [],
    });
    expect(text).toContain(
      `PVE verification: ${migrating.length} checked, ${migrating.length} match, 0 with problems`,
    );
    const got = await statuses(target);
    for (const s of migrating) {
      const want =
        s.whmcsStatus === 'Suspended'
          ? 'suspended'
          : s.expected!.vmid === stoppedVmid
            ? 'stopped'
            : 'running';
      expect(got.get(s.id), `service ${s.id}`).toBe(want);
    }
  }, 120_000);

  it('reports the servers whose VM differs or is gone, and exits 1', async () => {
    const migrating = manifest.services.filter((s) => s.outcome === 'migrate');
    const [resized, gone] = [migrating[2]!, migrating[3]!];
    const sim = await withSim(
      pveState.vms
        .filter((vm) => vm.vmid !== gone.expected!.vmid)
        .map((vm) => (vm.vmid === resized.expected!.vmid ? { ...vm, cores: vm.cores + 2 } : vm)),
    );
    const target = await freshTarget();
    const { code, result, text } = await migrate(target, sim, '--verify-pve');
    expect(code).toBe(1);
    expect(result.pveCheck).toMatchObject({
      checked: migrating.length,
      matched: migrating.length - 2,
      mismatched: 2,
    });
    expect(result.pveCheck!.problems).toEqual(
      [
        {
          serviceId: resized.id,
          vmid: resized.expected!.vmid,
          problem: `PVE has ${resized.expected!.cpuCores + 2} cores, Keel ${resized.expected!.cpuCores}`,
        },
        { serviceId: gone.id, vmid: gone.expected!.vmid, problem: 'VMID does not exist on PVE' },
      ].sort((a, b) => a.serviceId - b.serviceId),
    );
    expect(text).toContain(`service ${gone.id} VMID ${gone.expected!.vmid}: VMID does not exist on PVE`);
    // The server whose VM is gone still migrates (its status from WHMCS), and the rest is untouched by the check.
    const got = await statuses(target);
    expect(got.size).toBe(migrating.length);
    expect(got.get(gone.id)).toBe(gone.whmcsStatus === 'Suspended' ? 'suspended' : 'running');
  }, 120_000);
});
