import { asc, eq } from 'drizzle-orm';
import type { Catalog } from '../../shared/api.ts';
import type { Database } from '../db/client.ts';
import { images, locations, plans } from '../db/schema.ts';
import { createPool } from './ipam.ts';

/** What customers may order now: active plans, images and locations. */
export async function getCatalog(db: Database): Promise<Catalog> {
  const [planRows, imageRows, locationRows] = await Promise.all([
    db
      .select({
        id: plans.id,
        slug: plans.slug,
        name: plans.name,
        cpuCores: plans.cpuCores,
        memoryMb: plans.memoryMb,
        diskGb: plans.diskGb,
        priceMonthlyCents: plans.priceMonthlyCents,
      })
      .from(plans)
      .where(eq(plans.active, true))
      .orderBy(asc(plans.memoryMb), asc(plans.cpuCores), asc(plans.slug)),
    db
      .select({ id: images.id, slug: images.slug, name: images.name, osFamily: images.osFamily })
      .from(images)
      .where(eq(images.active, true))
      .orderBy(asc(images.name)),
    db
      .select({ id: locations.id, slug: locations.slug, name: locations.name, country: locations.country })
      .from(locations)
      .where(eq(locations.active, true))
      .orderBy(asc(locations.name)),
  ]);
  return { plans: planRows, images: imageRows, locations: locationRows };
}

/**
 * The catalogue that matches the built-in PVE simulator's templates and nodes, installed when Keel runs
 * against the simulator with an empty catalogue, so a first run can create servers at once.
 */
export async function seedSimulatorCatalog(db: Database): Promise<boolean> {
  const [anyPlan] = await db.select({ id: plans.id }).from(plans).limit(1);
  if (anyPlan) return false;
  await db.transaction(async (tx) => {
    await tx.insert(plans).values([
      { slug: 'vps-s', name: 'VPS S', cpuCores: 1, memoryMb: 1024, diskGb: 25, priceMonthlyCents: 500 },
      { slug: 'vps-m', name: 'VPS M', cpuCores: 2, memoryMb: 4096, diskGb: 80, priceMonthlyCents: 1500 },
      { slug: 'vps-l', name: 'VPS L', cpuCores: 4, memoryMb: 8192, diskGb: 160, priceMonthlyCents: 3000 },
    ]);
    await tx.insert(images).values([
      { slug: 'ubuntu-24.04', name: 'Ubuntu 24.04 LTS', osFamily: 'ubuntu', pveTemplates: { '*': 9000 } },
      { slug: 'debian-12', name: 'Debian 12', osFamily: 'debian', pveTemplates: { pve1: 9001, pve2: 9101 } },
    ]);
    const [lab] = await tx
      .insert(locations)
      .values([{ slug: 'lab', name: 'Simulated lab', country: null, pveNodes: ['pve1', 'pve2'] }])
      .returning({ id: locations.id });
    await createPool(tx, {
      locationId: lab!.id,
      cidr: '10.50.0.0/24',
      gateway: '10.50.0.1',
      rangeStart: '10.50.0.10',
      rangeEnd: '10.50.0.250',
      dns: ['1.1.1.1', '9.9.9.9'],
    });
  });
  return true;
}
