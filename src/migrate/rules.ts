/**
 * The WHMCS → Keel mapping rules as pure functions (whmcs-model.md §1–7). No I/O here: the CLI reads rows,
 * these decide what they mean, the loader writes the result.
 */

export type Attribute = 'cpuCores' | 'memoryMb' | 'diskGb';

export type ServiceWarning =
  | 'config-options-missing-defaults-applied'
  | 'duplicate-config-option-rows'
  | 'orphan-config-option-row'
  | 'config-option-quantity-out-of-bounds'
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
 * Returns, per candidate id, the id of the login it resolves to. `winners` (normalised email → id) carries the
 * outcome across calls, so a source read in batches resolves as if it had been read whole.
 */
export function resolveSharedEmails(
  candidates: readonly LoginCandidate[],
  winners: { get(email: string): number | undefined; set(email: string, id: number): unknown } = new Map(),
): Map<number, number> {
  for (const c of [...candidates].sort((a, b) => a.id - b.id)) {
    const email = normalizeEmail(c.email);
    const kept = winners.get(email);
    if (kept === undefined || c.id < kept) winners.set(email, c.id);
  }
  return new Map(candidates.map((c) => [c.id, winners.get(normalizeEmail(c.email))!]));
}

// ------------------------------------------------------------------ Keel catalogue entries

/** Keel's images or locations, by slug and by lower-cased name. */
export interface CatalogueIndex {
  bySlug: Map<string, string>;
  byName: Map<string, string>;
}

export type CatalogueMatch = { id: string } | { create: { slug: string; name: string } };

/**
 * Which Keel image or location a WHMCS value (`key|Label`) means: the mapping's alias when it names one (an
 * alias naming nothing Keel has is an error), else the entry whose slug is the key's slug, or whose name is the
 * key or the label; otherwise a new entry to create (closed to orders) under the key's slug.
 */
export function matchCatalogueEntry(
  kind: 'image' | 'location',
  value: { key: string; label: string },
  index: CatalogueIndex,
  aliases: Readonly<Record<string, string>>,
): CatalogueMatch {
  const alias = aliases[value.key];
  if (alias !== undefined) {
    const id = index.bySlug.get(alias);
    if (!id)
      throw new Error(`mapping names ${kind} "${alias}" for "${value.key}", but Keel has no such ${kind}`);
    return { id };
  }
  const slug = slugify(value.key);
  const found =
    index.bySlug.get(slug) ??
    index.byName.get(value.key.toLowerCase()) ??
    index.byName.get(value.label.toLowerCase());
  return found ? { id: found } : { create: { slug, name: value.label || value.key } };
}

// ------------------------------------------------------------------ removals

/**
 * What Keel should do with a server migrated earlier whose WHMCS service is now out of scope: a service that
 * ended in WHMCS (Terminated, Cancelled, Completed, Fraud) is terminated; anything else (a closed or inactive
 * account, a service moved off Proxmox, back to Pending, its VMID gone, or the row deleted) is suspended,
 * which an operator can undo. Neither deletes the VM: the migration never touches a disk.
 */
export function removalAction(reason: string): 'suspend' | 'terminate' {
  return reason === 'service-ended' ? 'terminate' : 'suspend';
}
