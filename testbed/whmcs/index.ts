/**
 * WHMCS testbed: creates a MariaDB database from the real WHMCS table definitions and fills it with
 * deterministic, messy data plus the manifest (the migration oracle). See README.md.
 */
import mysql from 'mysql2/promise';
import { generateWhmcs } from './generate.ts';
import type { PveState, WhmcsManifest } from './manifest.ts';
import { writePveStateFile } from './output-files.ts';
import { loadSchemaFiles } from './schema.ts';
import { SqlBatcher } from './sql-writer.ts';

export type { WhmcsManifest, PveState } from './manifest.ts';
export type * from './manifest.ts';

export const DEFAULT_URL = 'mysql://root@127.0.0.1:3306/whmcs';
export const DEFAULT_SCALE = 200;
export const DEFAULT_SEED = 1;

/** Session settings every writer connection needs: fixed zone (timestamps are stored in UTC), zero dates allowed. */
export const SESSION_SQL = [
  "SET time_zone = '+00:00'",
  "SET sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'",
  'SET unique_checks = 0',
  'SET foreign_key_checks = 0',
];

export interface SeedOptions {
  url: string;
  scale?: number;
  seed?: number;
  reset?: boolean;
  pveStatePath?: string;
}

export interface SeedResult {
  manifest: WhmcsManifest;
  pveState: PveState;
  counts: Record<string, number>;
}

export function parseMysqlUrl(url: string): {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
} {
  const u = new URL(url);
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:')
    throw new Error(`expected a mysql:// URL, got ${url}`);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(database))
    throw new Error(`database name must be [A-Za-z0-9_]+, got "${database}"`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database,
  };
}

/** Runs statements on a few connections in parallel, with back-pressure so the generator cannot outrun MariaDB. */
class ParallelExecutor {
  private readonly chains: Promise<void>[];
  private readonly inflight: Promise<void>[] = [];
  private next = 0;

  constructor(private readonly conns: mysql.Connection[]) {
    this.chains = conns.map(() => Promise.resolve());
  }

  async submit(sql: string): Promise<void> {
    const i = this.next++ % this.conns.length;
    const conn = this.conns[i]!;
    const done = this.chains[i]!.then(async () => {
      await conn.query(sql);
    });
    this.chains[i] = done;
    this.inflight.push(done);
    // Wait for the oldest statement (never an already-settled race, which would spin without yielding to I/O).
    while (this.inflight.length > this.conns.length * 2) await this.inflight.shift();
  }

  async drain(): Promise<void> {
    await Promise.all(this.inflight.splice(0));
  }
}

export async function seedWhmcs(opts: SeedOptions): Promise<SeedResult> {
  const scale = opts.scale ?? DEFAULT_SCALE;
  const seed = opts.seed ?? DEFAULT_SEED;
  const target = parseMysqlUrl(opts.url);
  const { schemaSql, modulesSql, tables } = loadSchemaFiles();
  const base = {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    charset: 'UTF8MB4_GENERAL_CI',
    dateStrings: true as const,
  };
  const admin = await mysql.createConnection({ ...base, multipleStatements: true });
  const writers: mysql.Connection[] = [];
  try {
    const [existing] = await admin.query<mysql.RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [target.database],
    );
    if (Number(existing[0]?.n ?? 0) > 0) {
      if (!opts.reset)
        throw new Error(`database ${target.database} already has tables; pass reset (--reset) to drop it`);
    }
    await admin.query(`DROP DATABASE IF EXISTS \`${target.database}\``);
    await admin.query(`CREATE DATABASE \`${target.database}\` CHARACTER SET utf8 COLLATE utf8_unicode_ci`);
    await admin.query(`USE \`${target.database}\``);
    for (const sql of SESSION_SQL) await admin.query(sql);
    await admin.query(schemaSql);
    await admin.query(modulesSql);

    for (let i = 0; i < 2; i++) {
      const conn = await mysql.createConnection({ ...base, database: target.database });
      for (const sql of SESSION_SQL) await conn.query(sql);
      writers.push(conn);
    }
    const executor = new ParallelExecutor(writers);
    const batcher = new SqlBatcher(tables);
    const flush = async (): Promise<void> => {
      for (const statement of batcher.take()) await executor.submit(statement);
    };
    const { manifest, pveState } = await generateWhmcs({ seed, scale, flush }, batcher);
    for (const statement of batcher.finish()) await executor.submit(statement);
    await executor.drain();
    if (opts.pveStatePath) await writePveStateFile(opts.pveStatePath, pveState);
    return { manifest, pveState, counts: { ...batcher.rowCounts } };
  } finally {
    await Promise.all(writers.map((c) => c.end()));
    await admin.end();
  }
}
