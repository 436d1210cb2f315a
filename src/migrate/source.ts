/**
 * Reading the WHMCS database with mysql2. Catalogue tables are small and read whole; clients and services are
 * read in keyset-paginated batches (`WHERE id > ? ORDER BY id LIMIT n`), with their option rows, field values
 * and module rows fetched per batch by id range, so memory stays flat whatever the table sizes.
 */
import mysql from 'mysql2/promise';
import type { FieldDef, FieldRow, OptionDef, OptionRow } from './rules-options.ts';
import type { Catalogue, ClientRow, ModuleVm, Product, ServiceRow } from './whmcs.ts';

export interface SourceConnection {
  conn: mysql.Connection;
  database: string;
  hasTable(name: string): boolean;
  version: string | null;
  close(): Promise<void>;
}

export async function connectSource(url: string): Promise<SourceConnection> {
  const u = new URL(url);
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') throw new Error('expected a mysql:// URL');
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database) throw new Error('the URL names no database');
  const conn = await mysql.createConnection({
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database,
    charset: 'UTF8MB4_GENERAL_CI',
    // Dates stay text: zero dates are not valid JS dates, and the zone must never shift a day.
    dateStrings: true,
    supportBigNumbers: true,
    connectTimeout: 10_000,
  });
  await conn.query("SET time_zone = '+00:00'");
  const [tables] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
    [database],
  );
  const names = new Set(tables.map((r) => String(r.t).toLowerCase()));
  if (!names.has('tblhosting') || !names.has('tblclients'))
    throw new Error(`database ${database} has no WHMCS tables (tblclients, tblhosting)`);
  let version: string | null = null;
  if (names.has('tblconfiguration')) {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      "SELECT value FROM tblconfiguration WHERE setting = 'Version' LIMIT 1",
    );
    version = rows[0] ? String(rows[0].value) : null;
  }
  return {
    conn,
    database,
    hasTable: (name) => names.has(name.toLowerCase()),
    version,
    close: () => conn.end(),
  };
}

const num = (v: unknown): number => (v === null || v === undefined || v === '' ? 0 : Number(v));
// MariaDB hands back strings, numbers, Dates and Buffers, each of which prints as its value.
/* eslint-disable @typescript-eslint/no-base-to-string */
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
/* eslint-enable @typescript-eslint/no-base-to-string */

export async function readCatalogue(src: SourceConnection): Promise<Catalogue> {
  const q = async (sql: string) => (await src.conn.query<mysql.RowDataPacket[]>(sql))[0];
  const optionDefs = new Map<number, OptionDef & { gid: number }>();
  for (const o of await q(
    // The order form's order: by `order`, then id (getCartConfigOptions).
    'SELECT id, gid, optionname, optiontype, qtyminimum, qtymaximum, hidden FROM tblproductconfigoptions ORDER BY `order`, id',
  )) {
    optionDefs.set(num(o.id), {
      id: num(o.id),
      gid: num(o.gid),
      name: str(o.optionname),
      type: str(o.optiontype).trim(),
      qtyMinimum: num(o.qtyminimum),
      qtyMaximum: num(o.qtymaximum),
      hidden: num(o.hidden) === 1 || str(o.hidden) === 'on',
      subs: [],
    });
  }
  for (const s of await q(
    'SELECT id, configid, optionname, sortorder, hidden FROM tblproductconfigoptionssub ORDER BY id',
  )) {
    optionDefs.get(num(s.configid))?.subs.push({
      id: num(s.id),
      name: str(s.optionname),
      sortorder: num(s.sortorder),
      hidden: num(s.hidden) === 1 || str(s.hidden) === 'on',
    });
  }
  const links = await q('SELECT DISTINCT gid, pid FROM tblproductconfiglinks');
  const fields = await q(
    "SELECT id, relid, fieldname, fieldtype, fieldoptions FROM tblcustomfields WHERE type = 'product' ORDER BY sortorder, id",
  );
  const products = new Map<number, Product>();
  const productRows = await q('SELECT * FROM tblproducts ORDER BY id');
  for (const p of productRows) {
    const id = num(p.id);
    const groups = new Set(links.filter((l) => num(l.pid) === id).map((l) => num(l.gid)));
    products.set(id, {
      id,
      name: str(p.name),
      servertype: str(p.servertype),
      moduleSettings: Array.from({ length: 24 }, (_, i) => str(p[`configoption${i + 1}`])),
      options: [...optionDefs.values()].filter((o) => groups.has(o.gid)),
      fields: fields
        .filter((f) => num(f.relid) === id)
        .map((f): FieldDef => ({
          id: num(f.id),
          name: str(f.fieldname),
          fieldtype: str(f.fieldtype),
          fieldoptions: str(f.fieldoptions),
        })),
    });
  }
  const servers = new Map(
    (await q('SELECT id, type, hostname FROM tblservers')).map((s) => [
      num(s.id),
      { id: num(s.id), type: str(s.type), hostname: str(s.hostname) },
    ]),
  );
  const modulePlans = new Map<number, { cores: number; memoryMb: number; diskGb: number }>();
  if (src.hasTable('mod_pvewhmcs_plans')) {
    for (const p of await q('SELECT id, cores, memory, disk FROM mod_pvewhmcs_plans')) {
      modulePlans.set(num(p.id), { cores: num(p.cores), memoryMb: num(p.memory), diskGb: num(p.disk) });
    }
  }
  const moduleNodes = new Map<number, string>();
  if (src.hasTable('mod_pvewhmcs_nodes')) {
    for (const n of await q('SELECT id, pve_name FROM mod_pvewhmcs_nodes'))
      moduleNodes.set(num(n.id), str(n.pve_name));
  }
  return { products, servers, modulePlans, moduleNodes };
}

