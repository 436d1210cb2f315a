/**
 * Opens Keel's database: PostgreSQL through postgres.js when DATABASE_URL is set, otherwise an embedded
 * PostgreSQL (PGlite) under DATA_DIR. Both run the same drizzle schema and the same migrations.
 */
import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql, type SQL } from 'drizzle-orm';
import * as schema from './schema.ts';
import { ensurePrivateDir, makeTreePrivate, restrictNewFiles } from './data-dir.ts';
import { acquireDirLock } from './dir-lock.ts';
import type { EmbeddedServer } from './socket.ts';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
/** The handle inside `db.transaction(async (tx) => …)`: every query function takes `Database | Tx`. */
export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * The rows of a raw `execute()`: postgres.js answers with an array of rows, PGlite with `{ rows }`.
 * Prefer the query builder; this is for the statements it cannot express.
 */
export async function executeRows<T>(db: Database | Tx, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return Array.isArray(result) ? (result as T[]) : ((result as { rows?: T[] }).rows ?? []);
}

/** Its functions are plain closures (no `this`), so they may be passed around on their own. */
export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** Applies the SQL migrations in drizzle/ that have not run yet. */
  migrate: () => Promise<void>;
  /** Cheap round trip for /readyz. */
  ping: () => Promise<void>;
  /** LISTEN on a channel; resolves to a function that stops listening. */
  listen: (channel: string, onNotify: () => void) => Promise<() => Promise<void>>;
  /** The embedded database only: serves it on 127.0.0.1:`port` for psql and db:studio; resolves to its URL. */
  serve?: (port: number) => Promise<string>;
  close: () => Promise<void>;
}

export const migrationsFolder = resolve(fileURLToPath(new URL('../../../drizzle', import.meta.url)));

/**
 * The SQL statements of the migrations the database has not applied yet, in order, for running inside
 * a transaction that will be rolled back (a dry run must see the schema it would get, yet change nothing).
 */
