/**
 * Real MariaDB testbed → real PostgreSQL, after the first migration: a rerun changes 0 rows, a dry run leaves the
 * target unchanged, a changed account is updated in place, the reconciliation's checksums see each field, and a
 * dry run against a database Keel has never touched leaves it empty.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WhmcsManifest } from '../../testbed/whmcs/index.ts';
import { adminDatabaseUrl, type TestDatabase } from '../../test/helpers/postgres.ts';
import { main } from './cli.ts';
import { useMigrationTestbed } from './integration-testbed.ts';
import { checksumFields, serverSumsSql } from './load.ts';
import type { RunResult } from './run.ts';

const bed = useMigrationTestbed({ name: 'keel_migrate_rerun', scale: 40, seed: 7 });
const { sourceName, sourceUrl, migrate, migrateJson, rows } = bed;
let manifest: WhmcsManifest;
let target: TestDatabase;

/** Whole-content checksum of every table the migrator writes. */
async function targetChecksum(): Promise<string> {
  const parts: string[] = [];
  for (const table of ['users', 'servers', 'plans', 'images', 'locations']) {
    const [r] = await rows<{ h: string | null }>(
      sql.raw(`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ${table} t`),
    );
    parts.push(`${table}:${r?.h}`);
  }
  return parts.join(' ');
}

beforeAll(async () => {
  ({ manifest, target } = bed);
  await migrateJson();
}, 120_000);