export async function readClientBatch(
  src: SourceConnection,
  afterId: number,
  limit: number,
  clientIds: readonly number[] | null,
): Promise<ClientRow[]> {
  const users = src.hasTable('tblusers') && src.hasTable('tblusers_clients');
  // The page first, then its owner logins: both index lookups.
  const params: unknown[] = [afterId];
  if (clientIds) params.push(clientIds.length > 0 ? clientIds : [-1]);
  params.push(limit);
  const [rows] = await src.conn.query<mysql.RowDataPacket[]>(
    `SELECT c.id, c.status, c.email, c.password, c.firstname, c.lastname, c.companyname, c.address1, c.address2,
        c.city, c.state, c.postcode, c.country, c.phonenumber, c.tax_id, c.currency, c.credit, c.taxexempt,
        c.separateinvoices, c.defaultgateway, c.language, c.groupid, c.notes, c.marketing_emails_opt_in,
        c.datecreated
       FROM tblclients c WHERE c.id > ? ${clientIds ? 'AND c.id IN (?)' : ''} ORDER BY c.id LIMIT ?`,
    params,
  );
  if (rows.length === 0) return [];
  const ids = rows.map((r) => num(r.id));
  const owners = new Map<number, mysql.RowDataPacket>();
  if (users) {
    const [ownerRows] = await src.conn.query<mysql.RowDataPacket[]>(
      `SELECT uc.client_id, u.id, u.email, u.password, u.first_name, u.last_name
         FROM tblusers_clients uc JOIN tblusers u ON u.id = uc.auth_user_id
        WHERE uc.owner = 1 AND uc.client_id IN (?) ORDER BY uc.client_id, u.id`,
      [ids],
    );
    for (const o of ownerRows) if (!owners.has(num(o.client_id))) owners.set(num(o.client_id), o);
  }
  const currencies = await currencyCodes(src);
  return rows.map((c): ClientRow => {
    const o = owners.get(num(c.id));
    return {
      id: num(c.id),
      status: str(c.status),
      email: str(c.email),
      password: str(c.password),
      firstname: str(c.firstname),
      lastname: str(c.lastname),
      companyname: str(c.companyname),
      address1: str(c.address1),
      address2: str(c.address2),
      city: str(c.city),
      state: str(c.state),
      postcode: str(c.postcode),
      country: str(c.country),
      phonenumber: str(c.phonenumber),
      taxId: str(c.tax_id),
      currency: currencies.get(num(c.currency)) ?? null,
      credit: str(c.credit),
      taxExempt: num(c.taxexempt) === 1,
      separateInvoices: num(c.separateinvoices) === 1,
      defaultGateway: str(c.defaultgateway),
      language: str(c.language),
      groupId: num(c.groupid),
      notes: str(c.notes),
      marketingOptIn: num(c.marketing_emails_opt_in) === 1,
      datecreated: strOrNull(c.datecreated),
      ownerUserId: o ? num(o.id) : null,
      ownerEmail: o ? str(o.email) : null,
      ownerPassword: o ? str(o.password) : null,
      ownerFirstName: o ? str(o.first_name) : null,
      ownerLastName: o ? str(o.last_name) : null,
    };
  });
}