export async function pendingMigrationStatements(db: Database): Promise<string[]> {
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as {
    entries: { tag: string; when: number }[];
  };
  let applied = -1;
  const exists = await executeRows<{ ok: boolean }>(
    db,
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as ok`,
  );
  if (exists[0]?.ok) {
    const last = await executeRows<{ at: string | null }>(
      db,
      sql`select max(created_at)::text as at from drizzle.__drizzle_migrations`,
    );
    applied = Number(last[0]?.at ?? -1);
  }
  return journal.entries
    .filter((entry) => entry.when > applied)
    .flatMap((entry) =>
      readFileSync(join(migrationsFolder, `${entry.tag}.sql`), 'utf8').split('--> statement-breakpoint'),
    )
    .map((statement) => statement.trim())
    .filter(Boolean);
}

export interface OpenDatabaseOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  /** postgres.js pool size. */
  maxConnections?: number;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.maxConnections ?? 10)
    : openPglite(options.dataDir);
}

/**
 * postgres.js runs a type query as the first statement of every new connection and drops its promise
 * (porsager/postgres#1192, #1223): a connection cut during it, as a PostgreSQL restart does, surfaces as
 * an unhandled rejection that would end the process. The query that needed the connection fails on its
 * own and is retried or answered 503, so that one rejection is logged and nothing else is swallowed.
 */
let driverRejectionGuard = false;
function guardDriverRejections(): void {
  if (driverRejectionGuard) return;
  driverRejectionGuard = true;
  process.on('unhandledRejection', (reason) => {
    if (isDroppedTypeQuery(reason)) {
      process.emitWarning(`PostgreSQL connection lost while it was starting: ${(reason as Error).message}`);
      return;
    }
    throw reason;
  });
}

export function isDroppedTypeQuery(reason: unknown): boolean {
  const query = (reason as { query?: unknown } | null)?.query;
  return typeof query === 'string' && /from pg_catalog\.pg_type a\s/.test(query) && /typarray/.test(query);
}

async function openPostgres(url: string, max: number): Promise<DatabaseHandle> {
  guardDriverRejections();
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const client = postgres(url, {
    max,
    onnotice: () => {},
    connect_timeout: 10,
    // postgres.js's default reconnect backoff grows with every failed attempt of the whole pool
    // (3^n / 100 s, up to 20 s), so a restart of a second leaves requests waiting many seconds on
    // backoff timers after PostgreSQL is back. Reconnecting is cheap: retry briskly, at most 0.5 s apart.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5),
    // Keel's timestamps are timestamptz; keep the session in UTC so text casts read the same everywhere.
    connection: { TimeZone: 'UTC', application_name: 'keel' },
    // A documented option (README "Custom socket") that postgres.js's types leave out.
    ...({ socket: noDelaySocket() } as Record<never, never>),
  });
  const db = drizzle(preparing(client), { schema }) as unknown as Database;
  return {
    db,
    kind: 'postgres',
    migrate: () => migrate(drizzle(client, { schema }), { migrationsFolder }),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    listen: async (channel, onNotify) => {
      const listener = await client.listen(channel, () => onNotify());
      return () => listener.unlisten();
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/**
 * postgres.js's sockets keep Nagle's algorithm on (Node's default; libpq and node-postgres turn it off). A
 * message written right after another with no reply in between (COPY's CopyDone after its CopyData, or the
 * last segment of a statement larger than one segment) then waits for PostgreSQL's delayed ACK: 40 ms each,
 * measured on every COPY of the migrator. This factory makes postgres.js's socket itself, with Nagle off,
 * connecting the way postgres.js would (Unix socket path, or the hosts in turn); postgres.js writes its startup
 * message at once, and the socket sends it when connected.
 */
function noDelaySocket(): (o: { host: string[]; port: number[]; path: string | false }) => Socket {
  let next = 0;
  return (o) => {
    const socket = new Socket();
    socket.setNoDelay(true);
    if (o.path) socket.connect(o.path);
    else {
      const i = next++ % o.host.length;
      socket.connect(o.port[i] ?? o.port[0] ?? 5432, o.host[i] ?? 'localhost');
    }
    return socket;
  };
}

/**
 * drizzle sends every statement it builds through `sql.unsafe(query, params, { prepare: false })`
 * unless the query is given a name, so PostgreSQL parses and plans each one anew, and postgres.js,
 * to learn the parameter types of an unnamed statement, waits for a Describe before it can Bind: two
 * round trips per statement. This handle asks for prepared statements instead: each connection keeps
 * one per distinct SQL text (drizzle's texts are fixed per query shape, and postgres.js recycles a
 * connection after 30 to 60 minutes), so a statement is parsed and planned once per connection and
 * runs in one round trip after that. A statement without parameters still goes as a simple query
 * (postgres.js's rule), so the migrations' multi-statement scripts are unaffected. Transactions and
 * savepoints hand their callback a connection-bound `sql` of their own, wrapped the same way.
 */
export function preparing<T extends object>(sql: T): T {
  return new Proxy(sql, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (property === 'unsafe')
        return (query: unknown, parameters?: unknown, options?: Record<string, unknown>) =>
          fn.call(target, query, parameters, { ...options, prepare: true });
      if (property === 'begin' || property === 'savepoint')
        return (...args: unknown[]) => {
          const callback = args.pop() as (inner: object) => unknown;
          return fn.call(target, ...args, (inner: object) => callback(preparing(inner)));
        };
      return value;
    },
  });
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const dir = join(dataDir, 'pglite');
  restrictNewFiles();
  ensurePrivateDir(dataDir);
  // PGlite is one process's database: a second process opening the folder would corrupt it.
  const release = acquireDirLock(join(dataDir, 'pglite.lock'));
  try {
    const client = await PGlite.create(dir);
    makeTreePrivate(dir);
    const db = drizzle(client, { schema }) as unknown as Database;
    let socket: EmbeddedServer | undefined;
    return {
      db,
      kind: 'pglite',
      migrate: () => migrate(drizzle(client, { schema }), { migrationsFolder }),
      ping: async () => {
        await db.execute(sql`select 1`);
      },
      listen: (channel, onNotify) => client.listen(channel, () => onNotify()),
      serve: async (port) => {
        const { serveEmbeddedDatabase } = await import('./socket.ts');
        socket = await serveEmbeddedDatabase(client, port);
        return socket.url;
      },
      close: async () => {
        await socket?.close();
        await client.close();
        makeTreePrivate(dir);
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
