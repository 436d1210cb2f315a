/**
 * The catalogue as a file, for GitOps: `applyCatalogue` brings the database to what the file says
 * through the same services and checks as the admin API (a rerun changes nothing; a dry run rolls
 * everything back and reports what would change), `exportCatalogue` writes the current one.
 * Entries are matched by slug; pools by location and network. Entries missing from the file are kept.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { CatalogueFile } from '../../../shared/catalogue.ts';
import type { Database, Tx } from '../../db/client.ts';
import { images, ipPools, locations, plans } from '../../db/schema.ts';
import type { PveClient } from '../../pve/client.ts';
import { changedFields, createImage, createPlan, updateImage, updatePlan, type Actor } from './catalogue.ts';
import { createIpPool, createLocation, updateIpPool, updateLocation } from './catalogue-locations.ts';

export interface CatalogueChange {
  kind: 'plan' | 'image' | 'location' | 'ip_pool';
  key: string;
  action: 'create' | 'update' | 'unchanged';
  changes?: Record<string, unknown>;
}

class DryRunRollback extends Error {}

/** Prefixes a failure with the entry it is about, so an operator finds it in a long file. */
async function about<T>(where: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof Error) err.message = `${where}: ${err.message}`;
    throw err;
  }
}

export async function applyCatalogue(
  deps: { db: Database; pve?: PveClient | undefined },
  file: CatalogueFile,
  options: { dryRun: boolean; actor: Actor },
): Promise<CatalogueChange[]> {
  const out: CatalogueChange[] = [];
  const record = (kind: CatalogueChange['kind'], key: string, changes: Record<string, unknown> | null) =>
    out.push(
      changes === null
        ? { kind, key, action: 'create' }
        : Object.keys(changes).length
          ? { kind, key, action: 'update', changes }
          : { kind, key, action: 'unchanged' },
    );
  try {
    await deps.db.transaction(async (tx: Tx) => {
      const d = { db: tx, pve: deps.pve };
      const { actor } = options;
      for (const [i, plan] of file.plans.entries()) {
        await about(`plans[${i}] (${plan.slug})`, async () => {
          const [row] = await tx.select().from(plans).where(eq(plans.slug, plan.slug));
          if (!row) await createPlan(d, actor, plan);
          else {
            const changes = changedFields(row, plan);
            if (Object.keys(changes).length) await updatePlan(d, actor, row.id, changes);
            return record('plan', plan.slug, changes);
          }
          record('plan', plan.slug, null);
        });
      }
      for (const [i, image] of file.images.entries()) {
        await about(`images[${i}] (${image.slug})`, async () => {
          const [row] = await tx.select().from(images).where(eq(images.slug, image.slug));
          if (!row) await createImage(d, actor, image);
          else {
            const changes = changedFields(row, image);
            if (Object.keys(changes).length) await updateImage(d, actor, row.id, changes);
            return record('image', image.slug, changes);
          }
          record('image', image.slug, null);
        });
      }
      for (const [i, location] of file.locations.entries()) {
        await about(`locations[${i}] (${location.slug})`, async () => {
          const [row] = await tx.select().from(locations).where(eq(locations.slug, location.slug));
          if (!row) await createLocation(d, actor, location);
          else {
            const changes = changedFields(row, location);
            if (Object.keys(changes).length) await updateLocation(d, actor, row.id, changes);
            return record('location', location.slug, changes);
          }
          record('location', location.slug, null);
        });
      }
      for (const [i, pool] of file.ipPools.entries()) {
        const key = `${pool.location} ${pool.rangeStart}–${pool.rangeEnd}`;
        await about(`ipPools[${i}] (${key})`, async () => {
          const [loc] = await tx
            .select({ id: locations.id })
            .from(locations)
            .where(eq(locations.slug, pool.location));
          if (!loc)
            throw new Error(`location: no location with slug "${pool.location}" (define it under locations)`);
          const same = await tx
            .select()
            .from(ipPools)
            .where(and(eq(ipPools.locationId, loc.id), eq(ipPools.cidr, pool.cidr)))
            .orderBy(asc(ipPools.createdAt));
          const inFile = file.ipPools.filter((p) => p.location === pool.location && p.cidr === pool.cidr);
          const row =
            same.find((p) => p.rangeStart === pool.rangeStart) ??
            (same.length === 1 && inFile.length === 1 ? same[0] : undefined);
          const spec = {
            gateway: pool.gateway,
            rangeStart: pool.rangeStart,
            rangeEnd: pool.rangeEnd,
            dns: pool.dns,
          };
          if (!row) {
            await createIpPool(d, actor, { locationId: loc.id, cidr: pool.cidr, ...spec });
            return record('ip_pool', key, null);
          }
          const changes = changedFields(row, spec);
          if (Object.keys(changes).length) await updateIpPool(d, actor, row.id, changes);
          record('ip_pool', key, changes);
        });
      }
      if (options.dryRun) throw new DryRunRollback();
    });
  } catch (err) {
    if (!(err instanceof DryRunRollback)) throw err;
  }
  return out;
}

export async function exportCatalogue(db: Database | Tx): Promise<CatalogueFile> {
  const [planRows, imageRows, locationRows, poolRows] = await Promise.all([
    db.select().from(plans).orderBy(asc(plans.createdAt), asc(plans.slug)),
    db.select().from(images).orderBy(asc(images.createdAt), asc(images.slug)),
    db.select().from(locations).orderBy(asc(locations.createdAt), asc(locations.slug)),
    db
      .select({ pool: ipPools, location: locations.slug })
      .from(ipPools)
      .innerJoin(locations, eq(locations.id, ipPools.locationId))
      .orderBy(asc(ipPools.createdAt), asc(ipPools.id)),
  ]);
  return {
    plans: planRows.map((p) => ({
      slug: p.slug,
      name: p.name,
      cpuCores: p.cpuCores,
      memoryMb: p.memoryMb,
      diskGb: p.diskGb,
      priceMonthlyCents: p.priceMonthlyCents,
      active: p.active,
      snapshotLimit: p.snapshotLimit,
    })),
    images: imageRows.map((i) => ({
      slug: i.slug,
      name: i.name,
      osFamily: i.osFamily,
      pveTemplates: i.pveTemplates,
      active: i.active,
    })),
    locations: locationRows.map((l) => ({
      slug: l.slug,
      name: l.name,
      country: l.country,
      pveNodes: l.pveNodes,
      active: l.active,
    })),
    ipPools: poolRows.map(({ pool, location }) => ({
      location,
      cidr: pool.cidr,
      gateway: pool.gateway,
      rangeStart: pool.rangeStart,
      rangeEnd: pool.rangeEnd,
      dns: pool.dns,
    })),
  };
}