let currencyCache: { src: SourceConnection; map: Map<number, string> } | undefined;
async function currencyCodes(src: SourceConnection): Promise<Map<number, string>> {
  if (currencyCache?.src === src) return currencyCache.map;
  const map = new Map<number, string>();
  if (src.hasTable('tblcurrencies')) {
    const [rows] = await src.conn.query<mysql.RowDataPacket[]>('SELECT id, code FROM tblcurrencies');
    for (const r of rows) map.set(num(r.id), str(r.code));
  }
  currencyCache = { src, map };
  return map;
}

export interface ServiceBatch {
  services: ServiceRow[];
  optionRows: Map<number, OptionRow[]>;
  fieldRows: Map<number, FieldRow[]>;
  moduleVms: Map<number, ModuleVm>;
}

/**
 * One batch of services, and for those `needsDetails` picks (the ones that may migrate) their option rows,
 * field values and module row: a service already skipped by its product, server, account or status never
 * costs those reads.
 */
export async function readServiceBatch(
  src: SourceConnection,
  afterId: number,
  limit: number,
  clientIds: readonly number[] | null,
  productFieldIds: readonly number[],
  needsDetails: (service: ServiceRow) => boolean = () => true,
): Promise<ServiceBatch> {
  const params: unknown[] = [afterId];
  if (clientIds) params.push(clientIds.length > 0 ? clientIds : [-1]);
  params.push(limit);
  const [rows] = await src.conn.query<mysql.RowDataPacket[]>(
    `SELECT h.id, h.userid, h.packageid, h.server, h.regdate, h.domain, h.billingcycle, h.amount, h.nextduedate,
        h.domainstatus, h.dedicatedip, h.assignedips, c.status AS client_status
       FROM tblhosting h LEFT JOIN tblclients c ON c.id = h.userid
      WHERE h.id > ? ${clientIds ? 'AND h.userid IN (?)' : ''} ORDER BY h.id LIMIT ?`,
    params,
  );
  const services = rows.map((h): ServiceRow => ({
    id: num(h.id),
    userid: num(h.userid),
    packageid: num(h.packageid),
    server: num(h.server),
    regdate: strOrNull(h.regdate),
    domain: strOrNull(h.domain),
    billingcycle: strOrNull(h.billingcycle),
    amount: strOrNull(h.amount),
    nextduedate: strOrNull(h.nextduedate),
    domainstatus: str(h.domainstatus),
    dedicatedip: strOrNull(h.dedicatedip),
    assignedips: strOrNull(h.assignedips),
    clientStatus: strOrNull(h.client_status),
  }));
  const batch: ServiceBatch = { services, optionRows: new Map(), fieldRows: new Map(), moduleVms: new Map() };
  const ids = services.filter(needsDetails).map((s) => s.id);
  if (ids.length === 0) return batch;
  const wanted = new Set(ids);
  // IN lists stay under MariaDB's in_predicate_conversion_threshold (1000), past which it scans the table.
  const inChunks = async (query: string): Promise<mysql.RowDataPacket[]> => {
    const out: mysql.RowDataPacket[] = [];
    for (let i = 0; i < ids.length; i += 900) {
      const [part] = await src.conn.query<mysql.RowDataPacket[]>(query, [ids.slice(i, i + 900)]);
      out.push(...part);
    }
    return out;
  };
  const optionRows = await inChunks(
    'SELECT id, relid, configid, optionid, qty FROM tblhostingconfigoptions WHERE relid IN (?)',
  );
  for (const r of optionRows) {
    const list = batch.optionRows.get(num(r.relid)) ?? [];
    list.push({ id: num(r.id), configid: num(r.configid), optionid: num(r.optionid), qty: num(r.qty) });
    batch.optionRows.set(num(r.relid), list);
  }
  if (productFieldIds.length > 0) {
    // By id range (one index range per field id), then only the wanted services: two IN lists make MariaDB
    // scan the whole table.
    const [fieldRows] = await src.conn.query<mysql.RowDataPacket[]>(
      'SELECT id, fieldid, relid, value FROM tblcustomfieldsvalues WHERE fieldid IN (?) AND relid BETWEEN ? AND ?',
      [productFieldIds, ids[0], ids[ids.length - 1]],
    );
    for (const r of fieldRows) {
      if (!wanted.has(num(r.relid))) continue;
      const list = batch.fieldRows.get(num(r.relid)) ?? [];
      list.push({ id: num(r.id), fieldid: num(r.fieldid), value: str(r.value) });
      batch.fieldRows.set(num(r.relid), list);
    }
  }
  if (src.hasTable('mod_pvewhmcs_vms')) {
    const vms = await inChunks('SELECT id, vmid, node_id, ipaddress FROM mod_pvewhmcs_vms WHERE id IN (?)');
    for (const v of vms)
      batch.moduleVms.set(num(v.id), {
        vmid: num(v.vmid),
        nodeId: v.node_id === null ? null : num(v.node_id),
        ipaddress: strOrNull(v.ipaddress),
      });
  }
  return batch;
}

