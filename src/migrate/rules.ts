/**
 * The WHMCS → Keel mapping rules as pure functions (whmcs-model.md §1–7). No I/O here: the CLI reads rows,
 * these decide what they mean, the loader writes the result.
 */

export type Attribute = 'cpuCores' | 'memoryMb' | 'diskGb';

export type ServiceWarning =
  | 'config-options-missing-defaults-applied'
  | 'duplicate-config-option-rows'
  | 'orphan-config-option-row'
  | 'custom-field-value-not-in-options'
  | 'duplicate-custom-field-values'
  | 'double-encoded-entity';

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  quot: '"',
  apos: "'",
  lt: '<',
  gt: '>',
  nbsp: '\u00a0',
};
const entityPattern = /&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g;

/** One pass of PHP html_entity_decode(ENT_QUOTES): `&amp;amp;` becomes `&amp;` (decode once, never twice). */
export function decodeOnce(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(entityPattern, (whole, body: string) => {
    const code =
      body[0] !== '#'
        ? undefined
        : body[1] === 'x' || body[1] === 'X'
          ? parseInt(body.slice(2), 16)
          : parseInt(body.slice(1), 10);
    if (code === undefined) return NAMED_ENTITIES[body] ?? whole;
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** True when text still holds an entity after one decode: it was encoded twice (reported, kept as is). */
export function isDoubleEncoded(raw: string): boolean {
  const once = decodeOnce(raw);
  return once !== raw && /&(#x[0-9a-fA-F]+|#\d+|amp|quot|lt|gt|apos);/.test(once);
}

/** WHMCS's `key|Label` rule: split at the first `|` unless it is the first character; both sides trimmed. */
export function splitKeyLabel(name: string): { key: string; label: string } {
  const at = name.indexOf('|');
  if (at <= 0) return { key: name.trim(), label: name.trim() };
  return { key: name.slice(0, at).trim(), label: name.slice(at + 1).trim() };
}

/** Emails: decoded once, trimmed, lower-cased. */
export function normalizeEmail(raw: string): string {
  return decodeOnce(raw).trim().toLowerCase();
}

/** `0000-00-00`, empty and NULL dates mean unset. Dates are returned as `YYYY-MM-DD`. */
export function dateOrNull(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  if (text === '' || text.startsWith('0000-00-00')) return null;
  return text.slice(0, 10);
}

/** `camelCase` of an option or field key, for legacy attribute names: `extra_ipv4`, `Extra IPv4` → `extraIpv4`. */
export function camelKey(key: string): string {
  const words = key
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean)
    .map((w) => w.toLowerCase());
  if (words.length === 0) return 'unnamed';
  return words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
}

/** A slug for Keel's catalogue tables (lowercase letters, digits, `.`, `-`). */
export function slugify(text: string): string {
  const slug = decodeOnce(text)
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug || 'unnamed';
}

const sizePattern = /^(\d+(?:[.,]\d+)?)\s*(tib|tb|t|gib|gb|g|mib|mb|m)?$/i;
const coresPattern = /^(\d+)\s*(x\s*)?(v?cpus?|v?cores?|vcpus?|threads?)?$/i;

/**
 * Sizes as WHMCS catalogues spell them: `4 GB`, `4096`, `4096MB`, `4G`, `0.5 GB`, `1 TB`. A bare number is
 * in the attribute's own unit (MB for memory, GB for disk), except that a bare memory value below 64 is read
 * as GB (nobody sells a 4 MB server; `4` in a memory dropdown means 4 GB). Returns null when unreadable.
 */
export function parseSize(text: string, attribute: 'memoryMb' | 'diskGb'): number | null {
  const m = sizePattern.exec(text.trim());
  if (!m) return null;
  const amount = Number(m[1]!.replace(',', '.'));
  if (!Number.isFinite(amount) || amount <= 0) return null;
  const unit = (m[2] ?? '').toLowerCase()[0] ?? '';
  let mb: number;
  if (unit === 't') mb = amount * 1024 * 1024;
  else if (unit === 'g') mb = amount * 1024;
  else if (unit === 'm') mb = amount;
  else if (attribute === 'memoryMb') mb = amount < 64 ? amount * 1024 : amount;
  else mb = amount * 1024;
  // Memory in whole MB; disk rounded up to whole GB so a server never shrinks.
  const value = attribute === 'memoryMb' ? Math.round(mb) : Math.ceil(mb / 1024 - 1e-9);
  return value > 0 ? value : null;
}

export function parseCores(text: string): number | null {
  const m = coresPattern.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** Reads one spec attribute from candidate texts (e.g. a sub-option's key, then its label). */
export function parseAttribute(attribute: Attribute, ...candidates: string[]): number | null {
  for (const text of candidates) {
    const value = attribute === 'cpuCores' ? parseCores(text) : parseSize(text, attribute);
    if (value !== null) return value;
  }
  return null;
}

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

/** The label a dropdown's fieldoptions give a key (`fra1|Frankfurt &amp; Main` → `Frankfurt & Main`). */
export function dropdownLabel(fieldoptions: string, key: string): string | null {
  for (const option of fieldoptions.split(',')) {
    const split = splitKeyLabel(option);
    if (split.key === key) return decodeOnce(split.label);
  }
  return null;
}

// ------------------------------------------------------------------ services

export type ClientSkipReason = 'client-closed' | 'client-inactive' | 'client-status';

/**
 * Whether an account (tblclients.status) is in scope: Closed never; otherwise it must be one of the mapping's
 * `clientStatuses` (default Active only, as the issue scopes it). Inactive → `client-inactive`; any other value
 * a messy install may hold → `client-status`.
 */
export function clientSkipReason(
  status: string,
  migrateClientStatuses: readonly string[],
): ClientSkipReason | null {
  if (status === 'Closed') return 'client-closed';
  if (migrateClientStatuses.includes(status)) return null;
  return status === 'Inactive' ? 'client-inactive' : 'client-status';
}

export type ServiceSkipReason =
  | 'not-proxmox-product'
  | 'server-not-proxmox'
  | ClientSkipReason
  | 'not-provisioned'
  | 'service-ended'
  | 'missing-vmid';

/** First failing reason in a fixed order, or null when the service migrates as a server. */
export function serviceSkipReason(input: {
  productIsServer: boolean;
  /** Module of tblhosting.server is a Proxmox module (or the product was named by the mapping). */
  serverIsProxmox: boolean;
  clientStatus: string;
  migrateClientStatuses: readonly string[];
  domainstatus: string;
  vmid: number | null;
}): ServiceSkipReason | null {
  if (!input.productIsServer) return 'not-proxmox-product';
  if (!input.serverIsProxmox) return 'server-not-proxmox';
  const client = clientSkipReason(input.clientStatus, input.migrateClientStatuses);
  if (client) return client;
  if (input.domainstatus === 'Pending') return 'not-provisioned';
  if (input.domainstatus !== 'Active' && input.domainstatus !== 'Suspended') return 'service-ended';
  if (input.vmid === null) return 'missing-vmid';
  return null;
}

/** A VMID as PVE allows it (100 … 999999999), or null. */
export function parseVmid(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  if (!/^\d{1,9}$/.test(text)) return null;
  const n = Number(text);
  return n >= 100 ? n : null;
}

/**
 * Server name: tblhosting.domain decoded once and trimmed. Empty, longer than 253 characters or holding
 * control characters → `whmcs-<service id>` (reported).
 */
export function serverName(domain: string | null, serviceId: number): { name: string; fallback: boolean } {
  const name = decodeOnce(domain ?? '').trim();
  // eslint-disable-next-line no-control-regex
  if (name === '' || name.length > 253 || /[\u0000-\u001f\u007f]/.test(name))
    return { name: `whmcs-${serviceId}`, fallback: true };
  return { name, fallback: false };
}

/** Keel status: Suspended → suspended; Active → the PVE VM's power state when known, else running. */
export function keelStatus(
  domainstatus: string,
  pvePowerState: 'running' | 'stopped' | null,
): 'running' | 'stopped' | 'suspended' {
  if (domainstatus === 'Suspended') return 'suspended';
  return pvePowerState ?? 'running';
}

/** tblhosting.assignedips: free text, one address per line or comma-separated. */
export function splitIpList(text: string | null): string[] {
  return (text ?? '')
    .split(/[\n\r,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

// ------------------------------------------------------------------ logins

export interface LoginCandidate {
  /** tblusers.id (or tblclients.id on installs without tblusers). */
  id: number;
  email: string;
}

/**
 * Deterministic rule for logins that normalise to one email: the lowest id keeps the email and its password
 * hash and becomes the Keel user; the others are merged into it (their accounts' servers join that user).
 * Returns, per candidate id, the id of the login it resolves to.
 */
export function resolveSharedEmails(candidates: readonly LoginCandidate[]): Map<number, number> {
  const winner = new Map<string, number>();
  for (const c of [...candidates].sort((a, b) => a.id - b.id)) {
    const email = normalizeEmail(c.email);
    if (!winner.has(email)) winner.set(email, c.id);
  }
  return new Map(candidates.map((c) => [c.id, winner.get(normalizeEmail(c.email))!]));
}
