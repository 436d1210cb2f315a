/**
 * Integration tests against the local MariaDB (127.0.0.1:3306, root). Each test database has a random
 * name and is dropped afterwards, so this file can run in parallel with other suites.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOM_FIELDS, fieldByRole, productById } from './catalogue.ts';
import { splitKeyLabel } from './format.ts';
import { detectHashShape, verifyPassword } from './hashes.ts';
import { generateWhmcs } from './generate.ts';
import { SESSION_SQL, seedWhmcs, seedWhmcsToFiles, type SeedResult } from './index.ts';
import { writeManifestFile } from './output-files.ts';
import type { PveState } from './manifest.ts';
import { loadSchemaFiles } from './schema.ts';
import { SqlBatcher } from './sql-writer.ts';

const SERVER = 'mysql://root@127.0.0.1:3306';
const created: string[] = [];
let conn: mysql.Connection;
let tmp: string;

function dbName(label: string): string {
  const name = `whmcs_test_${label}_${randomBytes(4).toString('hex')}`;
  created.push(name);
  return name;
}

async function rows<T = mysql.RowDataPacket>(sql: string, params: unknown[] = []): Promise<T[]> {
  const [result] = await conn.query<mysql.RowDataPacket[]>(sql, params);
  return result as T[];
}

async function checksums(db: string): Promise<Record<string, string>> {
  const tables = loadSchemaFiles().tables.map((t) => `\`${db}\`.\`${t.name}\``);
  const result = await rows<{ Table: string; Checksum: string | number }>(
    `CHECKSUM TABLE ${tables.join(', ')}`,
  );
  return Object.fromEntries(result.map((r) => [r.Table.split('.')[1]!, String(r.Checksum)]));
}

const SMALL = 60;
let main: { db: string; result: SeedResult };

beforeAll(async () => {
  conn = await mysql.createConnection({
    host: '127.0.0.1',
    port: 3306,
    user: 'root',
    dateStrings: true,
    charset: 'UTF8MB4_GENERAL_CI',
  });
  tmp = await mkdtemp(join(tmpdir(), 'whmcs-testbed-'));
  const db = dbName('main');
  const result = await seedWhmcs({
    url: `${SERVER}/${db}`,
    scale: SMALL,
    seed: 1,
    pveStatePath: join(tmp, 'pve.json'),
  });
  main = { db, result };
});

afterAll(async () => {
  for (const db of created) await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await conn.end();
  await rm(tmp, { recursive: true, force: true });
});

describe('schema', () => {
  it('creates every table of schema.sql and modules.sql column for column', async () => {
    const { tables } = loadSchemaFiles();
    const normaliseDefault = (d: string | null): string | null =>
      d === null ? null : d.replace(/^'(-?\d+(?:\.\d+)?)'$/, '$1');
    const normaliseCollation = (c: string | null): string | null =>
      c === null ? null : c.replace(/^utf8_/, 'utf8mb3_');
    for (const table of tables) {
      const actual = await rows<{
        COLUMN_NAME: string;
        COLUMN_TYPE: string;
        IS_NULLABLE: string;
        COLUMN_DEFAULT: string | null;
        EXTRA: string;
        COLLATION_NAME: string | null;
      }>(
        'SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
        [main.db, table.name],
      );
      expect(
        actual.map((c) => c.COLUMN_NAME),
        table.name,
      ).toEqual(table.columns.map((c) => c.name));
      table.columns.forEach((col, i) => {
        const a = actual[i]!;
        const where = `${table.name}.${col.name}`;
        expect(a.COLUMN_TYPE, where).toBe(col.type);
        expect(a.IS_NULLABLE, where).toBe(col.nullable ? 'YES' : 'NO');
        expect(normaliseDefault(a.COLUMN_DEFAULT), where).toBe(normaliseDefault(col.defaultSql));
        expect(a.EXTRA.includes('auto_increment'), where).toBe(col.autoIncrement);
        if (col.collation) expect(a.COLLATION_NAME, where).toBe(normaliseCollation(col.collation));
      });
      const indexRows = await rows<{
        INDEX_NAME: string;
        NON_UNIQUE: number;
        COLUMN_NAME: string;
        SUB_PART: number | null;
      }>(
        'SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX',
        [main.db, table.name],
      );
      const actualIndexes = new Map<string, string>();
      for (const r of indexRows) {
        const prev = actualIndexes.get(r.INDEX_NAME);
        const col = `${r.COLUMN_NAME}${r.SUB_PART === null ? '' : `(${r.SUB_PART})`}`;
        actualIndexes.set(
          r.INDEX_NAME,
          prev ? `${prev},${col}` : `${Number(r.NON_UNIQUE) === 0 ? 'U:' : ''}${col}`,
        );
      }
      const expectedIndexes = new Map(
        table.indexes.map((ix) => [
          ix.name,
          `${ix.unique ? 'U:' : ''}${ix.columns.map((c) => `${c.name}${c.subPart === null ? '' : `(${c.subPart})`}`).join(',')}`,
        ]),
      );
      expect(Object.fromEntries(actualIndexes), table.name).toEqual(Object.fromEntries(expectedIndexes));
    }
  });

  it('ships schema.sql identical to the WHMCS reference', async () => {
    const shipped = await readFile(new URL('./schema.sql', import.meta.url), 'utf8');
    const reference = await readFile('/work/shared/reference/whmcs-schema.sql', 'utf8').catch(() => shipped);
    expect(shipped).toBe(reference);
  });
});

describe('determinism', () => {
  it('gives identical checksums for the same seed and different ones for another seed', async () => {
    const again = dbName('again');
    const other = dbName('other');
    await seedWhmcs({ url: `${SERVER}/${again}`, scale: SMALL, seed: 1 });
    await seedWhmcs({ url: `${SERVER}/${other}`, scale: SMALL, seed: 2 });
    const [a, b, c] = await Promise.all([checksums(main.db), checksums(again), checksums(other)]);
    expect(Object.keys(a).length).toBe(24);
    expect(b).toEqual(a);
    expect(c.tblclients).not.toBe(a.tblclients);
    expect(c.tblhosting).not.toBe(a.tblhosting);
  });

  it('INSERT statements (the docker-init path) store exactly what LOAD DATA (the live path) stores', async () => {
    const db = dbName('insert');
    const { schemaSql, modulesSql, tables } = loadSchemaFiles();
    const batcher = new SqlBatcher(tables, 256_000, 'insert');
    await generateWhmcs({ seed: 1, scale: SMALL }, batcher);
    const statements = batcher.finishStatements();
    expect(statements.every((s) => s.sql.startsWith('INSERT INTO') && s.data === undefined)).toBe(true);
    const loader = await mysql.createConnection({
      host: '127.0.0.1',
      port: 3306,
      user: 'root',
      charset: 'UTF8MB4_GENERAL_CI',
      multipleStatements: true,
    });
    try {
      await loader.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8 COLLATE utf8_unicode_ci`);
      await loader.query(`USE \`${db}\``);
      for (const sql of SESSION_SQL) await loader.query(sql);
      await loader.query(schemaSql);
      await loader.query(modulesSql);
      for (const { sql } of statements) await loader.query(sql);
    } finally {
      await loader.end();
    }
    const [viaInsert, viaLoadData] = await Promise.all([checksums(db), checksums(main.db)]);
    expect(Number(viaLoadData.tblhosting)).toBeGreaterThan(0);
    expect(viaInsert).toEqual(viaLoadData);
  });

  it('streams the same manifest and PVE state to files as the in-memory API returns', async () => {
    const db = dbName('files');
    const manifestPath = join(tmp, 'streamed-manifest.json');
    const pveStatePath = join(tmp, 'streamed-pve.json');
    const { manifest: head, counts } = await seedWhmcsToFiles({
      url: `${SERVER}/${db}`,
      scale: SMALL,
      seed: 1,
      manifestPath,
      pveStatePath,
    });
    expect(head).not.toHaveProperty('services');
    expect(head.counts).toEqual(main.result.manifest.counts);
    expect(counts).toEqual(main.result.counts);
    await writeManifestFile(join(tmp, 'memory-manifest.json'), main.result.manifest);
    expect(await readFile(manifestPath, 'utf8')).toBe(
      await readFile(join(tmp, 'memory-manifest.json'), 'utf8'),
    );
    expect(await readFile(pveStatePath, 'utf8')).toBe(await readFile(join(tmp, 'pve.json'), 'utf8'));
    expect(await checksums(db)).toEqual(await checksums(main.db));
  });

  it('refuses to overwrite a filled database without reset, and resets when asked', async () => {
    await expect(seedWhmcs({ url: `${SERVER}/${main.db}`, scale: SMALL, seed: 1 })).rejects.toThrow(
      /already has tables/,
    );
  });
});

describe('manifest cases exist in the data', () => {
  const q = (sql: string, params: unknown[] = []) => rows(sql.replaceAll('DB.', `\`${main.db}\`.`), params);
  const caseOf = (name: string) => {
    const entry = main.result.manifest.cases[name];
    expect(entry, `case ${name}`).toBeDefined();
    return entry!;
  };

  it('names every documented messy case, each with at least one record', () => {
    const names = Object.keys(main.result.manifest.cases);
    expect(names.length).toBeGreaterThanOrEqual(33);
    for (const [name, c] of Object.entries(main.result.manifest.cases)) {
      const total =
        c.clientIds.length +
        c.serviceIds.length +
        c.userIds.length +
        Object.values(c.catalogue).flat().length;
      expect(total, name).toBeGreaterThan(0);
    }
  });

  it('every referenced client, service and user row exists', async () => {
    for (const [name, c] of Object.entries(main.result.manifest.cases)) {
      for (const [table, ids] of [
        ['tblclients', c.clientIds],
        ['tblhosting', c.serviceIds],
        ['tblusers', c.userIds],
        ...Object.entries(c.catalogue),
      ] as const) {
        if (ids.length === 0) continue;
        const found = await q(`SELECT COUNT(DISTINCT id) AS n FROM DB.${table} WHERE id IN (?)`, [ids]);
        expect(Number(found[0]!.n), `${name} → ${table}`).toBe(new Set(ids).size);
      }
    }
  });

  it('config option cases: no rows, duplicates (newest wins), orphans', async () => {
    for (const id of caseOf('no-config-option-rows').serviceIds) {
      expect(
        Number((await q('SELECT COUNT(*) AS n FROM DB.tblhostingconfigoptions WHERE relid = ?', [id]))[0]!.n),
      ).toBe(0);
    }
    for (const id of caseOf('duplicate-config-option-rows').serviceIds) {
      const dup = await q(
        'SELECT configid, COUNT(*) AS n FROM DB.tblhostingconfigoptions WHERE relid = ? GROUP BY configid HAVING n > 1',
        [id],
      );
      expect(dup.length, `service ${id}`).toBeGreaterThan(0);
    }
    for (const id of caseOf('orphan-config-option-row').serviceIds) {
      const orphans = await q(
        `SELECT h.id FROM DB.tblhostingconfigoptions h
           LEFT JOIN DB.tblproductconfigoptions o ON o.id = h.configid
           LEFT JOIN DB.tblproductconfigoptionssub s ON s.id = h.optionid
          WHERE h.relid = ? AND (o.id IS NULL OR s.id IS NULL)`,
        [id],
      );
      expect(orphans.length, `service ${id}`).toBeGreaterThan(0);
    }
  });

  it('custom field cases: value outside the list, duplicate values', async () => {
    for (const id of caseOf('custom-field-value-not-in-options').serviceIds) {
      const r = await q(
        `SELECT v.value, f.fieldoptions FROM DB.tblcustomfieldsvalues v JOIN DB.tblcustomfields f ON f.id = v.fieldid
          WHERE v.relid = ? AND f.type = 'product' AND f.fieldtype = 'dropdown' ORDER BY v.id`,
        [id],
      );
      expect(
        r.some((row) => !String(row.fieldoptions).split(',').includes(String(row.value))),
        `service ${id}`,
      ).toBe(true);
    }
    for (const id of caseOf('duplicate-custom-field-values').serviceIds) {
      const dup = await q(
        'SELECT fieldid, COUNT(*) AS n FROM DB.tblcustomfieldsvalues WHERE relid = ? GROUP BY fieldid HAVING n > 1',
        [id],
      );
      expect(dup.length, `service ${id}`).toBeGreaterThan(0);
    }
  });

  it('people cases: email quirks, shared email, two accounts, invited sub-user, non-ASCII, entities', async () => {
    for (const id of caseOf('email-capitals-trailing-space').clientIds) {
      const [c] = await q('SELECT email FROM DB.tblclients WHERE id = ?', [id]);
      const email = String(c!.email);
      expect(email).not.toBe(email.trim().toLowerCase());
      expect(/[A-Z]/.test(email) && /\s$/.test(email)).toBe(true);
    }
    for (const id of caseOf('shared-client-email').clientIds) {
      const same = await q(
        'SELECT COUNT(*) AS n FROM DB.tblclients a JOIN DB.tblclients b ON a.email = b.email AND a.id <> b.id WHERE a.id = ?',
        [id],
      );
      expect(Number(same[0]!.n), `client ${id}`).toBeGreaterThan(0);
    }
    for (const id of caseOf('user-owns-two-accounts').userIds) {
      const owned = await q(
        'SELECT COUNT(*) AS n FROM DB.tblusers_clients WHERE auth_user_id = ? AND owner = 1',
        [id],
      );
      expect(Number(owned[0]!.n)).toBeGreaterThanOrEqual(2);
    }
    for (const id of caseOf('invited-sub-user').userIds) {
      const links = await q(
        'SELECT owner, invite_id, permissions FROM DB.tblusers_clients WHERE auth_user_id = ?',
        [id],
      );
      expect(links).toHaveLength(1);
      expect(Number(links[0]!.owner)).toBe(0);
      expect(Number(links[0]!.invite_id)).toBeGreaterThan(0);
      expect(String(links[0]!.permissions)).toContain('products');
    }
    for (const id of caseOf('non-ascii-names').clientIds) {
      const [c] = await q('SELECT CONCAT(firstname, lastname) AS n FROM DB.tblclients WHERE id = ?', [id]);
      expect(
        [...String(c!.n)].some((ch) => ch.charCodeAt(0) > 0x7f),
        `client ${id}`,
      ).toBe(true);
    }
    for (const id of caseOf('html-entities').clientIds) {
      const [c] = await q(
        'SELECT CONCAT(firstname, lastname, companyname) AS n FROM DB.tblclients WHERE id = ?',
        [id],
      );
      expect(/&(amp|#039|quot|lt|gt);/.test(String(c!.n)), `client ${id}`).toBe(true);
    }
    const names = (await q("SELECT CONCAT(firstname, ' ', lastname) AS n FROM DB.tblclients")).map((r) =>
      String(r.n),
    );
    expect(names).toEqual(expect.arrayContaining(['Zoë Ångström', '太郎 山田', 'Ñandú Peña']));
  });

  it('password hashes have each shape and match their known plaintexts', async () => {
    const users = main.result.manifest.users;
    const checkedBcrypt = new Set<string>();
    for (const shape of ['bcrypt', 'md5-salted', 'hmac-sha256', 'md5'] as const) {
      const ids = caseOf(`hash-${shape}`).userIds;
      expect(ids.length, shape).toBeGreaterThan(0);
      for (const id of ids) {
        const user = users.find((u) => u.id === id)!;
        const [row] = await q('SELECT password FROM DB.tblusers WHERE id = ?', [id]);
        const stored = String(row!.password);
        expect(stored).toBe(user.passwordHash);
        expect(detectHashShape(stored)).toBe(shape);
        if (shape === 'bcrypt') {
          expect(stored.startsWith('$2y$10$')).toBe(true);
          if (checkedBcrypt.has(stored)) continue; // pooled hashes: verify each distinct one once (bcrypt is slow)
          checkedBcrypt.add(stored);
        }
        expect(verifyPassword(stored, user.plaintext), `user ${id}`).toBe(true);
      }
    }
  });

  it('service cases: non-Proxmox server, missing VMID, domain-only client, zero dates, empty domain', async () => {
    for (const id of caseOf('non-proxmox-server').serviceIds) {
      const [r] = await q(
        'SELECT s.type AS servertype, p.servertype AS module FROM DB.tblhosting h JOIN DB.tblservers s ON s.id = h.server JOIN DB.tblproducts p ON p.id = h.packageid WHERE h.id = ?',
        [id],
      );
      expect(r!.servertype).toBe('cpanel');
      expect(['proxmoxVPS', 'pvewhmcs']).toContain(r!.module);
    }
    for (const id of caseOf('missing-vmid').serviceIds) {
      const vmRows = await q('SELECT vmid FROM DB.mod_pvewhmcs_vms WHERE id = ?', [id]);
      const cf = await q(
        `SELECT v.value FROM DB.tblcustomfieldsvalues v JOIN DB.tblcustomfields f ON f.id = v.fieldid WHERE v.relid = ? AND f.fieldname = 'VMID' AND f.type = 'product'`,
        [id],
      );
      expect(vmRows.length === 0 && cf.every((r) => r.value === ''), `service ${id}`).toBe(true);
    }
    for (const id of caseOf('domain-only-client').clientIds) {
      expect(Number((await q('SELECT COUNT(*) AS n FROM DB.tblhosting WHERE userid = ?', [id]))[0]!.n)).toBe(
        0,
      );
    }
    const zero = caseOf('empty-null-zero-dates');
    for (const id of zero.serviceIds) {
      const [h] = await q('SELECT nextduedate, regdate FROM DB.tblhosting WHERE id = ?', [id]);
      expect(h!.nextduedate === null || h!.regdate === '0000-00-00', `service ${id}`).toBe(true);
    }
    for (const id of caseOf('empty-domain-name-fallback').serviceIds) {
      const [h] = await q('SELECT domain FROM DB.tblhosting WHERE id = ?', [id]);
      expect(h!.domain).toBe('');
      const svc = main.result.manifest.services.find((s) => s.id === id)!;
      if (svc.expected) expect(svc.expected.name).toBe(`whmcs-${id}`);
    }
  });

  it('VMIDs, images and the PVE state agree with the stored data for every migrating service', async () => {
    const pve = JSON.parse(await readFile(join(tmp, 'pve.json'), 'utf8')) as PveState;
    const migrating = main.result.manifest.services.filter((s) => s.outcome === 'migrate');
    expect(migrating.length).toBeGreaterThan(10);
    expect(pve.vms.map((v) => v.vmid).sort()).toEqual(migrating.map((s) => s.expected!.vmid).sort());
    for (const svc of migrating) {
      const product = productById(svc.productId);
      const e = svc.expected!;
      if (product.line === 'pvewhmcs') {
        const [vm] = await q(
          'SELECT v.vmid, n.pve_name FROM DB.mod_pvewhmcs_vms v JOIN DB.mod_pvewhmcs_nodes n ON n.id = v.node_id WHERE v.id = ?',
          [svc.id],
        );
        expect(Number(vm!.vmid)).toBe(e.vmid);
        expect(vm!.pve_name).toBe(e.node);
      } else {
        const newest = async (fieldId: number) =>
          String(
            (
              await q(
                'SELECT value FROM DB.tblcustomfieldsvalues WHERE fieldid = ? AND relid = ? ORDER BY id DESC LIMIT 1',
                [fieldId, svc.id],
              )
            )[0]!.value,
          );
        expect(Number(await newest(fieldByRole(product.id, 'vmid')!.id))).toBe(e.vmid);
        expect(splitKeyLabel(await newest(fieldByRole(product.id, 'image')!.id)).key).toBe(e.image);
      }
      const vm = pve.vms.find((v) => v.vmid === e.vmid)!;
      expect(vm).toMatchObject({
        node: e.node,
        cores: e.cpuCores,
        memoryMb: e.memoryMb,
        diskGb: e.diskGb,
        status: e.powerState,
      });
    }
    expect(CUSTOM_FIELDS.filter((f) => f.fieldname === 'VMID').length).toBeGreaterThan(1);
  });
});

describe('scale', () => {
  it('produces the requested number of clients and about four services per client', async () => {
    const db = dbName('scale');
    const scale = 2000;
    const { manifest, counts } = await seedWhmcs({ url: `${SERVER}/${db}`, scale, seed: 7 });
    const count = async (table: string) =>
      Number((await rows(`SELECT COUNT(*) AS n FROM \`${db}\`.\`${table}\``))[0]!.n);
    expect(await count('tblclients')).toBe(scale);
    expect(manifest.clients).toHaveLength(scale);
    expect(await count('tblhosting')).toBe(manifest.services.length);
    expect(manifest.services.length).toBeGreaterThan(scale * 3);
    expect(manifest.services.length).toBeLessThan(scale * 5);
    expect(await count('tblusers')).toBe(manifest.users.length);
    expect(await count('tblhostingconfigoptions')).toBe(counts.tblhostingconfigoptions);
    expect(await count('tblcustomfieldsvalues')).toBe(counts.tblcustomfieldsvalues);
    // Messy cases are sprinkled through the bulk records too, not only the hand-written first clients.
    for (const name of [
      'no-config-option-rows',
      'duplicate-config-option-rows',
      'email-capitals-trailing-space',
      'hash-hmac-sha256',
      'non-ascii-names',
    ]) {
      const c = manifest.cases[name]!;
      expect(
        [...c.clientIds, ...c.serviceIds].some((id) => id > 20),
        name,
      ).toBe(true);
    }
  });
});
