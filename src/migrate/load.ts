/**
 * Writing to Keel: batched upserts keyed on the WHMCS ids (unique legacy columns). An update only happens when
 * a column really differs (`IS DISTINCT FROM`), so a rerun on an unchanged source touches no row. A batch that
 * fails is retried row by row under savepoints, so one bad record fails alone and is reported with its error.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../server/db/client.ts';

export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
export type Writer = Database | Tx;

export interface UserRow {
  legacyUserId: number | null;
  legacyClientId: number | null;
  email: string;
  name: string;
  passwordHash: string;
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

function upsertUsersSql(
  rows: readonly UserRow[],
  key: 'legacy_whmcs_user_id' | 'legacy_whmcs_client_id',
): SQL {
  const values = sql.join(
    rows.map(
      (r) =>
        sql`(${r.legacyUserId}::int, ${r.legacyClientId}::int, ${r.email}, ${r.name}, ${r.passwordHash}, 'customer')`,
    ),
    sql`, `,
  );
  // A password already rehashed to scrypt by a login is Keel's own and is never replaced by the WHMCS hash.
  return sql`
    insert into users as u (legacy_whmcs_user_id, legacy_whmcs_client_id, email, name, password_hash, role)
    values ${values}
    on conflict (${sql.raw(key)}) do update set
      email = excluded.email,
      name = excluded.name,
      password_hash = case when u.password_hash like '$scrypt$%' then u.password_hash else excluded.password_hash end,
      updated_at = now()
    where (u.email, u.name) is distinct from (excluded.email, excluded.name)
       or (u.password_hash not like '$scrypt$%' and u.password_hash is distinct from excluded.password_hash)
    returning u.id, u.legacy_whmcs_user_id as "legacyUserId", u.legacy_whmcs_client_id as "legacyClientId",
      (xmax = 0) as inserted`;
}

function upsertServersSql(rows: readonly ServerRow[]): SQL {
  const values = sql.join(
    rows.map(
      (r) => sql`(${r.legacyServiceId}::int, ${r.userId}::uuid, ${r.name}, ${r.status}, ${r.planId}::uuid,
        ${r.imageId}::uuid, ${r.locationId}::uuid, ${r.cpuCores}::int, ${r.memoryMb}::int, ${r.diskGb}::int,
        ${r.ipAddress}, ${r.pveNode}, ${r.pveVmid}::int, ${JSON.stringify(r.legacy)}::jsonb)`,
    ),
    sql`, `,
  );
  // Keel owns a server's live status once migrated: it is only re-derived when the WHMCS status changed.
  return sql`
    insert into servers as s (legacy_whmcs_service_id, user_id, name, status, plan_id, image_id, location_id,
      cpu_cores, memory_mb, disk_gb, ip_address, pve_node, pve_vmid, legacy_attributes)
    values ${values}
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
    returning s.legacy_whmcs_service_id as "legacyServiceId", (xmax = 0) as inserted`;
}

interface Returned {
  inserted: boolean;
}

async function run<T extends Returned>(db: Writer, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : ((result as { rows: T[] }).rows ?? [])) as T[];
}

export interface BatchResult<K> {
  changes: Map<K, Change>;
  failures: Map<K, string>;
}

/**
 * Runs one batch upsert; when it fails, retries each row under its own savepoint so the rows that can be written
 * are, and each failing row carries its own error.
 */
async function upsertBatch<R, K>(
  tx: Tx,
  rows: readonly R[],
  keyOf: (r: R) => K,
  build: (rows: readonly R[]) => SQL,
  keyOfReturned: (r: Record<string, unknown>) => K,
): Promise<BatchResult<K>> {
  const changes = new Map<K, Change>();
  const failures = new Map<K, string>();
  const apply = async (db: Writer, part: readonly R[]) => {
    const returned = await run<Returned & Record<string, unknown>>(db, build(part));
    for (const r of part) changes.set(keyOf(r), 'unchanged');
    for (const r of returned) changes.set(keyOfReturned(r), r.inserted ? 'created' : 'updated');
  };
  if (rows.length === 0) return { changes, failures };
  try {
    await tx.transaction((sp) => apply(sp, rows));
  } catch {
    for (const row of rows) {
      try {
        await tx.transaction((sp) => apply(sp, [row]));
      } catch (err) {
        changes.delete(keyOf(row));
        failures.set(keyOf(row), errorText(err));
      }
    }
  }
  return { changes, failures };
}

export function errorText(err: unknown): string {
  const e = err as { cause?: { message?: string }; message?: string };
  return (e.cause?.message ?? e.message ?? String(err)).split('\n')[0]!;
}

export function upsertUsers(tx: Tx, rows: readonly UserRow[]): Promise<BatchResult<string>> {
  const byUser = rows.filter((r) => r.legacyUserId !== null);
  const byClient = rows.filter((r) => r.legacyUserId === null);
  const keyOf = (r: UserRow) => (r.legacyUserId !== null ? `u${r.legacyUserId}` : `c${r.legacyClientId}`);
  const keyOfReturned = (r: Record<string, unknown>) =>
    r.legacyUserId !== null ? `u${String(r.legacyUserId)}` : `c${String(r.legacyClientId)}`;
  return Promise.all([
    upsertBatch(tx, byUser, keyOf, (p) => upsertUsersSql(p, 'legacy_whmcs_user_id'), keyOfReturned),
  ]).then(async ([a]) => {
    const b = await upsertBatch(
      tx,
      byClient,
      keyOf,
      (p) => upsertUsersSql(p, 'legacy_whmcs_client_id'),
      keyOfReturned,
    );
    return {
      changes: new Map([...a.changes, ...b.changes]),
      failures: new Map([...a.failures, ...b.failures]),
    };
  });
}

/** Keel user ids for the given legacy keys (`u<tblusers.id>` / `c<tblclients.id>`). */
export async function userIdsFor(db: Writer, keys: readonly string[]): Promise<Map<string, string>> {
  const userIds = keys.filter((k) => k[0] === 'u').map((k) => Number(k.slice(1)));
  const clientIds = keys.filter((k) => k[0] === 'c').map((k) => Number(k.slice(1)));
  const out = new Map<string, string>();
  if (userIds.length > 0) {
    const rows = await run<Returned & { id: string; k: number }>(
      db,
      sql`select id, legacy_whmcs_user_id as k, false as inserted from users where legacy_whmcs_user_id = any(${sql.raw(`'{${userIds.join(',')}}'::int[]`)})`,
    );
    for (const r of rows) out.set(`u${r.k}`, r.id);
  }
  if (clientIds.length > 0) {
    const rows = await run<Returned & { id: string; k: number }>(
      db,
      sql`select id, legacy_whmcs_client_id as k, false as inserted from users where legacy_whmcs_client_id = any(${sql.raw(`'{${clientIds.join(',')}}'::int[]`)})`,
    );
    for (const r of rows) out.set(`c${r.k}`, r.id);
  }
  return out;
}

export function upsertServers(tx: Tx, rows: readonly ServerRow[]): Promise<BatchResult<number>> {
  return upsertBatch(
    tx,
    rows,
    (r) => r.legacyServiceId,
    upsertServersSql,
    (r) => Number(r.legacyServiceId),
  );
}

export { run as executeRows };
