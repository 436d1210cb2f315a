/**
 * IP address management at allocation time: one primary address per live server, from its location's pools
 * (migrated servers may also hold additional addresses, and addresses outside every pool: `pool_id` null).
 * Pools and their addresses are made by `services/ipam.ts`.
 */
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { ipAddresses, ipPools } from './schema.ts';
import { executeRows, type Database, type Tx } from './client.ts';

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
  await db.delete(ipAddresses).where(and(eq(ipAddresses.serverId, serverId), isNull(ipAddresses.poolId)));
  await db
    .update(ipAddresses)
    .set({ serverId: null, allocatedAt: null, primary: true })
    .where(eq(ipAddresses.serverId, serverId));
}
