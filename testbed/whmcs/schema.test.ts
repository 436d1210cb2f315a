import { describe, expect, it } from 'vitest';
import { implicitValueSql, loadSchemaFiles, parseSchema } from './schema.ts';

const sample = `-- comment with CREATE TABLE inside a comment line is ignored unless well formed
CREATE TABLE \`tbldemo\` (
  \`id\` int(10) unsigned NOT NULL AUTO_INCREMENT,
  \`status\` enum('Active','Inactive','Closed') COLLATE utf8_unicode_ci NOT NULL DEFAULT 'Active',
  \`email\` text COLLATE utf8_unicode_ci NOT NULL,
  \`amount\` decimal(16,2) NOT NULL DEFAULT 0.00,
  \`due\` date DEFAULT NULL,
  \`regdate\` date NOT NULL,
  \`seen\` timestamp NOT NULL DEFAULT '0000-00-00 00:00:00',
  \`kind\` enum('x','y') NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`u\` (\`id\`,\`kind\`),
  KEY \`email\` (\`email\`(64))
) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;`;

describe('parseSchema', () => {
  const [table] = parseSchema(sample);

  it('reads columns with type, nullability and default', () => {
    expect(table!.name).toBe('tbldemo');
    expect(table!.columns.map((c) => [c.name, c.type, c.nullable, c.defaultSql])).toEqual([
      ['id', 'int(10) unsigned', false, null],
      ['status', "enum('Active','Inactive','Closed')", false, "'Active'"],
      ['email', 'text', false, null],
      ['amount', 'decimal(16,2)', false, '0.00'],
      ['due', 'date', true, 'NULL'],
      ['regdate', 'date', false, null],
      ['seen', 'timestamp', false, "'0000-00-00 00:00:00'"],
      ['kind', "enum('x','y')", false, null],
    ]);
    expect(table!.columns[0]!.autoIncrement).toBe(true);
    expect(table!.tableCollation).toBe('utf8_unicode_ci');
  });

  it('reads primary, unique and prefix indexes', () => {
    expect(table!.indexes).toEqual([
      { name: 'PRIMARY', unique: true, columns: [{ name: 'id', subPart: null }] },
      {
        name: 'u',
        unique: true,
        columns: [
          { name: 'id', subPart: null },
          { name: 'kind', subPart: null },
        ],
      },
      { name: 'email', unique: false, columns: [{ name: 'email', subPart: 64 }] },
    ]);
  });

  it('gives the implicit value MariaDB uses for an omitted column', () => {
    expect(table!.columns.map(implicitValueSql)).toEqual([
      '0',
      "'Active'",
      "''",
      '0.00',
      'NULL',
      "'0000-00-00'",
      "'0000-00-00 00:00:00'",
      "'x'",
    ]);
  });

  it('throws on a line it does not understand', () => {
    expect(() => parseSchema('CREATE TABLE `t` (\n  CONSTRAINT foo CHECK (1)\n);')).toThrow(/unrecognised/);
  });

  it('parses all shipped tables (20 WHMCS tables plus the module and configuration tables)', () => {
    const { tables } = loadSchemaFiles();
    expect(tables).toHaveLength(24);
    const hosting = tables.find((t) => t.name === 'tblhosting')!;
    expect(hosting.columns).toHaveLength(37);
    expect(hosting.columns.find((c) => c.name === 'domainstatus')!.type).toBe(
      "enum('Pending','Active','Suspended','Terminated','Cancelled','Fraud','Completed')",
    );
  });
});
