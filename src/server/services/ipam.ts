/**
 * IP pools as operators define them: creating a pool creates its addresses, and registers the ones
 * Keel servers already hold (migrated servers carry their address in `servers.ip_address` only);
 * growing, shrinking and deleting never drop an allocated address. One code path for the admin API,
 * `pnpm catalog:apply` and the demo seed. Two servers claiming one address is refused, never merged.
 */
import { and, asc, count, eq, isNotNull, sql } from 'drizzle-orm';
import type { PoolInput, PoolPatch } from '../../shared/catalogue.ts';
import { executeRows, type Database, type Tx } from '../db/client.ts';
import { ipAddresses, ipPools, locations } from '../db/schema.ts';
import { checkPool, poolFamily, rangesOverlap, type PoolSpec } from '../domain/ip-pool.ts';
import { ipv4ToInt } from '../domain/ipv4.ts';
import { appError } from '../errors.ts';

/** One transaction at a time changes the set of pools, so two overlapping ranges cannot both pass. */
const poolsLockKey = 0x6b65656c; // 'keel'

async function lockPools(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${poolsLockKey}, 1)`);
}

function invalid(fields: Record<string, string>): never {
  const message = `Invalid IP pool: ${Object.entries(fields)
    .map(([name, problem]) => `${name} ${problem}`)
    .join('; ')}`;
  throw appError('VALIDATION_FAILED', message, { fields });
}

function checked(spec: PoolSpec) {
  const check = checkPool(spec);
  if (!check.ok) invalid(check.fields);
  return check;
}

async function refuseOverlap(tx: Tx, range: { first: number; last: number }, exceptPoolId?: string) {
  const others = await tx
    .select({
      id: ipPools.id,
      cidr: ipPools.cidr,
      rangeStart: ipPools.rangeStart,
      rangeEnd: ipPools.rangeEnd,
    })
    .from(ipPools);
  for (const other of others) {
    if (other.id === exceptPoolId || poolFamily(other.cidr) !== 'ipv4') continue;
    const theirs = { first: ipv4ToInt(other.rangeStart), last: ipv4ToInt(other.rangeEnd) };
    if (rangesOverlap(range, theirs)) {
      const problem = `overlaps pool ${other.id} (${other.rangeStart}–${other.rangeEnd} in ${other.cidr})`;
      throw appError('CONFLICT', `The range ${problem}.`, {
        fields: { rangeStart: problem, rangeEnd: problem },
      });
    }
  }
}

async function insertAddresses(tx: Tx, poolId: string, addresses: readonly string[]): Promise<void> {
  for (let i = 0; i < addresses.length; i += 1000) {
    await tx.insert(ipAddresses).values(addresses.slice(i, i + 1000).map((address) => ({ poolId, address })));
  }
}

// -- registering addresses servers already hold -------------------------------------------------------

export interface AddressConflict {
  address: string;
  /** The live servers claiming it (two or more), or the one claiming an address held otherwise. */
  serverIds: string[];
  reason: string;
}

export interface Registration {
  registered: { serverId: string; address: string }[];
  conflicts: AddressConflict[];
}

/**
 * Marks each address of the given pools (all pools without `poolIds`) that a live server names in
 * `servers.ip_address` as allocated to that server. Nothing is registered for a conflicting address;
 * the conflicts come back for the caller to refuse (pool creation answers 409 naming them).
 * The migrator registers its servers through the same rules.
 */
export async function registerServerAddresses(
  tx: Tx,
  options: { poolIds?: readonly string[] } = {},
): Promise<Registration> {
  const inPools = options.poolIds
    ? sql`a.pool_id in (${sql.join(
        options.poolIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`
    : sql`true`;
  const live = sql`s.terminated_at is null and s.status <> 'terminated' and s.ip_address is not null`;
  const claims = await executeRows<{
    address: string;
    server_id: string;
    held_by: string | null;
    server_holds: string | null;
  }>(
    tx,
    sql`
    select a.address, s.id as server_id, a.server_id as held_by,
           (select o.address from ip_addresses o where o.server_id = s.id and o.id <> a.id) as server_holds
      from ip_addresses a join servers s on s.ip_address = a.address
     where ${inPools} and ${live}
     order by a.address, s.id`,
  );
  const gatewayClaims = await executeRows<{ address: string; server_id: string }>(
    tx,
    sql`
    select s.ip_address as address, s.id as server_id
      from ip_pools p join servers s on s.ip_address = p.gateway
     where ${
       options.poolIds
         ? sql`p.id in (${sql.join(
             options.poolIds.map((id) => sql`${id}::uuid`),
             sql`, `,
           )})`
         : sql`true`
     }
       and ${live}`,
  );
  const conflicts: AddressConflict[] = gatewayClaims.map((g) => ({
    address: g.address,
    serverIds: [g.server_id],
    reason: `server ${g.server_id} uses ${g.address}, which is its pool's gateway`,
  }));
  const byAddress = new Map<string, typeof claims>();
  for (const c of claims) byAddress.set(c.address, [...(byAddress.get(c.address) ?? []), c]);
  const toRegister: { serverId: string; address: string }[] = [];
  for (const [address, rows] of byAddress) {
    const ids = rows.map((r) => r.server_id);
    const first = rows[0]!;
    if (rows.length > 1) {
      conflicts.push({ address, serverIds: ids, reason: `servers ${ids.join(' and ')} both use ${address}` });
    } else if (first.held_by && first.held_by !== first.server_id) {
      conflicts.push({
        address,
        serverIds: [first.server_id, first.held_by],
        reason: `server ${first.server_id} uses ${address}, which is allocated to server ${first.held_by}`,
      });
    } else if (first.server_holds) {
      conflicts.push({
        address,
        serverIds: [first.server_id],
        reason: `server ${first.server_id} uses ${address} but holds ${first.server_holds} in IPAM`,
      });
    } else if (!first.held_by) toRegister.push({ serverId: first.server_id, address });
  }
  for (const r of toRegister) {
    await tx
      .update(ipAddresses)
      .set({ serverId: r.serverId, allocatedAt: sql`now()` })
      .where(eq(ipAddresses.address, r.address));
  }
  return { registered: toRegister, conflicts };
}

