/**
 * Writing to Keel: every statement the migrator runs against the target lives in the load modules (this file:
 * the shared helpers, the catalogue and the reconciliation reads; load-users.ts and load-servers.ts: the batched
 * upserts). Columns are named through the drizzle schema, never as strings, so renaming one in schema.ts
 * breaks the type check or changes the SQL with it.
 */
import { getTableColumns, sql, type Column, type SQL } from 'drizzle-orm';
import { executeRows, type Database, type Tx } from '../server/db/client.ts';
import { plans, servers, users, type images, type locations } from '../server/db/schema.ts';

// One Tx type and one execute() unwrapping, the server's, for the migrator's statements too.
export { executeRows, type Tx };
export type Writer = Database | Tx;

export type Change = 'created' | 'updated' | 'unchanged';

/** A quoted identifier, for statement text built once from the schema. */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
/** `alias."column"`. */
export const qualified = (alias: string, column: Column): string => `${alias}.${ident(column.name)}`;

export const json = (value: unknown): SQL => sql`${JSON.stringify(value)}::jsonb`;

/** postgres.js returns text[] as an array; PGlite too, but be tolerant of the `{a,b}` text form. */
export function textArray(v: string[] | string): string[] {
  if (Array.isArray(v)) return v;
  const inner = v.replace(/^\{|\}$/g, '');
  return inner === '' ? [] : inner.split(',').map((s) => s.replace(/^"|"$/g, ''));
}

export function errorText(err: unknown): string {
  const e = err as { cause?: { message?: string }; message?: string };
  return (e.cause?.message ?? e.message ?? String(err)).split('\n')[0]!;
}

export interface BatchResult<K> {
  changes: Map<K, Change>;
  failures: Map<K, string>;
}

/**
 * Runs one batch statement; when it fails, retries each row under its own savepoint so the rows that can be
 * written are, and each failing row carries its own error.
 */
