/**
 * Reads the shipped DDL files (schema.sql = the WHMCS reference verbatim, modules.sql = module/config tables)
 * into column and index lists. Used to fill rows with the values MariaDB itself would give an omitted column
 * and, in the tests, to compare the created tables with information_schema.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ColumnDef {
  name: string;
  /** As information_schema.COLUMNS.COLUMN_TYPE prints it, e.g. `int(10) unsigned`, `enum('a','b')`. */
  type: string;
  nullable: boolean;
  /** Raw SQL text after DEFAULT (`'Active'`, `0`, `NULL`), or null when the column has no default. */
  defaultSql: string | null;
  autoIncrement: boolean;
  collation: string | null;
}

export interface IndexDef {
  name: string;
  unique: boolean;
  columns: { name: string; subPart: number | null }[];
}

export interface TableDef {
  name: string;
  columns: ColumnDef[];
  indexes: IndexDef[];
  tableCollation: string | null;
}

export const SCHEMA_SQL_PATH = fileURLToPath(new URL('./schema.sql', import.meta.url));
export const MODULES_SQL_PATH = fileURLToPath(new URL('./modules.sql', import.meta.url));

function parseIndexColumns(list: string): IndexDef['columns'] {
  return [...list.matchAll(/`([^`]+)`(?:\((\d+)\))?/g)].map((m) => ({
    name: m[1]!,
    subPart: m[2] === undefined ? null : Number(m[2]),
  }));
}

function parseColumn(line: string): ColumnDef {
  const m = /^`([^`]+)`\s+(.*)$/.exec(line);
  if (!m) throw new Error(`cannot parse column line: ${line}`);
  const name = m[1]!;
  const rest = m[2]!;
  const typeMatch = /^(\w+)(\((?:'[^']*'|[^)'])*\))?((?:\s+unsigned)?(?:\s+zerofill)?)/i.exec(rest);
  if (!typeMatch) throw new Error(`cannot parse type of ${name}: ${rest}`);
  const type = `${typeMatch[1]!.toLowerCase()}${typeMatch[2] ?? ''}${typeMatch[3]!.replace(/\s+/g, ' ')}`;
  const after = rest.slice(typeMatch[0].length);
  const defaultMatch = /\bDEFAULT\s+('(?:[^'\\]|\\.)*'|[^\s,]+)/i.exec(after);
  const collationMatch = /\bCOLLATE\s+(\w+)/i.exec(after);
  return {
    name,
    type,
    nullable: !/\bNOT NULL\b/i.test(after),
    defaultSql: defaultMatch ? defaultMatch[1]! : null,
    autoIncrement: /\bAUTO_INCREMENT\b/i.test(after),
    collation: collationMatch ? collationMatch[1]! : null,
  };
}

/** Parses every CREATE TABLE statement in a mysqldump-style file; comments and other statements are ignored. */
export function parseSchema(sql: string): TableDef[] {
  const tables: TableDef[] = [];
  const re = /CREATE TABLE(?: IF NOT EXISTS)?\s+`([^`]+)`\s*\(([\s\S]*?)\n\)([^;]*);/g;
  for (const m of sql.matchAll(re)) {
    const columns: ColumnDef[] = [];
    const indexes: IndexDef[] = [];
    for (const rawLine of m[2]!.split('\n')) {
      const line = rawLine.trim().replace(/,$/, '');
      if (line === '') continue;
      if (line.startsWith('`')) {
        columns.push(parseColumn(line));
        continue;
      }
      const pk = /^PRIMARY KEY\s*\((.*)\)$/i.exec(line);
      if (pk) {
        indexes.push({ name: 'PRIMARY', unique: true, columns: parseIndexColumns(pk[1]!) });
        continue;
      }
      const key = /^(UNIQUE\s+)?KEY\s+`([^`]+)`\s*\((.*)\)$/i.exec(line);
      if (key) {
        indexes.push({ name: key[2]!, unique: key[1] !== undefined, columns: parseIndexColumns(key[3]!) });
        continue;
      }
      throw new Error(`unrecognised line in table ${m[1]}: ${line}`);
    }
    const collation = /COLLATE=(\w+)/i.exec(m[3]!);
    tables.push({ name: m[1]!, columns, indexes, tableCollation: collation ? collation[1]! : null });
  }
  return tables;
}

/** The literal MariaDB stores for a column the INSERT leaves out (explicit default, else the implicit one). */
export function implicitValueSql(column: ColumnDef): string {
  if (column.defaultSql !== null) return column.defaultSql;
  if (column.nullable) return 'NULL';
  const base = column.type.replace(/\(.*$/, '').replace(/ .*$/, '');
  if (/int$|^decimal$|^float$|^double$/.test(base)) return '0';
  if (base === 'date') return "'0000-00-00'";
  if (base === 'datetime' || base === 'timestamp') return "'0000-00-00 00:00:00'";
  if (base === 'enum') {
    const first = /^enum\(('(?:[^']|'')*')/.exec(column.type);
    if (first) return first[1]!;
  }
  return "''";
}

export function loadSchemaFiles(): { schemaSql: string; modulesSql: string; tables: TableDef[] } {
  const schemaSql = readFileSync(SCHEMA_SQL_PATH, 'utf8');
  const modulesSql = readFileSync(MODULES_SQL_PATH, 'utf8');
  return { schemaSql, modulesSql, tables: [...parseSchema(schemaSql), ...parseSchema(modulesSql)] };
}
