/**
 * Turns generated rows into batches, one buffer per table, in schema column order: multi-row INSERT
 * statements (the .sql files for docker-init) or `LOAD DATA LOCAL INFILE` statements with their
 * tab-separated payload (the fast path into a live database; MariaDB skips parsing SQL literals).
 * Columns a row leaves out get the value MariaDB would store for an omitted column, so a typo'd column name
 * is an error instead of a silently empty value.
 */
import { sqlLiteral, tsvField, tsvFromSqlLiteral, type SqlValue } from './format.ts';
import type { Row, RowSink } from './generate.ts';
import { implicitValueSql, type TableDef } from './schema.ts';

export type BatchFormat = 'insert' | 'load-data';

export interface SqlStatement {
  table: string;
  sql: string;
  /** For `load-data`: the tab-separated rows the statement reads as its local file. */
  data?: string;
}

interface TableBuffer {
  def: TableDef;
  columnNames: string[];
  /** Omitted-column values, already in the batch format. */
  implicit: string[];
  known: Set<string>;
  lines: string[];
  bytes: number;
}

export class SqlBatcher implements RowSink {
  private readonly buffers = new Map<string, TableBuffer>();
  private readonly ready: SqlStatement[] = [];
  readonly rowCounts: Record<string, number> = {};

  constructor(
    tables: TableDef[],
    /** Seal a table's batch once it reaches this many characters (keep below max_allowed_packet). */
    private readonly maxStatementBytes = 2_000_000,
    private readonly format: BatchFormat = 'insert',
  ) {
    for (const def of tables) {
      const columnNames = def.columns.map((c) => c.name);
      const implicitSql = def.columns.map(implicitValueSql);
      this.buffers.set(def.name, {
        def,
        columnNames,
        implicit: format === 'insert' ? implicitSql : implicitSql.map(tsvFromSqlLiteral),
        known: new Set(columnNames),
        lines: [],
        bytes: 0,
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
    // Joining an array gives one flat string; `+=` per column built deep rope strings that survived into the
    // old generation and made garbage collection the biggest cost of a large seed.
    const fields = new Array<string>(buf.columnNames.length);
    const quote = this.format === 'insert' ? sqlLiteral : tsvField;
    for (let i = 0; i < fields.length; i++) {
      const value: SqlValue | undefined = row[buf.columnNames[i]!];
      fields[i] = value === undefined ? buf.implicit[i]! : quote(value);
    }
    const line = this.format === 'insert' ? `(${fields.join(',')})` : fields.join('\t');
    buf.lines.push(line);
    buf.bytes += line.length + 2;
    this.rowCounts[table] = (this.rowCounts[table] ?? 0) + 1;
    if (buf.bytes >= this.maxStatementBytes) this.seal(buf);
  }

  private seal(buf: TableBuffer): void {
    if (buf.lines.length === 0) return;
    const table = buf.def.name;
    const columns = buf.columnNames.map((c) => `\`${c}\``).join(',');
    if (this.format === 'insert') {
      this.ready.push({
        table,
        sql: `INSERT INTO \`${table}\` (${columns}) VALUES\n${buf.lines.join(',\n')};`,
      });
    } else {
      this.ready.push({
        table,
        sql:
          `LOAD DATA LOCAL INFILE '${table}.tsv' INTO TABLE \`${table}\` CHARACTER SET utf8mb4 ` +
          `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${columns})`,
        data: `${buf.lines.join('\n')}\n`,
      });
    }
    buf.lines = [];
    buf.bytes = 0;
  }

  /** Statements ready to run, oldest first, with the table each one fills. */
  takeStatements(): SqlStatement[] {
    return this.ready.splice(0, this.ready.length);
  }

  /** Seals every partly filled buffer and returns all remaining statements. */
  finishStatements(): SqlStatement[] {
    for (const buf of this.buffers.values()) this.seal(buf);
    return this.takeStatements();
  }

  /** The SQL texts of takeStatements (insert format). */
  take(): string[] {
    return this.takeStatements().map((s) => s.sql);
  }

  /** The SQL texts of finishStatements (insert format). */
  finish(): string[] {
    return this.finishStatements().map((s) => s.sql);
  }
}
