/**
 * The catalogue's locations and their IP pools: a location's nodes are checked against the live cluster
 * (discovery.ts), a pool goes through the IPAM service. The rules every entry shares are in catalogue.ts.
 */
import { count, eq } from 'drizzle-orm';
import type {
  AdminLocation,
  AdminPool,
  CatalogueListInput,
  LocationInput,
  PoolInput,
  PoolPatch,
} from '../../../shared/catalogue.ts';
import type { Database, Tx } from '../../db/client.ts';
import { ipPools, locations, pveClusters, servers } from '../../db/schema.ts';
import { poolFamily } from '../../domain/ip-pool.ts';
import { appError } from '../../errors.ts';
import type { PveClient } from '../../pve/client.ts';
import { createPool, deletePool, poolUsage, updatePool } from '../ipam.ts';
import {
  assertId,
  audit,
  changedFields,
  inUse,
  notFound,
  page,
  plural,
  serverUse,
  serverUses,
  slugTaken,
  type Actor,
  type CatalogueDeps,
} from './catalogue.ts';
import { discoverNodes } from './discovery.ts';

// -- locations -----------------------------------------------------------------------------------------

type LocationRow = typeof locations.$inferSelect;
const toLocation = (r: LocationRow): AdminLocation => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  country: r.country,
  pveNodes: r.pveNodes,
  active: r.active,
  clusterId: r.clusterId,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

/** Every node named must be in the cluster. */
export async function checkNodes(pve: PveClient | undefined, wanted: readonly string[]): Promise<void> {
  const known = (await discoverNodes(pve)).map((n) => n.name);
  const missing = wanted.filter((n) => !known.includes(n));
  if (missing.length) {
    const problem = `${missing.length > 1 ? 'are not nodes' : 'is not a node'} of the cluster: ${missing.join(', ')} (nodes: ${known.join(', ')})`;
    throw appError('VALIDATION_FAILED', `Invalid request: pveNodes ${problem}`, {
      fields: { pveNodes: problem },
    });
  }
}

/** The client of the cluster a location is on: the default one for null, else a registered one (400 naming clusterId when there is none). */
async function locationCluster(
  deps: CatalogueDeps,
  clusterId: string | null,
): Promise<PveClient | undefined> {
  if (clusterId === null) return deps.pve;
  const [row] = await deps.db.select().from(pveClusters).where(eq(pveClusters.id, clusterId)).limit(1);
  if (!row)
    throw appError('VALIDATION_FAILED', 'Invalid request: clusterId does not name a cluster', {
      fields: { clusterId: 'does not name a cluster (GET /api/admin/clusters)' },
    });
  if (!deps.clusters) throw appError('UNAVAILABLE', 'Keel cannot reach registered clusters here.');
  return deps.clusters.clientFor(row);
}

export async function listLocations(db: Database | Tx, input: CatalogueListInput) {
  const { rows, nextCursor } = await page<LocationRow>(db, locations, input);
  return { locations: rows.map(toLocation), nextCursor };
}

export async function getLocationById(db: Database | Tx, id: string): Promise<AdminLocation> {
  assertId('location', id);
  const [row] = await db.select().from(locations).where(eq(locations.id, id)).limit(1);
  if (!row) notFound('location');
  return toLocation(row);
}

export async function createLocation(
  deps: CatalogueDeps,
  actor: Actor,
  input: LocationInput,
): Promise<{ location: AdminLocation }> {
  await checkNodes(await locationCluster(deps, input.clusterId ?? null), input.pveNodes);
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(locations)
      .values(input)
      .onConflictDoNothing({ target: locations.slug })
      .returning();
    if (!row) slugTaken('location', input.slug);
    await audit(tx, actor, 'location', 'created', row.id, row.slug, { location: input });
    return { location: toLocation(row) };
  });
}

