/**
 * WHMCS testbed: creates a MariaDB database from the real WHMCS table definitions and fills it with
 * deterministic, messy data plus the manifest (the migration oracle). See README.md.
 */
import { Readable } from 'node:stream';
import mysql from 'mysql2/promise';
import { generateWhmcsStreaming } from './generate.ts';
import { ManifestCollector } from './manifest.ts';
import type { ManifestSink, PveState, WhmcsManifest, WhmcsManifestHead } from './manifest.ts';
import { ManifestFileWriter, writePveStateFile } from './output-files.ts';
import { loadSchemaFiles } from './schema.ts';
import { SqlBatcher, type SqlStatement } from './sql-writer.ts';

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

export interface SeedToFilesOptions extends SeedOptions {
  /** Where the manifest JSON goes; written while seeding, never held in memory. */
  manifestPath: string;
}

export interface SeedToFilesResult {
  /** The manifest without its clients/users/services arrays (those are only in the file). */
  manifest: WhmcsManifestHead;
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

const LOCAL_FILE_CHUNK = 1 << 20;

/** Runs one batch; a LOAD DATA reads its payload as the local file. Any warning is an error: data must not be coerced. */
async function runStatement(conn: mysql.Connection, statement: SqlStatement): Promise<void> {
  const { data } = statement;
  const options: mysql.QueryOptions = { sql: statement.sql };
  if (data !== undefined) {
    options.infileStreamFactory = () => {
      const bytes = Buffer.from(data, 'utf8');
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += LOCAL_FILE_CHUNK)
        chunks.push(bytes.subarray(at, at + LOCAL_FILE_CHUNK));
      return Readable.from(chunks, { objectMode: false });
    };
  }
  const [result] = await conn.query<mysql.ResultSetHeader>(options);
  if (result.warningStatus > 0) {
    const [warnings] = await conn.query<mysql.RowDataPacket[]>('SHOW WARNINGS LIMIT 5');
    throw new Error(
      `${statement.table}: ${result.warningStatus} warning(s) while loading: ${warnings.map((w) => String(w.Message)).join('; ')}`,
    );
  }
}

/** Tables big enough at scale to get a writer connection of their own; the rest share the last one. */
const WRITER_GROUPS: readonly (readonly string[])[] = [
  ['tblhosting'],
  ['tblcustomfieldsvalues'],
  ['tblhostingconfigoptions', 'tblclients'],
];

/**
 * Writes each table on one fixed connection, inside one transaction per connection. With unique and
 * foreign-key checks off, MariaDB (10.7+, MDEV-24621) bulk-loads a table that is empty at the start of the
 * transaction: indexes are built by sorting at commit and no per-row undo is written, several times
 * faster than row-by-row maintenance with a small buffer pool. A table split across connections would
 * lose that, hence the fixed affinity. Back-pressure: at most `maxQueued` statements wait per connection.
 */
class TableWriters {
  private readonly chains: Promise<void>[];
  private readonly queued: Promise<void>[][];
  private failure: Error | undefined;

  constructor(
    private readonly conns: mysql.Connection[],
    private readonly maxQueued = 2,
  ) {
    this.chains = conns.map(() => Promise.resolve());
    this.queued = conns.map(() => []);
  }

  private connectionFor(table: string): number {
    const group = WRITER_GROUPS.findIndex((tables) => tables.includes(table));
    return Math.min(group === -1 ? WRITER_GROUPS.length : group, this.conns.length - 1);
  }

  /** A method, not inline: after an await the compiler would still think the field is unset. */
  private rethrow(): void {
    if (this.failure) throw this.failure;
  }

  async submit(statement: SqlStatement): Promise<void> {
    this.rethrow();
    const i = this.connectionFor(statement.table);
    const conn = this.conns[i]!;
    const done = this.chains[i]!.then(() => runStatement(conn, statement));
    // Remember the first error; every later submit or commit rethrows it (no unhandled rejections).
    this.chains[i] = done.catch((err: unknown) => {
      this.failure ??= err instanceof Error ? err : new Error('writing a table failed', { cause: err });
    });
    const queue = this.queued[i]!;
    queue.push(this.chains[i]);
    while (queue.length > this.maxQueued) await queue.shift();
    this.rethrow();
  }

  async commit(): Promise<void> {
    await Promise.all(this.chains);
    this.rethrow();
    await Promise.all(this.conns.map((c) => c.query('COMMIT')));
  }
}

/**
 * Seeds the database and returns the whole manifest and PVE state in memory. Memory grows with the scale
 * (about 1.5 KB per service); for large scales use seedWhmcsToFiles.
 */
export async function seedWhmcs(opts: SeedOptions): Promise<SeedResult> {
  const collector = new ManifestCollector();
  const { head, counts } = await seedDatabase(opts, collector);
  if (opts.pveStatePath) await writePveStateFile(opts.pveStatePath, collector.pveState);
  return { manifest: collector.manifest(head), pveState: collector.pveState, counts };
}

/**
 * Seeds the database and streams the manifest (and the PVE state, with pveStatePath) to files as rows are
 * generated: memory stays bounded at any scale. Writes the same bytes as seedWhmcs + writeManifestFile.
 */
export async function seedWhmcsToFiles(opts: SeedToFilesOptions): Promise<SeedToFilesResult> {
  const writer = new ManifestFileWriter(opts.manifestPath, opts.pveStatePath);
  try {
    const { head, counts } = await seedDatabase(opts, writer);
    await writer.finish(head);
    return { manifest: head, counts };
  } catch (err) {
    writer.abort();
    throw err;
  }
}

async function seedDatabase(
  opts: SeedOptions,
  manifestSink: ManifestSink,
): Promise<{ head: WhmcsManifestHead; counts: Record<string, number> }> {
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

    for (let i = 0; i <= WRITER_GROUPS.length; i++) {
      const conn = await mysql.createConnection({ ...base, database: target.database });
      for (const sql of [...SESSION_SQL, 'SET autocommit = 0']) await conn.query(sql);
      writers.push(conn);
    }
    const tableWriters = new TableWriters(writers);
    const batcher = new SqlBatcher(tables, 2_000_000, 'load-data');
    const flush = async (): Promise<void> => {
      for (const statement of batcher.takeStatements()) await tableWriters.submit(statement);
    };
    const head = await generateWhmcsStreaming({ seed, scale, flush }, batcher, manifestSink);
    for (const statement of batcher.finishStatements()) await tableWriters.submit(statement);
    await tableWriters.commit();
    return { head, counts: { ...batcher.rowCounts } };
  } finally {
    await Promise.all(writers.map((c) => c.end()));
    await admin.end();
  }
}
