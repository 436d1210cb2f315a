/**
 * Writing to Keel: batched upserts keyed on the WHMCS ids (unique legacy columns). A batch travels as ONE jsonb
 * parameter unpacked by `jsonb_to_recordset` (no statement with tens of thousands of bind parameters), is
 * compared with the target in the same statement, and only rows that really differ are written: a rerun on an
 * unchanged source reads the target and touches no row (not even a row lock). A batch that fails is retried row
 * by row under savepoints, so one bad record fails alone and is reported with its error.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../server/db/client.ts';
import type { AccountDetails } from './transform.ts';

export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
export type Writer = Database | Tx;

export interface UserRow {
  legacyUserId: number | null;
  legacyClientId: number | null;
  email: string;
  name: string;
  passwordHash: string;
  /** The accounts of this login met in this batch, by tblclients.id: merged into legacy_attributes.whmcsAccounts. */
  accounts: Record<string, AccountDetails>;
}

/** More accounts for a login already written earlier in the run: only its whmcsAccounts grow. */
export interface AccountAppend {
  legacyUserId: number | null;
  legacyClientId: number | null;
  accounts: Record<string, AccountDetails>;
}

export interface ServerRow {
  legacyServiceId: number;
  userId: string;
  name: string;
  status: string;
  planId: string | null;
  imageId: string | null;
  locationId: string | null;
  cpuCores: number;
  memoryMb: number;
  diskGb: number;
  ipAddress: string | null;
  pveNode: string | null;
  pveVmid: number;
  legacy: Record<string, unknown>;
}

export type Change = 'created' | 'updated' | 'unchanged';

type UserKey = 'legacy_whmcs_user_id' | 'legacy_whmcs_client_id';

const json = (value: unknown): SQL => sql`${JSON.stringify(value)}::jsonb`;

/**
 * Reconciliation checksums are computed by PostgreSQL, on both sides: over the values a batch sends (what the
 * run migrated, after the same casts) and, at the end, over what the target holds. Each field of each row hashes
 * to 64 bits with its row key (`hashtextextended`), and a checksum is the exact sum: order-independent, no big
 * strings, nothing parsed in JS. Null and '' hash differently.
 */
export const checksumFields = [
  'user',
  'name',
  'cpuCores',
  'memoryMb',
  'diskGb',
  'pveVmid',
  'pveNode',
  'ipAddress',
  'image',
  'location',
  'legacy',
] as const;
export type ChecksumField = (typeof checksumFields)[number];

const checksumColumns: Record<ChecksumField, { input: string; stored: string }> = {
  user: { input: 'user_id', stored: 'user_id' },
  name: { input: 'name', stored: 'name' },
  cpuCores: { input: 'cpu_cores', stored: 'cpu_cores' },
  memoryMb: { input: 'memory_mb', stored: 'memory_mb' },
  diskGb: { input: 'disk_gb', stored: 'disk_gb' },
  pveVmid: { input: 'pve_vmid', stored: 'pve_vmid' },
  pveNode: { input: 'pve_node', stored: 'pve_node' },
  ipAddress: { input: 'ip_address', stored: 'ip_address' },
  image: { input: 'image_id', stored: 'image_id' },
  location: { input: 'location_id', stored: 'location_id' },
  legacy: { input: 'legacy', stored: 'legacy_attributes' },
};

const fieldHash = (key: string, column: string) =>
  `hashtextextended(${key}::text || ':' || coalesce(${column}::text || 'v', 'n'), 0)`;

/** `count,sum1,…,sum11` over the servers of a FROM clause (`side` names the columns). */
export function serverSumsSql(alias: string, side: 'input' | 'stored'): string {
  const key = `${alias}.${side === 'input' ? 'sid' : 'legacy_whmcs_service_id'}`;
  return `concat_ws(',', count(*), ${checksumFields
    .map((f) => `coalesce(sum(${fieldHash(key, `${alias}.${checksumColumns[f][side]}`)}), 0)`)
    .join(', ')})`;
}

/** `count,sum` over accounts: `e` = jsonb_each of whmcsAccounts, `login` = the login key expression. */
export function accountSumsSql(login: string): string {
  return `concat_ws(',', count(*), coalesce(sum(hashtextextended(e.key || ':' || ${login} || ':' || e.value::text, 0)), 0))`;
}

/** Exact sums of 64-bit hashes, as PostgreSQL returns them (`count,sum,…`). */
export class Sums {
  readonly values: bigint[];
  constructor(readonly size: number) {
    this.values = Array.from({ length: size }, () => 0n);
  }
  add(text: string | null | undefined): void {
    if (!text) return;
    const parts = text.split(',');
    for (let i = 0; i < this.size; i++) this.values[i]! += BigInt(parts[i] ?? '0');
  }
  get count(): number {
    return Number(this.values[0]);
  }
  /** Digest of value i (1-based after the count) for display: 16 hex digits. */
  digest(i: number): string {
    return BigInt.asUintN(64, this.values[i]!).toString(16).padStart(16, '0');
  }
}

