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
import type { PhaseContext } from './context.ts';

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
  const planIds = await ctx.inBatch(async (tx) => {
    for (const product of catalogue.products.values()) {
      if (!isServerProduct(product, mapping)) continue;
      const plan = planRow(product, catalogue, mapping);
      if (!plan) {
        tally.count('plans', 'failed');
        tally.record({
          entity: 'plan',
          id: product.id,
          outcome: 'failed',
          error: 'default specs could not be resolved',
        });
        continue;
      }
      const change = (await upsertPlan(tx, plan))?.change ?? 'unchanged';
      tally.count('plans', change);
      tally.record({ entity: 'plan', id: product.id, outcome: change, keel: plan });
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