function refuseConflicts(conflicts: readonly AddressConflict[]): void {
  if (conflicts.length === 0) return;
  const shown = conflicts.slice(0, 5).map((c) => c.reason);
  const more = conflicts.length > shown.length ? ` (and ${conflicts.length - shown.length} more)` : '';
  throw appError(
    'CONFLICT',
    `Addresses in this pool are claimed twice: ${shown.join('; ')}${more}. Fix the servers' addresses first.`,
    { fields: { rangeStart: shown[0]!, rangeEnd: shown[0]! } },
  );
}

// -- pools ---------------------------------------------------------------------------------------------

export interface PoolCreated {
  id: string;
  registered: { serverId: string; address: string }[];
}

export async function createPool(tx: Tx, input: PoolInput): Promise<PoolCreated> {
  const check = checked(input);
  await lockPools(tx);
  const [location] = await tx
    .select({ id: locations.id })
    .from(locations)
    .where(eq(locations.id, input.locationId))
    .limit(1);
  if (!location) invalid({ locationId: 'is not a location that exists' });
  await refuseOverlap(tx, check);
  const [row] = await tx
    .insert(ipPools)
    .values({
      locationId: input.locationId,
      cidr: input.cidr,
      gateway: input.gateway,
      rangeStart: input.rangeStart,
      rangeEnd: input.rangeEnd,
      dns: [...input.dns],
    })
    .returning({ id: ipPools.id });
  await insertAddresses(tx, row!.id, check.addresses);
  const registration = await registerServerAddresses(tx, { poolIds: [row!.id] });
  refuseConflicts(registration.conflicts);
  return { id: row!.id, registered: registration.registered };
}

async function lockedPool(tx: Tx, id: string) {
  const [pool] = await tx.select().from(ipPools).where(eq(ipPools.id, id)).for('update').limit(1);
  if (!pool) throw appError('NOT_FOUND', 'No IP pool with this id exists.');
  return pool;
}

async function allocatedIn(tx: Tx, poolId: string) {
  return tx
    .select({ address: ipAddresses.address, serverId: ipAddresses.serverId })
    .from(ipAddresses)
    .where(and(eq(ipAddresses.poolId, poolId), isNotNull(ipAddresses.serverId)))
    .orderBy(asc(sql`${ipAddresses.address}::inet`));
}