/**
 * Per input login: whether each of its accounts is new to the target or differs from what it holds. Shared by
 * the upsert and the append, so an account's outcome is decided by the database, in the same snapshot.
 */
function accountDiff(key: UserKey): SQL {
  return sql`diff as (
      select i.*, u.id as existing_id, coalesce(u.legacy_attributes->'whmcsAccounts', '{}'::jsonb) as old_accounts,
        u.email as old_email, u.name as old_name, u.password_hash as old_hash
      from input i left join users u on u.${sql.raw(key)} = i.k
    ), acc as (
      select d.k,
        coalesce(array_agg(e.key) filter (where d.old_accounts->e.key is null), '{}') as new_accounts,
        coalesce(array_agg(e.key) filter (where d.old_accounts->e.key is not null
          and d.old_accounts->e.key is distinct from e.value), '{}') as changed_accounts
      from diff d cross join lateral jsonb_each(d.accounts) e group by d.k
    )`;
}

const mergeAccounts = (target: string, incoming: string) =>
  sql.raw(`jsonb_set(${target}.legacy_attributes, '{whmcsAccounts}',
    coalesce(${target}.legacy_attributes->'whmcsAccounts', '{}'::jsonb) || ${incoming})`);

function upsertUsersSql(rows: readonly UserRow[], key: UserKey): SQL {
  const input = rows.map((r) => ({
    k: key === 'legacy_whmcs_user_id' ? r.legacyUserId : r.legacyClientId,
    email: r.email,
    name: r.name,
    hash: r.passwordHash,
    accounts: r.accounts,
  }));
  // A password already rehashed to scrypt by a login is Keel's own and is never replaced by the WHMCS hash.
  return sql`
    with input as (
      select * from jsonb_to_recordset(${json(input)}) as r(k int, email text, name text, hash text, accounts jsonb)
    ), ${accountDiff(key)}, written as (
      insert into users as u (${sql.raw(key)}, email, name, password_hash, role, legacy_attributes)
      select d.k, d.email, d.name, d.hash, 'customer', jsonb_build_object('whmcsAccounts', d.accounts)
      from diff d left join acc a on a.k = d.k
      where d.existing_id is null
         or (d.old_email, d.old_name) is distinct from (d.email, d.name)
         or (d.old_hash not like '$scrypt$%' and d.old_hash is distinct from d.hash)
         or cardinality(a.new_accounts) > 0 or cardinality(a.changed_accounts) > 0
      on conflict (${sql.raw(key)}) do update set
        email = excluded.email,
        name = excluded.name,
        password_hash = case when u.password_hash like '$scrypt$%' then u.password_hash else excluded.password_hash end,
        legacy_attributes = ${mergeAccounts('u', "(excluded.legacy_attributes->'whmcsAccounts')")},
        updated_at = now()
      returning u.id, u.${sql.raw(key)} as k, (xmax = 0) as inserted
    )
    select d.k, coalesce(w.id, d.existing_id) as id, (w.k is not null) as written, coalesce(w.inserted, false) as inserted,
      coalesce(a.new_accounts, '{}') as new_accounts, coalesce(a.changed_accounts, '{}') as changed_accounts,
      null as sums
    from diff d left join acc a on a.k = d.k left join written w on w.k = d.k
    ${accountSumsRow(key)}`;
}

/** The last row: checksums of the accounts the statement sent (see accountSumsSql). */
function accountSumsRow(key: UserKey): SQL {
  const login = `'${key === 'legacy_whmcs_user_id' ? 'u' : 'c'}' || i.k`;
  return sql.raw(`union all select null, null, null, null, null, null, ${accountSumsSql(login)}
    from input i cross join lateral jsonb_each(i.accounts) e`);
}

function appendAccountsSql(rows: readonly AccountAppend[], key: UserKey): SQL {
  const input = rows.map((r) => ({
    k: key === 'legacy_whmcs_user_id' ? r.legacyUserId : r.legacyClientId,
    accounts: r.accounts,
  }));
  return sql`
    with input as (
      select * from jsonb_to_recordset(${json(input)}) as r(k int, accounts jsonb)
    ), ${accountDiff(key)}, written as (
      update users u set legacy_attributes = ${mergeAccounts('u', 'a.accounts')}, updated_at = now()
      from (select d.k, d.accounts from diff d join acc x on x.k = d.k
            where cardinality(x.new_accounts) > 0 or cardinality(x.changed_accounts) > 0) a
      where u.${sql.raw(key)} = a.k
      returning u.${sql.raw(key)} as k
    )
    select d.k, d.existing_id as id, (w.k is not null) as written, false as inserted,
      coalesce(a.new_accounts, '{}') as new_accounts, coalesce(a.changed_accounts, '{}') as changed_accounts,
      null as sums
    from diff d left join acc a on a.k = d.k left join written w on w.k = d.k
    ${accountSumsRow(key)}`;
}