/**
 * Client custom field values (e.g. a VAT number) for a set of clients, newest per field. Read like the services'
 * values: by field id and id range (the index is `(fieldid, relid)`), then only the wanted clients; `relid IN`
 * alone made MariaDB scan the whole table for every batch (271 s of reads at --scale 250000).
 */
export async function readClientFields(
  src: SourceConnection,
  clientIds: readonly number[],
): Promise<Map<number, Record<string, string>>> {
  const out = new Map<number, Record<string, string>>();
  if (clientIds.length === 0) return out;
  const names = await clientFieldNames(src);
  if (names.size === 0) return out;
  const wanted = new Set(clientIds);
  let low = clientIds[0]!;
  let high = low;
  for (const id of clientIds) {
    if (id < low) low = id;
    if (id > high) high = id;
  }
  const [rows] = await src.conn.query<mysql.RowDataPacket[]>(
    'SELECT id, fieldid, relid, value FROM tblcustomfieldsvalues WHERE fieldid IN (?) AND relid BETWEEN ? AND ? ORDER BY id',
    [[...names.keys()], low, high],
  );
  for (const r of rows) {
    if (!wanted.has(num(r.relid))) continue;
    const record = out.get(num(r.relid)) ?? {};
    record[names.get(num(r.fieldid))!] = str(r.value);
    out.set(num(r.relid), record);
  }
  return out;
}

/** tblcustomfields of type client: id → field name (a small table, read per batch so a rerun sees new fields). */
async function clientFieldNames(src: SourceConnection): Promise<Map<number, string>> {
  const map = new Map<number, string>();
  const [rows] = await src.conn.query<mysql.RowDataPacket[]>(
    "SELECT id, fieldname FROM tblcustomfields WHERE type = 'client'",
  );
  for (const r of rows) map.set(num(r.id), str(r.fieldname));
  return map;
}

/** The highest tblclients.id and tblhosting.id (within --only-client): where a keyset-paginated phase ends. */
export async function readLastIds(
  src: SourceConnection,
  clientIds: readonly number[] | null,
): Promise<{ clients: number; services: number }> {
  const filter = clientIds ? (column: string) => `WHERE ${column} IN (?)` : () => '';
  const params = clientIds ? [clientIds.length > 0 ? clientIds : [-1]] : [];
  const [[c]] = (await src.conn.query(
    `SELECT MAX(id) AS n FROM tblclients ${filter('id')}`,
    params,
  )) as unknown as [[{ n: number | null }]];
  const [[h]] = (await src.conn.query(
    `SELECT MAX(id) AS n FROM tblhosting ${filter('userid')}`,
    params,
  )) as unknown as [[{ n: number | null }]];
  return { clients: num(c?.n), services: num(h?.n) };
}

/** tblclients.status of these clients; a client missing from the map is gone from WHMCS. */
export async function readClientStatuses(
  src: SourceConnection,
  clientIds: readonly number[],
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (let i = 0; i < clientIds.length; i += 5000) {
    const [rows] = await src.conn.query<mysql.RowDataPacket[]>(
      'SELECT id, status FROM tblclients WHERE id IN (?)',
      [clientIds.slice(i, i + 5000)],
    );
    for (const r of rows) out.set(num(r.id), str(r.status));
  }
  return out;
}
