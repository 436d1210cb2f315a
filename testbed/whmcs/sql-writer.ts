/**
 * Turns generated rows into multi-row INSERT statements, one buffer per table, in schema column order.
 * Columns a row leaves out get the value MariaDB would store for an omitted column, so a typo'd column name
 * is an error instead of a silently empty value.
 */
import { sqlLiteral, type SqlValue } from './format.ts';
import type { Row, RowSink } from './generate.ts';
import { implicitValueSql, type TableDef } from './schema.ts';

interface TableBuffer {
  def: TableDef;
  header: string;
  columnNames: string[];
  implicit: string[];
  known: Set<string>;
  tuples: string[];
  bytes: number;
  rows: number;
}

export class SqlBatcher implements RowSink {
  private readonly buffers = new Map<string, TableBuffer>();
  private readonly ready: string[] = [];
  readonly rowCounts: Record<string, number> = {};

  constructor(
    tables: TableDef[],
    /** Flush a table's INSERT once it reaches this many bytes (keep below max_allowed_packet). */
    private readonly maxStatementBytes = 2_000_000,
  ) {
    for (const def of tables) {
      const columnNames = def.columns.map((c) => c.name);
      this.buffers.set(def.name, {
        def,
        header: `INSERT INTO \`${def.name}\` (${columnNames.map((c) => `\`${c}\``).join(',')}) VALUES\n`,
        columnNames,
        implicit: def.columns.map(implicitValueSql),
        known: new Set(columnNames),
        tuples: [],
        bytes: 0,
        rows: 0,
      });
    }
  }

  get wantsFlush(): boolean {
    return this.ready.length > 0;
  }

  add(table: string, row: Row): void {
    const buf = this.buffers.get(table);
    if (!buf) throw new Error(`unknown table ${table}`);
    for (const key in row) {
      if (!buf.known.has(key)) throw new Error(`unknown column ${table}.${key}`);
    }
    let tuple = '(';
    for (let i = 0; i < buf.columnNames.length; i++) {
      const value: SqlValue | undefined = row[buf.columnNames[i]!];
      if (i > 0) tuple += ',';
      tuple += value === undefined ? buf.implicit[i]! : sqlLiteral(value);
    }
    tuple += ')';
    buf.tuples.push(tuple);
    buf.bytes += tuple.length + 2;
    buf.rows++;
    this.rowCounts[table] = (this.rowCounts[table] ?? 0) + 1;
    if (buf.bytes >= this.maxStatementBytes) this.seal(buf);
  }

  private seal(buf: TableBuffer): void {
    if (buf.tuples.length === 0) return;
    this.ready.push(`${buf.header}${buf.tuples.join(',\n')};`);
    buf.tuples = [];
    buf.bytes = 0;
  }

  /** Statements ready to run, oldest first. */
  take(): string[] {
    return this.ready.splice(0, this.ready.length);
  }

  /** Seals every partly filled buffer and returns all remaining statements. */
  finish(): string[] {
    for (const buf of this.buffers.values()) this.seal(buf);
    return this.take();
  }
}
