/**
 * Staging a batch with COPY: on PostgreSQL (postgres.js) a batch's rows are streamed as COPY text into a
 * session-local temporary table, which the batch statement then reads as its input; PostgreSQL parses COPY text
 * several times faster than one large jsonb parameter, and nothing is built twice in JS. On the embedded
 * database (PGlite, no COPY FROM STDIN) the caller keeps the jsonb parameter.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql, type SQL } from 'drizzle-orm';
import type { Sql } from 'postgres';
import { ident, json, type Writer } from './load.ts';

export interface StageColumn {
  /** The column name in the staging table (the batch statement reads `i."<name>"`). */
  name: string;
  /** Its PostgreSQL type, as the target column's (`integer`, `uuid`, `jsonb`, …). */
  type: string;
}

/** The postgres.js client of a drizzle transaction or savepoint, or null (PGlite, or not in a transaction). */
export function copyClient(db: Writer): Sql | null {
  const session = (db as unknown as { session?: { client?: unknown } }).session;
  const client = session?.client;
  // postgres.js's sql is a function with .savepoint inside a transaction; PGlite is an object.
  if (typeof client !== 'function') return null;
  if (typeof (client as { savepoint?: unknown }).savepoint !== 'function') return null;
  return client as Sql;
}

/** One value in COPY's text format: `\N` for null, jsonb as JSON text, backslash escapes for the rest. */
export function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
        ? String(value)
        : JSON.stringify(value);
  return /[\\\t\n\r]/.test(text)
    ? text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : text;
}

/** The COPY text of rows (each an array in `columns` order). */
export function copyLines(rows: readonly (readonly unknown[])[]): string {
  let out = '';
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) out += (i === 0 ? '' : '\t') + copyText(row[i]);
    out += '\n';
  }
  return out;
}

/**
 * Streams `rows` into the temporary table `name` (created on first use in the session, emptied first: a dry run
 * runs every batch in one transaction). Returns false, having done nothing, when `db` cannot COPY.
 */
export async function stageRows(
  db: Writer,
  name: string,
  columns: readonly StageColumn[],
  rows: readonly (readonly unknown[])[],
): Promise<boolean> {
  const client = copyClient(db);
  if (!client) return false;
  const table = ident(name);
  await client
    .unsafe(
      `create temporary table if not exists ${table} (${columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')});
       truncate ${table}`,
    )
    .simple();
  const writable = await client
    .unsafe(`copy ${table} (${columns.map((c) => ident(c.name)).join(', ')}) from stdin`)
    .writable();
  await pipeline(Readable.from([copyLines(rows)]), writable);
  return true;
}

/** A staging table: its name and columns, in the order a batch's rows give their values. */
export interface Stage {
  name: string;
  columns: readonly StageColumn[];
}

/**
 * The `with input as (…)` head of a batch statement over `rows` (arrays in `stage.columns` order): COPY-ed into
 * the staging table where the database allows and the batch has more than one row, else ONE jsonb parameter of
 * arrays (a third of the JSON objects would be), element i cast to column i's type. The statement reads
 * `input` with the stage's column names either way.
 */
export async function batchInput(
  db: Writer,
  stage: Stage,
  rows: readonly (readonly unknown[])[],
): Promise<SQL> {
  if (rows.length > 1 && (await stageRows(db, stage.name, stage.columns, rows)))
    return sql.raw(`with input as (select * from ${ident(stage.name)})`);
  const select = stage.columns
    .map((c, i) =>
      c.type === 'jsonb' ? `v->${i} as ${ident(c.name)}` : `(v->>${i})::${c.type} as ${ident(c.name)}`,
    )
    .join(', ');
  return sql`${sql.raw(`with input as (select ${select} from jsonb_array_elements(`)}${json(rows)}${sql.raw(') as v)')}`;
}
