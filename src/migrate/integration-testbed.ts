/**
 * The setup the migrator's integration tests share: a seeded WHMCS database on the real MariaDB, an empty Keel
 * database on the real PostgreSQL, and the CLI run in-process against them. Called at a test file's top level;
 * it registers the file's beforeAll / afterAll, and its fields are set once the beforeAll has run.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import type { SQL } from 'drizzle-orm';
import { afterAll, beforeAll, expect } from 'vitest';
import { seedWhmcs, type WhmcsManifest } from '../../testbed/whmcs/index.ts';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/postgres.ts';
import { executeRows } from '../server/db/client.ts';
import { main } from './cli.ts';
import type { RunResult } from './run.ts';

export interface MigrationTestbed {
  /** The WHMCS database's name on the MariaDB testbed. */
  readonly sourceName: string;
  readonly sourceUrl: string;
  /** The seeder's record of what it wrote: the oracle the tests compare with. */
  manifest: WhmcsManifest;
  target: TestDatabase;
  /** A connection to the WHMCS database, for changing the source between runs. */
  whmcs: mysql.Connection;
  /** The CLI against source and target, with these extra arguments. */
  migrate: (...args: string[]) => Promise<{ code: number; out: string; err: string }>;
  /** The CLI with --json: its result, after checking it exited 0. */
  migrateJson: (...args: string[]) => Promise<RunResult>;
  /** Rows of a query on the target. */
  rows: <T>(query: SQL) => Promise<T[]>;
}

export function useMigrationTestbed(options: {
  name: string;
  scale: number;
  seed: number;
}): MigrationTestbed {
  const sourceName = `${options.name}_${randomBytes(4).toString('hex')}`;
  const sourceUrl = `mysql://root@127.0.0.1:3306/${sourceName}`;
  const bed = {
    sourceName,
    sourceUrl,
    async migrate(...args: string[]) {
      let out = '';
      let err = '';
      const code = await main(['--source', sourceUrl, '--target', bed.target.url, ...args], {
        env: { LOG_LEVEL: 'warn' },
        stdout: (t) => (out += t),
        stderr: (t) => (err += t),
        isTty: false,
      });
      return { code, out, err };
    },
    async migrateJson(...args: string[]) {
      const { code, out, err } = await bed.migrate('--json', ...args);
      expect(code, err).toBe(0);
      return JSON.parse(out) as RunResult;
    },
    rows<T>(query: SQL): Promise<T[]> {
      return executeRows<T>(bed.target.handle.db, query);
    },
  } as MigrationTestbed;

  beforeAll(async () => {
    ({ manifest: bed.manifest } = await seedWhmcs({
      url: sourceUrl,
      scale: options.scale,
      seed: options.seed,
      reset: true,
    }));
    bed.target = await createTestDatabase(options.name);
    bed.whmcs = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: sourceName });
  }, 120_000);

  afterAll(async () => {
    await (bed.whmcs as mysql.Connection | undefined)?.end();
    await (bed.target as TestDatabase | undefined)?.drop();
    const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
    await admin.query(`DROP DATABASE IF EXISTS \`${sourceName}\``);
    await admin.end();
  });

  return bed;
}
