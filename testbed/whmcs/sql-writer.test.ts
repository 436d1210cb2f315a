import { describe, expect, it } from 'vitest';
import { parseSchema } from './schema.ts';
import { SqlBatcher } from './sql-writer.ts';

const tables = parseSchema(`CREATE TABLE \`t\` (
  \`id\` int(10) NOT NULL AUTO_INCREMENT,
  \`name\` text NOT NULL,
  \`status\` enum('Active','Closed') NOT NULL DEFAULT 'Active',
  \`due\` date DEFAULT NULL,
  PRIMARY KEY (\`id\`)
) ENGINE=InnoDB;`);

describe('SqlBatcher', () => {
  it('writes rows in column order and fills omitted columns with their implicit values', () => {
    const b = new SqlBatcher(tables);
    b.add('t', { id: 1, name: "O'Neil" });
    b.add('t', { id: 2, name: 'x', status: 'Closed', due: '2024-01-01' });
    expect(b.finish()).toEqual([
      "INSERT INTO `t` (`id`,`name`,`status`,`due`) VALUES\n(1,'O\\'Neil','Active',NULL),\n(2,'x','Closed','2024-01-01');",
    ]);
    expect(b.rowCounts).toEqual({ t: 2 });
  });

  it('refuses unknown tables and columns', () => {
    const b = new SqlBatcher(tables);
    expect(() => b.add('nope', { id: 1 })).toThrow(/unknown table/);
    expect(() => b.add('t', { id: 1, nmae: 'typo' })).toThrow(/unknown column t\.nmae/);
  });

  it('seals a statement once it reaches the byte limit and asks to be flushed', () => {
    const b = new SqlBatcher(tables, 50);
    expect(b.wantsFlush).toBe(false);
    for (let i = 1; i <= 10; i++) b.add('t', { id: i, name: 'abcdefghij' });
    expect(b.wantsFlush).toBe(true);
    const statements = [...b.take(), ...b.finish()];
    expect(statements.length).toBeGreaterThan(1);
    const ids = statements.flatMap((s) => [...s.matchAll(/\((\d+),'abcdefghij'/g)].map((m) => Number(m[1])));
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('writes LOAD DATA batches with the same values as tab-separated lines', () => {
    const b = new SqlBatcher(tables, 2_000_000, 'load-data');
    b.add('t', { id: 1, name: "O'Neil\tTab" });
    b.add('t', { id: 2, name: 'x', status: 'Closed', due: '2024-01-01' });
    const [statement, ...rest] = b.finishStatements();
    expect(rest).toEqual([]);
    expect(statement).toEqual({
      table: 't',
      sql: "LOAD DATA LOCAL INFILE 't.tsv' INTO TABLE `t` CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (`id`,`name`,`status`,`due`)",
      data: "1\tO'Neil\\tTab\tActive\t\\N\n2\tx\tClosed\t2024-01-01\n",
    });
  });
});