describe('WHMCS → Keel migration against the testbed, rerun', () => {
  it('changes 0 rows on a rerun and says so', async () => {
    const before = await targetChecksum();
    const { code, out } = await migrate();
    expect(code).toBe(0);
    expect(out).toContain('0 changes');
    const result = await migrateJson();
    for (const c of Object.values(result.counts)) expect([c.created, c.updated]).toEqual([0, 0]);
    expect(await targetChecksum()).toBe(before);
  }, 60_000);

  it('dry run reports the pending change and leaves the target unchanged; the real run then applies it', async () => {
    const service = manifest.services.find((s) => s.outcome === 'migrate')!;
    const conn = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: sourceName });
    await conn.query("UPDATE tblhosting SET domain = 'renamed.example.net' WHERE id = ?", [service.id]);
    await conn.end();
    const before = await targetChecksum();
    const dry = await migrateJson('--dry-run');
    expect(dry.dryRun).toBe(true);
    expect(dry.counts.servers.updated).toBe(1);
    expect(await targetChecksum()).toBe(before);
    const real = await migrateJson();
    expect(real.counts.servers.updated).toBe(1);
    const [r] = await rows<{ name: string }>(
      sql`select name from servers where legacy_whmcs_service_id = ${service.id}`,
    );
    expect(r!.name).toBe('renamed.example.net');
    const restore = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: sourceName });
    await restore.query('UPDATE tblhosting SET domain = ? WHERE id = ?', [
      service.expected!.name,
      service.id,
    ]);
    await restore.end();
    expect((await migrateJson()).counts.servers.updated).toBe(1);
  }, 60_000);

  it('updates an account kept in users.legacy_attributes in place when its billing details change', async () => {
    // The user owning two accounts: changing the second must keep the first and update only this one.
    const owner = manifest.users.find(
      (u) =>
        manifest.clients.filter((c) => c.outcome === 'migrate' && c.expected.ownerUserId === u.id).length > 1,
    )!;
    const [first, second] = manifest.clients.filter(
      (c) => c.outcome === 'migrate' && c.expected.ownerUserId === owner.id,
    );
    const conn = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: sourceName });
    try {
      await conn.query("UPDATE tblclients SET city = 'Ville &amp; Co' WHERE id = ?", [second!.id]);
      const dry = await migrateJson('--dry-run');
      expect(dry.counts.accounts).toMatchObject({ created: 0, updated: 1 });
      // One client per batch: the second account reaches its (already written) login through the append path.
      const real = await migrateJson('--batch-size', '1');
      expect(real.counts.accounts).toMatchObject({ created: 0, updated: 1 });
      expect(real.counts.users).toMatchObject({ created: 0, updated: 1 });
      expect(real.reconciliation?.ok).toBe(true);
      const [u] = await rows<{ a: Record<string, { city: string; email: string }> }>(
        sql`select legacy_attributes->'whmcsAccounts' as a from users where legacy_whmcs_user_id = ${owner.id}`,
      );
      expect(u!.a[String(second!.id)]!.city).toBe('Ville & Co');
      expect(u!.a[String(first!.id)]!.email).toBe(first!.expected.email);
      expect((await migrateJson()).counts.accounts).toMatchObject({ created: 0, updated: 0 });
    } finally {
      await conn.end();
    }
  }, 60_000);

  it('reconciliation: each field checksum sees a change to that field only; a stray server has left the scope', async () => {
    const sums = async () =>
      (
        await rows<{ sums: string }>(sql.raw(`select ${serverSumsSql('s', 'stored')} as sums from servers s`))
      )[0]!.sums.split(',');
    const [one] = await rows<{ sid: number; user_id: string }>(
      sql`select legacy_whmcs_service_id as sid, user_id from servers order by 1 limit 1`,
    );
    const before = await sums();
    const changed = async (update: string) => {
      await target.handle.db.execute(sql.raw(`${update} where legacy_whmcs_service_id = ${one!.sid}`));
      const after = await sums();
      return checksumFields.filter((_f, i) => after[i + 1] !== before[i + 1]);
    };
    expect(await changed(`update servers set pve_node = 'elsewhere'`)).toEqual(['pveNode']);
    expect(await changed(`update servers set pve_node = null`)).toEqual(['pveNode']);
    expect(await changed(`update servers set legacy_attributes = legacy_attributes || '{"x":1}'`)).toEqual([
      'pveNode',
      'legacy',
    ]);
    expect(await changed(`update servers set cpu_cores = cpu_cores + 1`)).toEqual([
      'cpuCores',
      'pveNode',
      'legacy',
    ]);
    // The rerun puts the source's values back, and the reconciliation agrees again.
    const fixed = await migrateJson();
    expect(fixed.counts.servers.updated).toBe(1);
    expect(await sums()).toEqual(before);

    await target.handle.db.execute(
      sql`insert into servers (legacy_whmcs_service_id, user_id, name, status, cpu_cores, memory_mb, disk_gb, pve_vmid)
          values (999999, ${one!.user_id}, 'stray', 'running', 1, 512, 10, 999999)`,
    );
    try {
      // A server whose WHMCS service no longer exists is reported as having left the scope, not lost.
      const { code, out } = await migrate();
      expect(code).toBe(0);
      expect(out).toContain('reconciliation: OK');
      expect(out).toContain('servers, deleted-in-whmcs → suspend (1): 999999');
      const result = await migrateJson();
      expect(result.removals.servers).toEqual([
        expect.objectContaining({
          serviceId: 999999,
          whmcsStatus: null,
          reason: 'deleted-in-whmcs',
          action: 'suspend',
        }),
      ]);
      // A real mismatch still is one: a field the target holds differently from what the run sent.
      await target.handle.db.execute(
        sql`update servers set name = 'tampered' where legacy_whmcs_service_id = ${one!.sid}`,
      );
      const reconciled = await migrateJson();
      expect(reconciled.counts.servers.updated).toBe(1);
      expect(reconciled.reconciliation?.ok).toBe(true);
    } finally {
      await target.handle.db.execute(sql`delete from servers where legacy_whmcs_service_id = 999999`);
    }
  }, 60_000);
});

describe('dry run on a database Keel has never touched', () => {
  it('runs against the schema it would get, and leaves the database empty', async () => {
    const admin = postgres(adminDatabaseUrl, { max: 1, onnotice: () => {} });
    const name = `keel_virgin_${randomBytes(4).toString('hex')}`;
    await admin.unsafe(`create database "${name}"`);
    const url = new URL(adminDatabaseUrl);
    url.pathname = `/${name}`;
    try {
      let out = '';
      let err = '';
      const code = await main(['--source', sourceUrl, '--target', url.toString(), '--dry-run', '--json'], {
        env: { LOG_LEVEL: 'warn' },
        stdout: (t) => (out += t),
        stderr: (t) => (err += t),
        isTty: false,
      });
      expect(code, err).toBe(0);
      const result = JSON.parse(out) as RunResult;
      expect(result.counts.servers.created).toBe(
        manifest.services.filter((s) => s.outcome === 'migrate').length,
      );
      const virgin = postgres(url.toString(), { max: 1, onnotice: () => {} });
      const tables =
        await virgin`select count(*)::int as n from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema')`;
      await virgin.end();
      expect(tables[0]!.n).toBe(0);
    } finally {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  });
});