export async function updateLocation(
  deps: CatalogueDeps,
  actor: Actor,
  id: string,
  patch: Partial<LocationInput>,
): Promise<{ location: AdminLocation }> {
  assertId('location', id);
  const [current] = await deps.db.select().from(locations).where(eq(locations.id, id)).limit(1);
  if (!current) notFound('location');
  const wanted = changedFields(current, patch);
  // New nodes, or another cluster: the nodes it will have must be on the cluster it will be on.
  if (wanted.pveNodes || wanted.clusterId !== undefined)
    await checkNodes(
      await locationCluster(deps, wanted.clusterId !== undefined ? wanted.clusterId : current.clusterId),
      wanted.pveNodes ?? current.pveNodes,
    );
  return deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(locations).where(eq(locations.id, id)).for('update');
    if (!row) notFound('location');
    const changes = changedFields(row, patch);
    if (Object.keys(changes).length === 0) return { location: toLocation(row) };
    if (changes.slug) {
      const [taken] = await tx
        .select({ id: locations.id })
        .from(locations)
        .where(eq(locations.slug, changes.slug));
      if (taken) slugTaken('location', changes.slug);
    }
    const [updated] = await tx.update(locations).set(changes).where(eq(locations.id, id)).returning();
    await audit(tx, actor, 'location', 'updated', id, updated!.slug, { changes });
    return { location: toLocation(updated!) };
  });
}

export async function deleteLocation(
  deps: CatalogueDeps,
  actor: Actor,
  id: string,
): Promise<{ deleted: true }> {
  assertId('location', id);
  return deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(locations).where(eq(locations.id, id)).for('update');
    if (!row) notFound('location');
    const uses = serverUses(await serverUse(tx, servers.locationId, id));
    const [pools] = await tx.select({ n: count() }).from(ipPools).where(eq(ipPools.locationId, id));
    if (Number(pools?.n ?? 0) > 0) uses.push(plural(Number(pools!.n), 'IP pool'));
    if (uses.length) inUse('location', row.slug, uses);
    await tx.delete(locations).where(eq(locations.id, id));
    await audit(tx, actor, 'location', 'deleted', id, row.slug, {});
    return { deleted: true as const };
  });
}

// -- IP pools ------------------------------------------------------------------------------------------

type PoolRow = typeof ipPools.$inferSelect;

async function toPools(db: Database | Tx, rows: PoolRow[]): Promise<AdminPool[]> {
  const usage = await poolUsage(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => {
    const u = usage.get(r.id) ?? { size: 0, allocated: 0 };
    return {
      id: r.id,
      locationId: r.locationId,
      cidr: r.cidr,
      gateway: r.gateway,
      rangeStart: r.rangeStart,
      rangeEnd: r.rangeEnd,
      dns: r.dns,
      family: poolFamily(r.cidr),
      size: u.size,
      allocated: u.allocated,
      free: u.size - u.allocated,
      createdAt: r.createdAt,
    };
  });
}

async function poolById(db: Database | Tx, id: string): Promise<AdminPool> {
  assertId('ip_pool', id);
  const [row] = await db.select().from(ipPools).where(eq(ipPools.id, id)).limit(1);
  if (!row) notFound('ip_pool');
  return (await toPools(db, [row]))[0]!;
}

export async function listPools(db: Database | Tx, input: CatalogueListInput) {
  const { rows, nextCursor } = await page<PoolRow & { updatedAt?: never }>(db, ipPools, input);
  return { pools: await toPools(db, rows), nextCursor };
}

export const getPoolById = poolById;

export async function createIpPool(
  deps: CatalogueDeps,
  actor: Actor,
  input: PoolInput,
): Promise<{ pool: AdminPool }> {
  return deps.db.transaction(async (tx) => {
    const created = await createPool(tx, input);
    const pool = await poolById(tx, created.id);
    await audit(tx, actor, 'ip_pool', 'created', created.id, `${input.rangeStart}–${input.rangeEnd}`, {
      pool: input,
      size: pool.size,
      registered: created.registered,
    });
    return { pool };
  });
}

export async function updateIpPool(
  deps: CatalogueDeps,
  actor: Actor,
  id: string,
  patch: PoolPatch,
): Promise<{ pool: AdminPool }> {
  assertId('ip_pool', id);
  return deps.db.transaction(async (tx) => {
    const changes = await updatePool(tx, id, patch);
    const pool = await poolById(tx, id);
    if (Object.keys(changes).length > 0)
      await audit(tx, actor, 'ip_pool', 'updated', id, `${pool.rangeStart}–${pool.rangeEnd}`, {
        changes,
        size: pool.size,
      });
    return { pool };
  });
}

export async function deleteIpPool(
  deps: CatalogueDeps,
  actor: Actor,
  id: string,
): Promise<{ deleted: true }> {
  assertId('ip_pool', id);
  return deps.db.transaction(async (tx) => {
    const pool = await poolById(tx, id);
    await deletePool(tx, id);
    await audit(tx, actor, 'ip_pool', 'deleted', id, `${pool.rangeStart}–${pool.rangeEnd}`, {
      cidr: pool.cidr,
    });
    return { deleted: true as const };
  });
}
