/**
 * The catalogue phase: one closed Keel plan per WHMCS server product (its default specs); then the images and
 * locations the services name, matched by mapping, slug or name, an unknown value becoming a closed entry.
 */
import { images, locations } from '../../server/db/schema.ts';
import {
  catalogueEntries,
  insertClosedEntry,
  planIdsByProduct,
  upsertPlan,
  type CatalogueTable,
  type Tx,
  type Writer,
} from '../load.ts';
import { matchCatalogueEntry, type CatalogueIndex } from '../rules.ts';
import { isServerProduct, planRow } from '../transform.ts';
import type { Catalogue } from '../whmcs.ts';
import { endPhase, type PhaseContext } from './context.ts';

export interface KeelCatalogue {
  /** The Keel plan of a WHMCS product, when it is a server product whose plan was made. */
  planId(productId: number): string | null;
  /** The Keel image or location a service's value means; created (closed) when Keel has none. */
  resolve(tx: Tx, kind: 'image' | 'location', value: { key: string; label: string }): Promise<string>;
}

async function indexOf(db: Writer, table: CatalogueTable): Promise<CatalogueIndex> {
  const index: CatalogueIndex = { bySlug: new Map(), byName: new Map() };
  for (const e of await catalogueEntries(db, table)) {
    index.bySlug.set(e.slug, e.id);
    index.byName.set(e.name.toLowerCase(), e.id);
  }
  return index;
}

export async function migrateCatalogue(ctx: PhaseContext, catalogue: Catalogue): Promise<KeelCatalogue> {
  const { tally, mapping } = ctx;
  const started = performance.now();
  const planIds = await ctx.inBatch(async (tx) => {
    for (const product of catalogue.products.values()) {
      if (!isServerProduct(product, mapping)) continue;
      const { row, unresolved } = planRow(product, catalogue, mapping);
      // A plan whose defaults cannot all be found is still made (closed, the unknown specs 0): its services
      // carry their own specs, and the run says which defaults are missing and why.
      const change = (await upsertPlan(tx, row))?.change ?? 'unchanged';
      tally.count('plans', change);
      tally.planChanged(product.id, change);
      if (unresolved.length > 0) {
        tally.warn(['plan-default-specs-unresolved']);
        tally.result.unresolvedPlans.push({
          productId: product.id,
          slug: row.slug,
          missing: unresolved.map((u) => u.attribute),
          reasons: unresolved.map((u) => u.reason),
          servicesFailed: 0,
        });
      }
      tally.record({
        entity: 'plan',
        id: product.id,
        outcome: change,
        keel: row,
        ...(unresolved.length > 0
          ? { warnings: ['plan-default-specs-unresolved'], notes: unresolved.map((u) => u.reason) }
          : {}),
      });
    }
    return planIdsByProduct(tx);
  });

  const kinds = {
    image: {
      table: images,
      entity: 'images',
      aliases: mapping.images,
      index: await indexOf(ctx.reader, images),
    },
    location: {
      table: locations,
      entity: 'locations',
      aliases: mapping.locations,
      index: await indexOf(ctx.reader, locations),
    },
  } as const;
  const p = tally.result.counts.plans;
  endPhase(
    ctx,
    'catalogue',
    started,
    `${catalogue.products.size} products, plans created ${p.created}, updated ${p.updated}, unchanged ${p.unchanged}; ${tally.result.unresolvedPlans.length} without all default specs`,
  );
  return {
    planId: (productId) => planIds.get(productId) ?? null,
    resolve: async (tx, kind, value) => {
      const { table, entity, aliases, index } = kinds[kind];
      const match = matchCatalogueEntry(kind, value, index, aliases);
      if ('id' in match) return match.id;
      const { slug, name } = match.create;
      const { id, created } = await insertClosedEntry(tx, table, match.create);
      if (!id) throw new Error(`could not create ${kind} ${slug}`);
      index.bySlug.set(slug, id);
      if (created) {
        tally.created(entity, slug);
        tally.record({ entity: kind, id: slug, outcome: 'created', keel: { slug, name, active: false } });
      }
      return id;
    },
  };
}