const serverColumns = `legacy_whmcs_service_id, user_id, name, status, plan_id, image_id, location_id,
  cpu_cores, memory_mb, disk_gb, ip_address, pve_node, pve_vmid, legacy_attributes`;

function upsertServersSql(rows: readonly ServerRow[]): SQL {
  // Arrays, not objects: a third of the JSON to build, send and parse.
  const input = rows.map((r) => [
    r.legacyServiceId,
    r.userId,
    r.name,
    r.status,
    r.planId,
    r.imageId,
    r.locationId,
    r.cpuCores,
    r.memoryMb,
    r.diskGb,
    r.ipAddress,
    r.pveNode,
    r.pveVmid,
    r.legacy,
  ]);
  // Only rows that differ from the target reach the INSERT, so an unchanged row is read, never locked or written.
  // Keel owns a server's live status once migrated: it is only re-derived when the WHMCS status changed.
  // The last row returned carries the checksums of everything the batch sent (see serverSumsSql).
  return sql`
    with input as (
      select (v->>0)::int as sid, (v->>1)::uuid as user_id, v->>2 as name, v->>3 as status, (v->>4)::uuid as plan_id,
        (v->>5)::uuid as image_id, (v->>6)::uuid as location_id, (v->>7)::int as cpu_cores, (v->>8)::int as memory_mb,
        (v->>9)::int as disk_gb, v->>10 as ip_address, v->>11 as pve_node, (v->>12)::int as pve_vmid, v->13 as legacy
      from jsonb_array_elements(${json(input)}) as v
    ), written as (
      insert into servers as s (${sql.raw(serverColumns)})
      select i.sid, i.user_id, i.name, i.status, i.plan_id, i.image_id, i.location_id, i.cpu_cores, i.memory_mb,
        i.disk_gb, i.ip_address, i.pve_node, i.pve_vmid, i.legacy
      from input i left join servers o on o.legacy_whmcs_service_id = i.sid
      where o.id is null
         or (o.user_id, o.name, o.plan_id, o.image_id, o.location_id, o.cpu_cores, o.memory_mb, o.disk_gb,
             o.ip_address, o.pve_node, o.pve_vmid, o.legacy_attributes)
            is distinct from (i.user_id, i.name, i.plan_id, i.image_id, i.location_id, i.cpu_cores, i.memory_mb,
             i.disk_gb, i.ip_address, i.pve_node, i.pve_vmid, i.legacy)
      on conflict (legacy_whmcs_service_id) do update set
        user_id = excluded.user_id, name = excluded.name,
        status = case when s.legacy_attributes->>'whmcsStatus' is distinct from excluded.legacy_attributes->>'whmcsStatus'
          then excluded.status else s.status end,
        plan_id = excluded.plan_id, image_id = excluded.image_id, location_id = excluded.location_id,
        cpu_cores = excluded.cpu_cores, memory_mb = excluded.memory_mb, disk_gb = excluded.disk_gb,
        ip_address = excluded.ip_address, pve_node = excluded.pve_node, pve_vmid = excluded.pve_vmid,
        legacy_attributes = excluded.legacy_attributes, updated_at = now()
      where (s.user_id, s.name, s.plan_id, s.image_id, s.location_id, s.cpu_cores, s.memory_mb, s.disk_gb,
             s.ip_address, s.pve_node, s.pve_vmid, s.legacy_attributes)
        is distinct from (excluded.user_id, excluded.name, excluded.plan_id, excluded.image_id, excluded.location_id,
             excluded.cpu_cores, excluded.memory_mb, excluded.disk_gb, excluded.ip_address, excluded.pve_node,
             excluded.pve_vmid, excluded.legacy_attributes)
      returning s.legacy_whmcs_service_id as sid, (xmax = 0) as inserted
    )
    select sid, inserted, null as sums from written
    union all select null, null, ${sql.raw(serverSumsSql('i', 'input'))} from input i`;
}

async function run<T>(db: Writer, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (Array.isArray(result) ? result : ((result as { rows: T[] }).rows ?? [])) as T[];
}

export interface BatchResult<K> {
  changes: Map<K, Change>;
  failures: Map<K, string>;
}

/**
 * Runs one batch statement; when it fails, retries each row under its own savepoint so the rows that can be
 * written are, and each failing row carries its own error.
 */