export async function inBatchOrRowByRow<R, K>(
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

// ------------------------------------------------------------------ reconciliation checksums

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

/** The servers column each checksum covers. */
const checksumColumns = {
  user: servers.userId,
  name: servers.name,
  cpuCores: servers.cpuCores,
  memoryMb: servers.memoryMb,
  diskGb: servers.diskGb,
  pveVmid: servers.pveVmid,
  pveNode: servers.pveNode,
  ipAddress: servers.ipAddress,
  image: servers.imageId,
  location: servers.locationId,
  legacy: servers.legacyAttributes,
} satisfies Record<ChecksumField, Column>;

/** A batch's input rows name each column after its schema key (`"cpuCores"`); the table by its name. */
const columnOn = (alias: string, side: 'input' | 'stored', column: Column, key: string): string =>
  side === 'input' ? `${alias}.${ident(key)}` : qualified(alias, column);

const fieldHash = (key: string, column: string) =>
  `hashtextextended(${key}::text || ':' || coalesce(${column}::text || 'v', 'n'), 0)`;

/** The schema key of a servers column (`cpu_cores` → `cpuCores`). */
function serverKeyOf(column: Column): string {
  const found = Object.entries(getTableColumns(servers)).find(([, c]) => c === column);
  if (!found) throw new Error(`not a servers column: ${column.name}`);
  return found[0];
}

/** `count,sum1,…,sum11` over the servers of a FROM clause (`side` says whose column names the alias has). */
export function serverSumsSql(alias: string, side: 'input' | 'stored'): string {
  const at = (column: Column) => columnOn(alias, side, column, serverKeyOf(column));
  const key = at(servers.legacyWhmcsServiceId);
  return `concat_ws(',', count(*), ${checksumFields
    .map((f) => `coalesce(sum(${fieldHash(key, at(checksumColumns[f]))}), 0)`)
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

/** The login key of a stored user, as the migrator writes it: `u<tblusers.id>` or `c<tblclients.id>`. */
export const storedLoginKeySql = (alias: string): string =>
  `coalesce('u' || ${qualified(alias, users.legacyWhmcsUserId)}::text, 'c' || ${qualified(alias, users.legacyWhmcsClientId)}::text)`;

export interface TargetSums {
  /** `count,sum…` over the migrated servers (see serverSumsSql). */
  servers: string | undefined;
  /** Migrated users. */
  users: number;
  /** `count,sum` over the accounts kept in users.legacy_attributes.whmcsAccounts (see accountSumsSql). */
  accounts: string | undefined;
}

/**
 * What the target holds of the migration, summed by PostgreSQL with the same expressions the batches used.
 * With `only`, just those users and, of their accounts, those clients.
 */
export async function targetSums(
  db: Writer,
  only: { userIds: readonly string[]; clientIds: readonly number[] } | null,
  leftScope: { serviceIds: readonly number[]; clientIds: readonly number[] } = {
    serviceIds: [],
    clientIds: [],
  },
): Promise<TargetSums> {
  const removedServices = sql.raw(`'{${leftScope.serviceIds.join(',')}}'::int[]`);
  const removedAccounts = sql.raw(`'{${leftScope.clientIds.join(',')}}'::int[]`);
  const keptServer = leftScope.serviceIds.length
    ? sql`and not (${sql.raw(qualified('s', servers.legacyWhmcsServiceId))} = any(${removedServices}))`
    : sql``;
  const keptUser = leftScope.clientIds.length
    ? sql`and exists (select 1 from jsonb_object_keys(coalesce(${sql.raw(qualified('u', users.legacyAttributes))}->'whmcsAccounts', '{}'::jsonb)) k
                      where not (k::int = any(${removedAccounts})))`
    : sql``;
  const keptAccount = leftScope.clientIds.length
    ? sql`and not (e.key::int = any(${removedAccounts}))`
    : sql``;
  const userIds = sql.raw(`'{${(only?.userIds ?? []).join(',')}}'::uuid[]`);
  const clientIds = sql.raw(`'{${(only?.clientIds ?? []).join(',')}}'::int[]`);
  const legacyUser = sql.raw(
    `(${qualified('u', users.legacyWhmcsUserId)} is not null or ${qualified('u', users.legacyWhmcsClientId)} is not null)`,
  );
  const [stored] = await executeRows<{ sums: string }>(
    db,
    sql`select ${sql.raw(serverSumsSql('s', 'stored'))} as sums from ${servers} s
        where ${sql.raw(qualified('s', servers.legacyWhmcsServiceId))} is not null ${keptServer}
        ${only ? sql`and ${sql.raw(qualified('s', servers.userId))} = any(${userIds})` : sql``}`,
  );
  const [migratedUsers] = await executeRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from ${users} u where ${legacyUser} ${keptUser}
        ${only ? sql`and ${sql.raw(qualified('u', users.id))} = any(${userIds})` : sql``}`,
  );
  const attributes = sql.raw(qualified('u', users.legacyAttributes));
  const [accounts] = await executeRows<{ sums: string }>(
    db,
    sql`select ${sql.raw(accountSumsSql(storedLoginKeySql('u')))} as sums
        from ${users} u cross join lateral jsonb_each(coalesce(${attributes}->'whmcsAccounts', '{}'::jsonb)) e
        where ${legacyUser} ${keptAccount}
        ${only ? sql`and ${sql.raw(qualified('u', users.id))} = any(${userIds}) and e.key::int = any(${clientIds})` : sql``}`,
  );
  return { servers: stored?.sums, users: migratedUsers?.n ?? 0, accounts: accounts?.sums };
}

// ------------------------------------------------------------------ catalogue: plans, images, locations

export type PlanRow = Required<
  Pick<
    typeof plans.$inferInsert,
    'slug' | 'name' | 'cpuCores' | 'memoryMb' | 'diskGb' | 'active' | 'legacyWhmcsProductId'
  >
>;

const excluded = (column: Column): SQL => sql.raw(`excluded.${ident(column.name)}`);
const planCompared = [plans.slug, plans.name, plans.cpuCores, plans.memoryMb, plans.diskGb];

/** Upserts the plan of one WHMCS product, keyed on its id; a plan that already matches is not touched. */
export async function upsertPlan(tx: Tx, plan: PlanRow): Promise<{ id: string; change: Change } | null> {
  const rows = await tx
    .insert(plans)
    .values(plan)
    .onConflictDoUpdate({
      target: plans.legacyWhmcsProductId,
      set: {
        slug: excluded(plans.slug),
        name: excluded(plans.name),
        cpuCores: excluded(plans.cpuCores),
        memoryMb: excluded(plans.memoryMb),
        diskGb: excluded(plans.diskGb),
        updatedAt: sql`now()`,
      },
      setWhere: sql`(${sql.join(planCompared, sql`, `)}) is distinct from (${sql.join(planCompared.map(excluded), sql`, `)})`,
    })
    .returning({ id: plans.id, inserted: sql<boolean>`(xmax = 0)` });
  const row = rows[0];
  return row ? { id: row.id, change: row.inserted ? 'created' : 'updated' } : null;
}

