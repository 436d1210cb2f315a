/**
 * Migrated addresses into IPAM (ip_addresses), in bulk, two statements per batch of services, in the batch's
 * transaction. The conflict rules are IPAM's own: an address belongs to at most one server, and a server holds
 * at most one primary address.
 *
 * - An address with a row in a pool (its range) that no server holds is allocated to the server.
 * - An address no pool holds is recorded with no pool (`pool_id` null): a pool created later over it takes the
 *   row over with its holder (db/ipam.ts `createPool`), so it never hands the address out.
 * - An address another server already holds, or that an earlier service of the same batch claims (the lowest
 *   tblhosting.id first), is a conflict: the address stays with its holder and the claim is reported, never
 *   silently allowed.
 * - Addresses a server of the batch held but no longer claims (changed in WHMCS) are released: a pool's row is
 *   freed, a row outside every pool is deleted.
 */
import { getTableName, sql, type SQL } from 'drizzle-orm';
import { ipAddresses, servers } from '../server/db/schema.ts';
import { executeRows, ident, type Writer } from './load.ts';
import { batchInput, type Stage } from './load-stage.ts';

/** One address a migrated service claims; a service without any sends one row with `address` null. */
export interface AddressClaim {
  sid: number;
  address: string | null;
  primary: boolean;
}

export type AddressOutcome = 'allocated' | 'recorded' | 'kept' | 'conflict';

export interface AddressResult {
  sid: number;
  address: string;
  outcome: AddressOutcome;
  /** Whether the address is a pool's (allocated, or kept in a pool). */
  inPool: boolean;
  /** For a conflict: the service whose server holds or first claimed the address (null: not a migrated one). */
  otherSid: number | null;
  otherServerId: string | null;
}

const a = {
  id: ident(ipAddresses.id.name),
  pool: ident(ipAddresses.poolId.name),
  address: ident(ipAddresses.address.name),
  server: ident(ipAddresses.serverId.name),
  allocatedAt: ident(ipAddresses.allocatedAt.name),
  primary: ident(ipAddresses.primary.name),
};
const addressesTable = ident(getTableName(ipAddresses));
const serversTable = ident(getTableName(servers));
const serverId = ident(servers.id.name);
const serviceId = ident(servers.legacyWhmcsServiceId.name);

const stage: Stage = {
  name: 'keel_migrate_addresses',
  columns: [
    { name: 'sid', type: 'int' },
    { name: 'address', type: 'text' },
    { name: 'primary', type: 'boolean' },
  ],
};

// The batch's servers and what each claims.
// A batch is one range of tblhosting ids: bounding the join by it lets PostgreSQL read that range of the servers
// index, not the whole table (the staging table has no statistics, so it would otherwise hash every server).
const claimsCte = `mine as (
  select s.${serverId} as server_id, i.sid, i.address, i."primary"
    from input i join ${serversTable} s on s.${serviceId} = i.sid
     and s.${serviceId} between (select min(sid) from input) and (select max(sid) from input)
)`;

// 1. What the batch's servers hold but no longer claim is released; a claimed address no longer primary is
//    demoted first, so statement 2 can promote another without two primaries at once.
const releaseText = `, ${claimsCte},
held as (
  select x.${a.id} as id, x.${a.pool} as pool_id
    from ${addressesTable} x join (select distinct server_id from mine) b on x.${a.server} = b.server_id
   where not exists (select 1 from mine m where m.server_id = x.${a.server} and m.address = x.${a.address})
), released as (
  delete from ${addressesTable} x
   where x.${a.id} = any(array(select id from held where pool_id is null))
  returning 1
), freed as (
  update ${addressesTable} x set ${a.server} = null, ${a.allocatedAt} = null, ${a.primary} = true
   where x.${a.id} = any(array(select id from held where pool_id is not null))
  returning 1
), demoted as (
  update ${addressesTable} x set ${a.primary} = false
   where x.${a.address} = any(array(select address from mine where address is not null and not "primary"))
     and x.${a.primary}
     and exists (select 1 from mine m where m.server_id = x.${a.server} and m.address = x.${a.address})
  returning 1
)
select (select count(*) from released)::int + (select count(*) from freed)::int as released`;

// 2. Each claim against the row that holds the address now (PostgreSQL runs every data-modifying CTE to
//    completion whether or not the final select reads it).
const claimText = `, ${claimsCte},
claim as (
  select m.*, x.${a.id} as row_id, x.${a.server} as holder, x.${a.pool} as pool_id
    from mine m left join lateral (
      -- One index lookup per claimed address (offset 0 keeps it a lookup, never a scan of every address).
      select x.${a.id}, x.${a.server}, x.${a.pool} from ${addressesTable} x where x.${a.address} = m.address offset 0
    ) x on true
   where m.address is not null
), free as (
  select c.*, row_number() over (partition by c.address order by c.sid) as rn,
         min(c.sid) over (partition by c.address) as first_sid
    from claim c where c.holder is null
), allocated as (
  update ${addressesTable} x set ${a.server} = f.server_id, ${a.allocatedAt} = now(), ${a.primary} = f."primary"
    from free f where f.rn = 1 and f.row_id is not null and x.${a.id} = f.row_id
  returning x.${a.id}
), recorded as (
  insert into ${addressesTable} (${a.pool}, ${a.address}, ${a.server}, ${a.allocatedAt}, ${a.primary})
  select null, f.address, f.server_id, now(), f."primary" from free f where f.rn = 1 and f.row_id is null
  on conflict (${a.address}) do nothing
  returning ${a.address}
), promoted as (
  update ${addressesTable} x set ${a.primary} = true
    from claim c
   where c.holder = c.server_id and x.${a.id} = c.row_id and c."primary" and not x.${a.primary}
  returning 1
)
select c.sid, c.address,
  case when c.holder = c.server_id then 'kept'
       when c.holder is not null or f.rn > 1 then 'conflict'
       when c.row_id is not null then 'allocated'
       else 'recorded' end as outcome,
  (c.pool_id is not null) as "inPool",
  case when c.holder is not null and c.holder <> c.server_id
         then (select h.${serviceId} from ${serversTable} h where h.${serverId} = c.holder)
       when f.rn > 1 then f.first_sid end as "otherSid",
  case when c.holder is not null and c.holder <> c.server_id then c.holder
       when f.rn > 1 then (select s.${serverId} from ${serversTable} s where s.${serviceId} = f.first_sid) end as "otherServerId"
  from claim c
  left join free f on f.sid = c.sid and f.address = c.address`;

/**
 * Claims of one batch: staged once (COPY, or one jsonb parameter read by both statements), then released and
 * claimed. `created`: the
 * servers this transaction created; when every claim is one of theirs nothing can be held yet, and the release
 * statement is skipped (a first run's every batch).
 */
export async function registerAddresses(
  db: Writer,
  claims: readonly AddressClaim[],
  created: ReadonlySet<number> = new Set(),
): Promise<AddressResult[]> {
  if (claims.length === 0) return [];
  const input = await batchInput(
    db,
    stage,
    claims.map((c) => [c.sid, c.address, c.primary]),
  );
  const statement = (tail: string): SQL => sql`${input}${sql.raw(tail)}`;
  if (!claims.every((c) => created.has(c.sid))) await executeRows(db, statement(releaseText));
  const out = await executeRows<AddressResult>(db, statement(claimText));
  return out.map((r) => ({
    ...r,
    sid: Number(r.sid),
    otherSid: r.otherSid === null ? null : Number(r.otherSid),
  }));
}