/** What changed, for the audit line; empty when the patch changes nothing. */
export async function updatePool(tx: Tx, id: string, patch: PoolPatch): Promise<Record<string, unknown>> {
  await lockPools(tx);
  const pool = await lockedPool(tx, id);
  const next = {
    cidr: pool.cidr,
    gateway: patch.gateway ?? pool.gateway,
    rangeStart: patch.rangeStart ?? pool.rangeStart,
    rangeEnd: patch.rangeEnd ?? pool.rangeEnd,
    dns: patch.dns ?? pool.dns,
  };
  const changes: Record<string, unknown> = {};
  for (const key of ['gateway', 'rangeStart', 'rangeEnd'] as const)
    if (next[key] !== pool[key]) changes[key] = next[key];
  if (JSON.stringify(next.dns) !== JSON.stringify(pool.dns)) changes.dns = next.dns;
  if (Object.keys(changes).length === 0) return changes;
  const check = checked(next);
  await refuseOverlap(tx, check, id);
  const wanted = new Set(check.addresses);
  const held = await allocatedIn(tx, id);
  const dropped = held.filter((a) => !wanted.has(a.address));
  if (dropped.length > 0) {
    const list = dropped.slice(0, 5).map((a) => `${a.address} (server ${a.serverId})`);
    const problem = `would drop allocated address${dropped.length > 1 ? 'es' : ''} ${list.join(', ')}`;
    const field =
      'gateway' in changes && dropped.some((a) => a.address === next.gateway) ? 'gateway' : 'rangeStart';
    throw appError('CONFLICT', `This change ${problem}; release or move those servers first.`, {
      fields: { [field]: problem },
    });
  }
  const existing = await tx
    .select({ address: ipAddresses.address })
    .from(ipAddresses)
    .where(eq(ipAddresses.poolId, id));
  const have = new Set(existing.map((e) => e.address));
  const gone = existing.map((e) => e.address).filter((a) => !wanted.has(a));
  for (let i = 0; i < gone.length; i += 1000) {
    await tx.execute(
      sql`delete from ip_addresses where pool_id = ${id} and address in (${sql.join(
        gone.slice(i, i + 1000).map((a) => sql`${a}`),
        sql`, `,
      )})`,
    );
  }
  await insertAddresses(
    tx,
    id,
    check.addresses.filter((a) => !have.has(a)),
  );
  await tx
    .update(ipPools)
    .set({ gateway: next.gateway, rangeStart: next.rangeStart, rangeEnd: next.rangeEnd, dns: [...next.dns] })
    .where(eq(ipPools.id, id));
  const registration = await registerServerAddresses(tx, { poolIds: [id] });
  refuseConflicts(registration.conflicts);
  return changes;
}

export async function deletePool(tx: Tx, id: string): Promise<void> {
  await lockPools(tx);
  await lockedPool(tx, id);
  const held = await allocatedIn(tx, id);
  if (held.length > 0) {
    const list = held.slice(0, 5).map((a) => `${a.address} (server ${a.serverId})`);
    throw appError(
      'CONFLICT',
      `This pool still has ${held.length} allocated address${held.length > 1 ? 'es' : ''}: ${list.join(', ')}${held.length > 5 ? ', …' : ''}.`,
    );
  }
  await tx.delete(ipPools).where(eq(ipPools.id, id));
}

export interface PoolUsage {
  size: number;
  allocated: number;
}

/** Size and allocated count per pool. */
export async function poolUsage(
  db: Database | Tx,
  poolIds: readonly string[],
): Promise<Map<string, PoolUsage>> {
  const usage = new Map<string, PoolUsage>();
  if (poolIds.length === 0) return usage;
  const rows = await db
    .select({
      poolId: ipAddresses.poolId,
      size: count(),
      allocated: count(ipAddresses.serverId),
    })
    .from(ipAddresses)
    .where(
      sql`${ipAddresses.poolId} in (${sql.join(
        poolIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`,
    )
    .groupBy(ipAddresses.poolId);
  for (const id of poolIds) usage.set(id, { size: 0, allocated: 0 });
  for (const r of rows) usage.set(r.poolId, { size: Number(r.size), allocated: Number(r.allocated) });
  return usage;
}