async function inBatchOrRowByRow<R, K>(
  tx: Tx,
  rows: readonly R[],
  keyOf: (r: R) => K,
  apply: (db: Writer, part: readonly R[]) => Promise<void>,
  failures: Map<K, string>,
  onRowFailed: (row: R) => void = () => {},
): Promise<void> {
  if (rows.length === 0) return;
  try {
    await tx.transaction((sp) => apply(sp, rows));
  } catch {
    for (const row of rows) {
      try {
        await tx.transaction((sp) => apply(sp, [row]));
      } catch (err) {
        onRowFailed(row);
        failures.set(keyOf(row), errorText(err));
      }
    }
  }
}

export function errorText(err: unknown): string {
  const e = err as { cause?: { message?: string }; message?: string };
  return (e.cause?.message ?? e.message ?? String(err)).split('\n')[0]!;
}

export interface UsersResult extends BatchResult<string> {
  /** Keel user id per login key (`u<tblusers.id>` / `c<tblclients.id>`), for every login not failed. */
  ids: Map<string, string>;
  /** Per account (tblclients.id) written into whmcsAccounts: created or updated; absent = unchanged. */
  accountChanges: Map<number, Change>;
  /** `count,sum` checksums of the accounts written, one per statement. */
  accountSums: string[];
}

interface UserReturned {
  k: number | null;
  sums: string | null;
  id: string | null;
  written: boolean;
  inserted: boolean;
  new_accounts: string[] | string;
  changed_accounts: string[] | string;
}

/** postgres.js returns text[] as an array; PGlite too, but be tolerant of the `{a,b}` text form. */
function textArray(v: string[] | string): string[] {
  if (Array.isArray(v)) return v;
  const inner = v.replace(/^\{|\}$/g, '');
  return inner === '' ? [] : inner.split(',').map((s) => s.replace(/^"|"$/g, ''));
}

const loginKey = (r: { legacyUserId: number | null; legacyClientId: number | null }) =>
  r.legacyUserId !== null ? `u${r.legacyUserId}` : `c${r.legacyClientId}`;

/**
 * Upserts the logins first met in this batch (with their accounts) and appends the accounts met later for
 * logins written earlier in the run.
 */
export async function writeUsers(
  tx: Tx,
  rows: readonly UserRow[],
  appends: readonly AccountAppend[],
): Promise<UsersResult> {
  const out: UsersResult = {
    changes: new Map(),
    failures: new Map(),
    ids: new Map(),
    accountChanges: new Map(),
    accountSums: [],
  };
  const collect = (prefix: 'u' | 'c', returned: UserReturned[], counted: boolean) => {
    for (const r of returned) {
      if (r.k === null) {
        if (r.sums) out.accountSums.push(r.sums);
        continue;
      }
      const key = `${prefix}${r.k}`;
      if (r.id) out.ids.set(key, r.id);
      if (counted) out.changes.set(key, r.written ? (r.inserted ? 'created' : 'updated') : 'unchanged');
      for (const a of textArray(r.new_accounts)) out.accountChanges.set(Number(a), 'created');
      for (const a of textArray(r.changed_accounts)) out.accountChanges.set(Number(a), 'updated');
    }
  };
  for (const [prefix, key] of [
    ['u', 'legacy_whmcs_user_id'],
    ['c', 'legacy_whmcs_client_id'],
  ] as const) {
    const byKey = (r: { legacyUserId: number | null }) => (prefix === 'u') === (r.legacyUserId !== null);
    await inBatchOrRowByRow(
      tx,
      rows.filter(byKey),
      loginKey,
      async (db, part) => collect(prefix, await run<UserReturned>(db, upsertUsersSql(part, key)), true),
      out.failures,
    );
    await inBatchOrRowByRow(
      tx,
      appends.filter(byKey),
      loginKey,
      async (db, part) => collect(prefix, await run<UserReturned>(db, appendAccountsSql(part, key)), false),
      out.failures,
    );
  }
  for (const k of out.failures.keys()) out.changes.delete(k);
  return out;
}

export interface ServersResult extends BatchResult<number> {
  /** `count,sum…` strings of the checksums of the rows written (changed or not), one per statement. */
  sums: string[];
}

export async function upsertServers(tx: Tx, rows: readonly ServerRow[]): Promise<ServersResult> {
  const changes = new Map<number, Change>();
  const failures = new Map<number, string>();
  const sums: string[] = [];
  await inBatchOrRowByRow(
    tx,
    rows,
    (r) => r.legacyServiceId,
    async (db, part) => {
      const returned = await run<{ sid: number | null; inserted: boolean | null; sums: string | null }>(
        db,
        upsertServersSql(part),
      );
      for (const r of part) changes.set(r.legacyServiceId, 'unchanged');
      for (const r of returned) {
        if (r.sums !== null) sums.push(r.sums);
        else changes.set(Number(r.sid), r.inserted ? 'created' : 'updated');
      }
    },
    failures,
    (row) => changes.delete(row.legacyServiceId),
  );
  return { changes, failures, sums };
}

export { run as executeRows };
