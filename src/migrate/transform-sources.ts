/**
 * Where a mapped attribute of a WHMCS service or product is read from: its configurable options, then its
 * custom fields, then the Proxmox module's settings (`configoptionN`); for the specs, then the pvewhmcs module
 * plan. Shared by a plan's defaults (transform-plans.ts) and a service's own values (transform.ts).
 */
import { fieldRefFor, nameMatches, type Mapping, type MappingSource } from './mapping.ts';
import { parseAttribute, type Attribute } from './rules.ts';
import { optionAttribute, type ResolvedField, type ResolvedOption } from './rules-options.ts';
import type { Catalogue, Product } from './whmcs.ts';

/** A service's (or a plan's) options and fields, and which of them a column has taken. */
export interface Resolved {
  options: ResolvedOption[];
  fields: ResolvedField[];
  used: Set<string>;
}

export function fromSource(
  src: MappingSource,
  r: Resolved,
  product: Product,
): { text: string[]; option?: ResolvedOption; field?: ResolvedField; setting?: string } | null {
  for (const o of r.options) {
    if (nameMatches(src.options, o.key, o.label)) {
      r.used.add(`o${o.optionId}`);
      return { text: [], option: o };
    }
  }
  for (const f of r.fields) {
    const ref = fieldRefFor(src, f.key, f.label);
    if (ref) {
      r.used.add(`f${f.fieldId}`);
      if (f.value === '') continue;
      const text = ref.part === 'label' ? f.valueLabel : f.value;
      return { text: [text], field: f };
    }
  }
  const n = src.moduleSettings[product.servertype];
  const setting = n ? (product.moduleSettings[n - 1] ?? '').trim() : '';
  if (setting) return { text: [setting], setting };
  return null;
}

function specFrom(attribute: Attribute, src: MappingSource, r: Resolved, product: Product): number | null {
  const found = fromSource(src, r, product);
  if (!found) return null;
  const value = found.option
    ? optionAttribute(attribute, found.option.value)
    : parseAttribute(attribute, ...found.text);
  if (value !== null || !found.option) return value;
  // An option that yields nothing (quantity 0, unreadable label) falls through to fields and module settings.
  return specFrom(attribute, { ...src, options: [] }, r, product);
}

export type Specs = { cpuCores: number; memoryMb: number; diskGb: number };

/** Each spec by the mapping (options, fields, module settings), then the pvewhmcs module plan; null if neither. */
export function resolveSpecs(
  r: Resolved,
  product: Product,
  catalogue: Catalogue,
  mapping: Mapping,
): { [K in keyof Specs]: number | null } {
  const modulePlan =
    product.servertype === 'pvewhmcs'
      ? catalogue.modulePlans.get(Number(product.moduleSettings[0]))
      : undefined;
  return {
    cpuCores: specFrom('cpuCores', mapping.cpuCores, r, product) ?? modulePlan?.cores ?? null,
    memoryMb: specFrom('memoryMb', mapping.memoryMb, r, product) ?? modulePlan?.memoryMb ?? null,
    diskGb: specFrom('diskGb', mapping.diskGb, r, product) ?? modulePlan?.diskGb ?? null,
  };
}
