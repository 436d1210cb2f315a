/**
 * The migration at `--scale 10000` (≈ 39k services, seeded here into its own MariaDB database): a dry run leaves
 * the target byte-for-byte unchanged; a run SIGKILLed mid-way and rerun completes with no duplicates; a rerun on
 * unchanged data changes 0 rows; a dry run after a source change reports it and still changes nothing.
 * Prints the figures (seconds, services/s) of each step.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedWhmcs } from '../../testbed/whmcs/index.ts';
import { main } from '../../src/migrate/cli.ts';
import type { RunResult } from '../../src/migrate/run.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { executeRows } from '../../src/server/db/client.ts';

const root = new URL('../..', import.meta.url).pathname;
const scale = 10_000;
const sourceName = `keel_hard_migrate_${randomBytes(4).toString('hex')}`;
const sourceUrl = `mysql://root@127.0.0.1:3306/${sourceName}`;
let target: TestDatabase;
let expectedServers = 0;
let expectedAccounts = 0;
let totalServices = 0;
const figures: string[] = [];

function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return executeRows<T>(target.handle.db, query);
}

/** Whole-content checksum of every table the migrator writes (every column, xmin-independent). */
async function targetChecksum(): Promise<string> {
  const parts: string[] = [];
  for (const table of ['users', 'servers', 'plans', 'images', 'locations']) {
    const [r] = await rows<{ h: string | null; n: number }>(
      sql.raw(
        `select md5(coalesce(string_agg(md5(t::text), '' order by t::text), '')) as h, count(*)::int as n from ${table} t`,
      ),
    );
    parts.push(`${table}:${r?.n}:${r?.h}`);
  }
  return parts.join(' ');
}

async function migrate(...args: string[]): Promise<{ code: number; result: RunResult; seconds: number }> {
  let out = '';
  let err = '';
  const t = Date.now();
  const code = await main(['--source', sourceUrl, '--target', target.url, '--json', ...args], {
    env: { LOG_LEVEL: 'warn' },
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    isTty: false,
  });
  const seconds = (Date.now() - t) / 1000;
  expect(code, err).toBeLessThan(2);
  return { code, result: JSON.parse(out) as RunResult, seconds };
}

function note(label: string, seconds: number): void {
  const line = `${label}: ${seconds.toFixed(1)} s, ${Math.round(totalServices / seconds)} services/s`;
  figures.push(line);
  console.log(`[migration scale ${scale}] ${line}`);
}

const changes = (r: RunResult) => Object.values(r.counts).reduce((n, c) => n + c.created + c.updated, 0);

beforeAll(async () => {
  const t = Date.now();
  const { manifest } = await seedWhmcs({ url: sourceUrl, scale, seed: 5, reset: true });
  expectedServers = manifest.services.filter((s) => s.outcome === 'migrate').length;
  expectedAccounts = manifest.clients.filter((c) => c.outcome === 'migrate').length;
  totalServices = manifest.services.length;
  console.log(
    `[migration scale ${scale}] seeded ${totalServices} services (${expectedServers} to migrate) in ${((Date.now() - t) / 1000).toFixed(1)} s`,
  );
  target = await createTestDatabase('keel_hard_migrate');
}, 300_000);

afterAll(async () => {
  await target?.drop();
  const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
  await admin.query(`DROP DATABASE IF EXISTS \`${sourceName}\``);
  await admin.end();
  console.log(`[migration scale ${scale}] figures:\n  ${figures.join('\n  ')}`);
});

describe(`migration at scale ${scale}`, () => {
  it('dry run on the empty target: reports every creation, changes nothing', async () => {
    const before = await targetChecksum();
    const { code, result, seconds } = await migrate('--dry-run');
    note('dry run (empty target)', seconds);
    expect(code).toBe(0);
    expect(result.dryRun).toBe(true);
    expect(result.counts.servers.created).toBe(expectedServers);
    expect(result.counts.accounts.created).toBe(expectedAccounts);
    expect(await targetChecksum()).toBe(before);
  });

  it('SIGKILLed mid-run, then rerun: complete, no duplicates', async () => {
    // The process `pnpm migrate` runs, started as `node --import tsx` (not through pnpm/tsx wrappers) so the
    // SIGKILL hits the migrator itself.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/migrate/cli.ts', '--source', sourceUrl, '--target', target.url],
      { cwd: root, env: { ...process.env, LOG_LEVEL: 'debug' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let batches = 0;
    let killed = false;
    let buffered = '';
    const t = Date.now();
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        buffered += String(chunk);
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) if (line.includes('"event":"batch"')) batches++;
        // Killed after a few committed service batches: some servers written, most not.
        if (!killed && batches >= 5) {
          killed = true;
          child.kill('SIGKILL');
        }
      });
      child.on('exit', () => resolve());
    });
    expect(killed).toBe(true);
    const [partial] = await rows<{ n: number }>(sql`select count(*)::int as n from servers`);
    console.log(
      `[migration scale ${scale}] killed after ${((Date.now() - t) / 1000).toFixed(1)} s with ${partial!.n} of ${expectedServers} servers written`,
    );
    expect(partial!.n).toBeGreaterThan(0);
    expect(partial!.n).toBeLessThan(expectedServers);

    const { code, result, seconds } = await migrate();
    note('rerun after SIGKILL', seconds);
    expect(code).toBe(0);
    expect(result.counts.servers.failed).toBe(0);
    expect(result.counts.servers.created + result.counts.servers.unchanged).toBe(expectedServers);
    expect(result.counts.servers.created).toBe(expectedServers - partial!.n);
    expect(result.reconciliation).toMatchObject({
      ok: true,
      expectedServers,
      targetServers: expectedServers,
      expectedAccounts,
      targetAccounts: expectedAccounts,
    });
    const [dups] = await rows<{ n: number; sids: number; vmids: number; emails: number; users: number }>(
      sql`select (select count(*)::int from servers) as n,
            (select count(distinct legacy_whmcs_service_id)::int from servers) as sids,
            (select count(distinct pve_vmid)::int from servers) as vmids,
            (select count(distinct email)::int from users) as emails,
            (select count(*)::int from users) as users`,
    );
    expect(dups).toEqual({
      n: expectedServers,
      sids: expectedServers,
      vmids: expectedServers,
      emails: dups!.users,
      users: result.reconciliation!.expectedUsers,
    });
  });

  it('rerun on unchanged data: 0 changes, target byte-for-byte the same', async () => {
    const before = await targetChecksum();
    const { code, result, seconds } = await migrate();
    note('rerun, unchanged source', seconds);
    expect(code).toBe(0);
    expect(changes(result)).toBe(0);
    expect(result.counts.servers.unchanged).toBe(expectedServers);
    expect(result.reconciliation?.ok).toBe(true);
    expect(await targetChecksum()).toBe(before);
  });

  it('dry run after source changes: reports them, target unchanged', async () => {
    const conn = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: sourceName });
    try {
      const [migrated] = await rows<{ sid: number }>(
        sql`select legacy_whmcs_service_id as sid from servers order by legacy_whmcs_service_id limit 1 offset 100`,
      );
      await conn.query("UPDATE tblhosting SET domain = 'renamed.hard.example' WHERE id = ?", [migrated!.sid]);
      const before = await targetChecksum();
      const { code, result, seconds } = await migrate('--dry-run');
      note('dry run, one change', seconds);
      expect(code).toBe(0);
      expect(result.counts.servers).toMatchObject({ created: 0, updated: 1, unchanged: expectedServers - 1 });
      expect(await targetChecksum()).toBe(before);
    } finally {
      await conn.end();
    }
  });
});
