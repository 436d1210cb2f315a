/**
 * IP address management: pools per location, one primary address per live server (migrated servers may hold
 * additional ones, and addresses outside every pool: `pool_id` null).
 */
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { ipAddresses, ipPools } from './schema.ts';
import { executeRows, type Database, type Tx } from './client.ts';
import { poolAddresses } from '../domain/ipv4.ts';

export interface NewPool {
  locationId: string;
  cidr: string;
  gateway: string;
  rangeStart: string;
  rangeEnd: string;
  dns: string[];
}

export async function createPool(db: Database | Tx, pool: NewPool): Promise<string> {
  const addresses = poolAddresses(pool.cidr, pool.gateway, pool.rangeStart, pool.rangeEnd);
  const [row] = await db.insert(ipPools).values(pool).returning({ id: ipPools.id });
  for (let i = 0; i < addresses.length; i += 1000) {
    const part = addresses.slice(i, i + 1000);
    // An address a server already holds outside every pool (a migrated one) joins the pool still held by it:
    // the pool never hands it out.
    const taken = await db
      .update(ipAddresses)
      .set({ poolId: row!.id })
      .where(and(isNull(ipAddresses.poolId), inArray(ipAddresses.address, part)))
      .returning({ address: ipAddresses.address });
    const held = new Set(taken.map((t) => t.address));
    const fresh = part.filter((address) => !held.has(address));
    if (fresh.length > 0)
      await db.insert(ipAddresses).values(fresh.map((address) => ({ poolId: row!.id, address })));
  }
  return row!.id;
}

export interface Allocation {
  address: string;
  prefix: number;
  gateway: string;
  dns: string[];
}

/** Takes the lowest free address in the location for the server, or null when the pools are full. */
export async function allocateAddress(tx: Tx, locationId: string, serverId: string): Promise<string | null> {
  const rows = await executeRows<{ address: string }>(
    tx,
    sql`
    update ${ipAddresses} set server_id = ${serverId}, allocated_at = now()
     where id = (
       select a.id from ${ipAddresses} a join ${ipPools} p on p.id = a.pool_id
        where p.location_id = ${locationId} and a.server_id is null
        order by a.address::inet
        limit 1
        for update of a skip locked)
    returning address`,
  );
  return rows[0]?.address ?? null;
}

/** The address held by a server, with what cloud-init needs to configure it. */
export async function allocationFor(db: Database | Tx, serverId: string): Promise<Allocation | null> {
  const [row] = await db
    .select({ address: ipAddresses.address, cidr: ipPools.cidr, gateway: ipPools.gateway, dns: ipPools.dns })
    .from(ipAddresses)
    .innerJoin(ipPools, eq(ipPools.id, ipAddresses.poolId))
    .where(eq(ipAddresses.serverId, serverId))
    .orderBy(desc(ipAddresses.primary))
    .limit(1);
  if (!row) return null;
  return { address: row.address, prefix: Number(row.cidr.split('/')[1]), gateway: row.gateway, dns: row.dns };
}

/** Frees every address of the server: a pool's goes back to it, one recorded outside every pool is forgotten. */
export async function releaseAddress(db: Database | Tx, serverId: string): Promise<void> {
  await db
    .delete(ipAddresses)
    .where(and(eq(ipAddresses.serverId, serverId), isNull(ipAddresses.poolId)));
  await db
    .update(ipAddresses)
    .set({ serverId: null, allocatedAt: null, primary: true })
    .where(eq(ipAddresses.serverId, serverId));
}
