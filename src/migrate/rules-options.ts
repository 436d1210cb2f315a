/**
 * How WHMCS stores a service's configurable options and custom fields, and what they mean (whmcs-model.md §4–5),
 * as pure functions: the newest row wins, a missing row gives WHMCS's own default, orphans are reported.
 */
import {
  decodeOnce,
  isDoubleEncoded,
  parseAttribute,
  splitKeyLabel,
  type Attribute,
  type ServiceWarning,
} from './rules.ts';

// ------------------------------------------------------------------ configurable options

export interface OptionDef {
  id: number;
  /** Raw tblproductconfigoptions.optionname (`key|Label` or a bare name). */
  name: string;
  /** tblproductconfigoptions.optiontype, a string: '1' dropdown, '2' radio, '3' yes/no, '4' quantity. */
  type: string;
  subs: { id: number; name: string; sortorder: number; hidden: boolean }[];
}

export interface OptionRow {
  id: number;
  configid: number;
  optionid: number;
  qty: number;
}

export type OptionValue =
  | { kind: 'choice'; key: string; label: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'quantity'; qty: number; unit: string }
  | { kind: 'none' };

export interface ResolvedOption {
  optionId: number;
  key: string;
  label: string;
  value: OptionValue;
  source: 'row' | 'default';
}

export interface ResolvedOptions {
  options: ResolvedOption[];
  warnings: ServiceWarning[];
  /** Row ids that point at an option the product does not have, or at a deleted sub-option. */
  orphanRowIds: number[];
}

function defaultValue(option: OptionDef): OptionValue {
  if (option.type === '3') return { kind: 'bool', value: false };
  if (option.type === '4') return { kind: 'quantity', qty: 0, unit: unitOf(option) };
  const first = option.subs
    .filter((s) => !s.hidden)
    .sort((a, b) => a.sortorder - b.sortorder || a.id - b.id)[0];
  if (!first) return { kind: 'none' };
  const { key, label } = splitKeyLabel(decodeOnce(first.name));
  return { kind: 'choice', key, label };
}

function unitOf(option: OptionDef): string {
  const sub = [...option.subs].sort((a, b) => a.sortorder - b.sortorder || a.id - b.id)[0];
  return sub ? splitKeyLabel(decodeOnce(sub.name)).label : '';
}

/**
 * Resolves a service's configurable options as WHMCS does (whmcs-model.md §4): the newest row (max id) per
 * option; type 1/2 read `optionid`, type 3/4 read `qty`; a missing row gives WHMCS's own default; a row for an
 * option the product lacks is an orphan (reported, ignored); a row for a deleted sub counts as missing.
 */
export function resolveOptions(
  optionDefs: readonly OptionDef[],
  rows: readonly OptionRow[],
): ResolvedOptions {
  const warnings = new Set<ServiceWarning>();
  const orphanRowIds: number[] = [];
  const newest = new Map<number, OptionRow>();
  const known = new Set(optionDefs.map((o) => o.id));
  for (const row of rows) {
    if (!known.has(row.configid)) {
      orphanRowIds.push(row.id);
      warnings.add('orphan-config-option-row');
      continue;
    }
    const seen = newest.get(row.configid);
    if (seen) warnings.add('duplicate-config-option-rows');
    if (!seen || row.id > seen.id) newest.set(row.configid, row);
  }
  const options: ResolvedOption[] = [];
  for (const option of optionDefs) {
    const { key, label } = splitKeyLabel(decodeOnce(option.name));
    const row = newest.get(option.id);
    let value: OptionValue | undefined;
    if (!row) {
      warnings.add('config-options-missing-defaults-applied');
    } else if (option.type === '3') {
      value = { kind: 'bool', value: row.qty > 0 };
    } else if (option.type === '4') {
      value = { kind: 'quantity', qty: Math.max(0, Math.trunc(row.qty)), unit: unitOf(option) };
    } else {
      const sub = option.subs.find((s) => s.id === row.optionid);
      if (sub) value = { kind: 'choice', ...splitKeyLabel(decodeOnce(sub.name)) };
      else {
        orphanRowIds.push(row.id);
        warnings.add('orphan-config-option-row');
      }
    }
    options.push({
      optionId: option.id,
      key,
      label,
      value: value ?? defaultValue(option),
      source: value ? 'row' : 'default',
    });
  }
  return { options, warnings: [...warnings], orphanRowIds };
}

/** The value of a resolved option as a spec attribute, with units normalised. */
export function optionAttribute(attribute: Attribute, value: OptionValue): number | null {
  switch (value.kind) {
    case 'choice':
      return parseAttribute(attribute, value.key, value.label);
    case 'quantity':
      return value.qty > 0
        ? parseAttribute(attribute, `${value.qty} ${value.unit}`, String(value.qty))
        : null;
    default:
      return null;
  }
}

/** What an unmapped option keeps in legacy attributes: the choice's key, the boolean, or the quantity. */
export function optionLegacyValue(value: OptionValue): string | number | boolean | null {
  switch (value.kind) {
    case 'choice':
      return value.key;
    case 'bool':
      return value.value;
    case 'quantity':
      return value.qty;
    case 'none':
      return null;
  }
}

// ------------------------------------------------------------------ custom fields

export interface FieldDef {
  id: number;
  /** Raw tblcustomfields.fieldname. */
  name: string;
  fieldtype: string;
  /** Raw comma-separated dropdown list. */
  fieldoptions: string;
}

export interface FieldRow {
  id: number;
  fieldid: number;
  value: string;
}

export interface ResolvedField {
  fieldId: number;
  key: string;
  label: string;
  fieldtype: string;
  /** The stored value, untouched (hashes and ciphertexts are never decoded). */
  raw: string;
  /** Dropdowns: the key before `|`; text: decoded once; passwords: raw. */
  value: string;
  /** Dropdowns: the label after `|`, decoded. */
  valueLabel: string;
}

/** Newest value (max id) per field; dropdown values split on `|`; values outside the list are kept and reported. */
export function resolveFields(
  fieldDefs: readonly FieldDef[],
  rows: readonly FieldRow[],
): { fields: ResolvedField[]; warnings: ServiceWarning[] } {
  const warnings = new Set<ServiceWarning>();
  const newest = new Map<number, FieldRow>();
  for (const row of rows) {
    const seen = newest.get(row.fieldid);
    if (seen) warnings.add('duplicate-custom-field-values');
    if (!seen || row.id > seen.id) newest.set(row.fieldid, row);
  }
  const fields: ResolvedField[] = [];
  for (const def of fieldDefs) {
    const row = newest.get(def.id);
    const raw = row?.value ?? '';
    const { key, label } = splitKeyLabel(decodeOnce(def.name));
    let value: string;
    let valueLabel: string;
    if (def.fieldtype === 'password') {
      value = raw;
      valueLabel = '';
    } else if (def.fieldtype === 'dropdown') {
      const split = splitKeyLabel(raw);
      value = split.key;
      valueLabel = decodeOnce(split.label);
      const allowed = def.fieldoptions.split(',').map((o) => splitKeyLabel(o).key);
      if (value !== '' && !allowed.includes(value)) warnings.add('custom-field-value-not-in-options');
    } else {
      value = decodeOnce(raw);
      valueLabel = value;
      if (isDoubleEncoded(raw)) warnings.add('double-encoded-entity');
    }
    fields.push({ fieldId: def.id, key, label, fieldtype: def.fieldtype, raw, value, valueLabel });
  }
  return { fields, warnings: [...warnings] };
}