/** Keel plan id per WHMCS product id, for every plan a migration made. */
export async function planIdsByProduct(tx: Tx): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const p of await tx.select({ id: plans.id, pid: plans.legacyWhmcsProductId }).from(plans))
    if (p.pid !== null) out.set(p.pid, p.id);
  return out;
}

export type CatalogueTable = typeof images | typeof locations;

export async function catalogueEntries(
  db: Writer,
  table: CatalogueTable,
): Promise<{ id: string; slug: string; name: string }[]> {
  return db.select({ id: table.id, slug: table.slug, name: table.name }).from(table);
}

/** Creates a closed image or location, or finds the one that already has its slug. */
export async function insertClosedEntry(
  tx: Tx,
  table: CatalogueTable,
  entry: { slug: string; name: string },
): Promise<{ id: string | undefined; created: boolean }> {
  const inserted = await tx
    .insert(table)
    .values({ ...entry, active: false })
    .onConflictDoNothing({ target: table.slug })
    .returning({ id: table.id });
  if (inserted[0]) return { id: inserted[0].id, created: true };
  const [found] = await tx
    .select({ id: table.id })
    .from(table)
    .where(sql`${table.slug} = ${entry.slug}`);
  return { id: found?.id, created: false };
}

// ------------------------------------------------------------------ removals: what left the scope

/** A migrated server the target still holds whose WHMCS service this run did not migrate. */
export interface StaleServer {
  sid: number;
  id: string;
  name: string;
  vmid: number | null;
  clientId: number | null;
}

/**
 * The target's live migrated servers with a tblhosting.id in `(after, upTo]` (upTo null: no upper bound)
 * other than `migrated`; with `clientIds`, only those clients' (by legacy_attributes.whmcsClientId).
 */
export async function staleServers(
  db: Writer,
  range: { after: number; upTo: number | null },
  migrated: readonly number[],
  clientIds: readonly number[] | null,
): Promise<StaleServer[]> {
  const sid = sql.raw(qualified('s', servers.legacyWhmcsServiceId));
  const clientOf = sql.raw(`(${qualified('s', servers.legacyAttributes)}->>'whmcsClientId')`);
  return executeRows<StaleServer>(
    db,
    sql`select ${sid} as sid, ${sql.raw(qualified('s', servers.id))} as id, ${sql.raw(qualified('s', servers.name))} as name,
          ${sql.raw(qualified('s', servers.pveVmid))} as vmid, ${clientOf}::int as "clientId"
        from ${servers} s
        where ${sid} > ${range.after} ${range.upTo === null ? sql`` : sql`and ${sid} <= ${range.upTo}`}
          and ${sql.raw(qualified('s', servers.terminatedAt))} is null
          and not (${sid} = any(${sql.raw(`'{${migrated.join(',')}}'::int[]`)}))
          ${clientIds ? sql`and ${clientOf} = any(${sql.raw(`'{${clientIds.join(',')}}'::text[]`)})` : sql``}
        order by 1`,
  );
}

/** Every WHMCS account (tblclients.id) the target keeps in users.legacy_attributes.whmcsAccounts. */
export async function storedAccountIds(db: Writer, clientIds: readonly number[] | null): Promise<number[]> {
  const attributes = sql.raw(qualified('u', users.legacyAttributes));
  const [row] = await executeRows<{ ids: number[] | string | null }>(
    db,
    sql`select array_agg(k::int order by k::int) as ids
        from ${users} u cross join lateral jsonb_object_keys(coalesce(${attributes}->'whmcsAccounts', '{}'::jsonb)) k
        ${clientIds ? sql`where k::int = any(${sql.raw(`'{${clientIds.join(',')}}'::int[]`)})` : sql``}`,
  );
  const ids = row?.ids;
  if (!ids) return [];
  return Array.isArray(ids) ? ids.map(Number) : textArray(ids).map(Number);
}
