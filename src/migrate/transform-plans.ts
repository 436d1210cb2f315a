/**
 * A WHMCS server product → its Keel plan: the default specs WHMCS's order form presents before the customer
 * picks anything, and for each spec no source gives, the reason in the report's words. Pure, like transform.ts.
 */
import type { PlanRow } from './load.ts';
import { nameMatches, type Mapping } from './mapping.ts';
import { decodeOnce, slugify, splitKeyLabel, type Attribute } from './rules.ts';
import { firstVisibleSub, optionAttribute, orderFormDefaults } from './rules-options.ts';
import { resolveSpecs, type Specs } from './transform-sources.ts';
import type { Catalogue, Product } from './whmcs.ts';

/** What a plan's default specs came from, or why one could not be found. */
export interface ProductSpecs {
  /** Each spec, 0 where it could not be resolved (see `unresolved`). */
  specs: Specs;
  /** The specs no source gave, each with the reason, in the report's words. */
  unresolved: { attribute: Attribute; reason: string }[];
}

const specNames: Record<Attribute, string> = { cpuCores: 'cpu cores', memoryMb: 'memory', diskGb: 'disk' };

/**
 * Default specs of a product (its plan) as WHMCS's order form presents it before the customer picks anything:
 * the visible options at their defaults (dropdown/radio the first visible sub-option, quantity its minimum,
 * yes/no off), then the same fallbacks as a service (module plan, module settings `configoptionN`). A quantity
 * that starts at 0 and has no fallback gives one unit: a plan of 0 cores, MB or GB means nothing.
 */
export function productSpecs(product: Product, catalogue: Catalogue, mapping: Mapping): ProductSpecs {
  const options = orderFormDefaults(product.options);
  const resolved = resolveSpecs({ options, fields: [], used: new Set() }, product, catalogue, mapping);
  const specs: Specs = { cpuCores: 0, memoryMb: 0, diskGb: 0 };
  const unresolved: ProductSpecs['unresolved'] = [];
  for (const attribute of ['cpuCores', 'memoryMb', 'diskGb'] as const) {
    const src = mapping[attribute];
    const option = options.find((o) => nameMatches(src.options, o.key, o.label));
    let value = resolved[attribute];
    if (value === null && option?.value.kind === 'quantity')
      value = optionAttribute(attribute, { ...option.value, qty: 1 });
    if (value !== null) specs[attribute] = value;
    else unresolved.push({ attribute, reason: unresolvedReason(attribute, product, catalogue, mapping) });
  }
  return { specs, unresolved };
}

/** Why no default of one spec could be found, naming the option or setting that was looked at. */
function unresolvedReason(
  attribute: Attribute,
  product: Product,
  catalogue: Catalogue,
  mapping: Mapping,
): string {
  const src = mapping[attribute];
  const what = `no default ${specNames[attribute]}`;
  const option = product.options.find((o) => {
    const { key, label } = splitKeyLabel(decodeOnce(o.name));
    return nameMatches(src.options, key, label);
  });
  const n = src.moduleSettings[product.servertype];
  const setting = n
    ? `module setting configoption${n} is ${product.moduleSettings[n - 1]?.trim() ? `"${product.moduleSettings[n - 1]!.trim()}", not a size` : 'empty'}`
    : 'no module setting is mapped';
  if (option?.hidden)
    return `${what}: option "${decodeOnce(option.name)}" is hidden from the order form; ${setting}`;
  if (option && option.type !== '3' && option.type !== '4' && !firstVisibleSub(option))
    return `${what}: every sub-option of "${decodeOnce(option.name)}" is hidden; ${setting}`;
  if (option) return `${what}: the default of option "${decodeOnce(option.name)}" is not a size; ${setting}`;
  if (product.servertype === 'pvewhmcs' && !catalogue.modulePlans.has(Number(product.moduleSettings[0])))
    return `${what}: no configurable option names it and mod_pvewhmcs_plans has no plan "${product.moduleSettings[0] ?? ''}" (configoption1)`;
  return `${what}: no configurable option, module plan or module setting gives it (${setting})`;
}

/** The Keel plan of a WHMCS server product: always closed to orders; a spec no source gave is 0. */
export function planRow(
  product: Product,
  catalogue: Catalogue,
  mapping: Mapping,
): { row: PlanRow; unresolved: ProductSpecs['unresolved'] } {
  const { specs, unresolved } = productSpecs(product, catalogue, mapping);
  return {
    row: {
      slug: `whmcs-${product.id}-${slugify(product.name)}`,
      name: decodeOnce(product.name),
      ...specs,
      active: false,
      legacyWhmcsProductId: product.id,
    },
    unresolved,
  };
}
