/**
 * One WHMCS service → one Keel server record (or a skip with its reason), from the rows already read and the
 * catalogue. Pure: the same inputs always give the same record, which is what makes reruns change nothing.
 */
import type { ServerRow } from './load-servers.ts';
import type { PlanRow } from './load.ts';
import { fieldRefFor, nameMatches, type Mapping, type MappingSource } from './mapping.ts';
import type { PveVmInfo } from './pve-inventory.ts';
import {
  camelKey,
  dateOrNull,
  decodeOnce,
  keelStatus,
  parseAttribute,
  parseVmid,
  serverName,
  serviceSkipReason,
  slugify,
  splitIpList,
  type Attribute,
  type ServiceSkipReason,
  type ServiceWarning,
} from './rules.ts';
import {
  optionAttribute,
  optionLegacyValue,
  resolveFields,
  resolveOptions,
  type FieldRow,
  type OptionRow,
  type ResolvedField,
  type ResolvedOption,
} from './rules-options.ts';
import type { Catalogue, ModuleVm, Product, ServiceRow } from './whmcs.ts';

export interface ServiceInput {
  service: ServiceRow;
  optionRows: OptionRow[];
  fieldRows: FieldRow[];
  moduleVm: ModuleVm | null;
}

export type LegacyValue = string | number | boolean | null | string[] | Record<string, unknown>;

export interface ServerRecord {
  kind: 'server';
  serviceId: number;
  clientId: number;
  productId: number;
  name: string;
  cpuCores: number;
  memoryMb: number;
  diskGb: number;
  image: { key: string; label: string } | null;
  location: { key: string; label: string } | null;
  vmid: number;
  node: string | null;
  status: 'running' | 'stopped' | 'suspended';
  ipAddress: string | null;
  legacy: Record<string, LegacyValue>;
  warnings: ServiceWarning[];
  /** Other things the report should say about this record (fallbacks taken). */
  notes: string[];
}

export interface SkipRecord {
  kind: 'skip';
  serviceId: number;
  clientId: number;
  productId: number;
  reason: ServiceSkipReason;
}

export interface FailRecord {
  kind: 'fail';
  serviceId: number;
  clientId: number;
  productId: number;
  error: string;
}

export type ServiceOutcome = ServerRecord | SkipRecord | FailRecord;

export function isServerProduct(product: Product | undefined, mapping: Mapping): boolean {
  if (!product) return false;
  return mapping.serverModules.includes(product.servertype) || mapping.serverProductIds.includes(product.id);
}

interface Resolved {
  options: ResolvedOption[];
  fields: ResolvedField[];
  used: Set<string>;
}

function fromSource(
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

type Specs = { cpuCores: number; memoryMb: number; diskGb: number };

/** Each spec by the mapping (options, fields, module settings), then the pvewhmcs module plan; null if neither. */
function resolveSpecs(
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

/** Default specs of a product (its plan): every option at WHMCS's default, then the same fallbacks. */
export function productSpecs(product: Product, catalogue: Catalogue, mapping: Mapping): Specs | null {
  const options = resolveOptions(product.options, []).options;
  const { cpuCores, memoryMb, diskGb } = resolveSpecs(
    { options, fields: [], used: new Set() },
    product,
    catalogue,
    mapping,
  );
  if (!cpuCores || !memoryMb || !diskGb) return null;
  return { cpuCores, memoryMb, diskGb };
}

/** The closed Keel plan of a WHMCS server product, or null when its default specs cannot be resolved. */
export function planRow(product: Product, catalogue: Catalogue, mapping: Mapping): PlanRow | null {
  const specs = productSpecs(product, catalogue, mapping);
  if (!specs) return null;
  return {
    slug: `whmcs-${product.id}-${slugify(product.name)}`,
    name: decodeOnce(product.name),
    ...specs,
    active: false,
    legacyWhmcsProductId: product.id,
  };
}

/** The first DNS label of a PVE server's hostname (`pve1.fra1.example.net` → `pve1`). */
function hostLabel(hostname: string): string | null {
  const label = hostname.trim().split('.')[0] ?? '';
  return /^[a-zA-Z0-9-]+$/.test(label) ? label : null;
}

export function transformService(
  input: ServiceInput,
  catalogue: Catalogue,
  mapping: Mapping,
  pve: Map<number, PveVmInfo> | null,
): ServiceOutcome {
  const s = input.service;
  const base = { serviceId: s.id, clientId: s.userid, productId: s.packageid };
  const product = catalogue.products.get(s.packageid);
  const server = catalogue.servers.get(s.server);
  const productIsServer = isServerProduct(product, mapping);
  const serverIsProxmox =
    (server !== undefined && mapping.serverModules.includes(server.type)) ||
    mapping.serverProductIds.includes(s.packageid);
  // Options and fields are resolved before the VMID so the skip order stays the documented one.
  const opts = product ? resolveOptions(product.options, input.optionRows) : undefined;
  const flds = product ? resolveFields(product.fields, input.fieldRows) : undefined;
  const r: Resolved = { options: opts?.options ?? [], fields: flds?.fields ?? [], used: new Set() };

  let vmid: number | null = null;
  if (product) {
    const found = fromSource(mapping.vmid, r, product);
    vmid = found?.option
      ? parseVmid(optionLegacyValue(found.option.value) as string)
      : parseVmid(found?.text[0]);
    if (vmid === null && input.moduleVm) vmid = parseVmid(input.moduleVm.vmid);
  }
  const reason = serviceSkipReason({
    productIsServer,
    serverIsProxmox,
    clientStatus: s.clientStatus ?? 'Closed',
    migrateClientStatuses: mapping.clientStatuses,
    domainstatus: s.domainstatus,
    vmid,
  });
  if (reason || !product || vmid === null) return { kind: 'skip', ...base, reason: reason ?? 'missing-vmid' };

  const { cpuCores, memoryMb, diskGb } = resolveSpecs(r, product, catalogue, mapping);
  const missing = [
    ['cpu cores', cpuCores],
    ['memory', memoryMb],
    ['disk', diskGb],
  ].filter(([, v]) => !v);
  if (missing.length > 0)
    return { kind: 'fail', ...base, error: `no ${missing.map(([n]) => n).join(', ')} could be resolved` };

  const pick = (src: MappingSource): { key: string; label: string } | null => {
    const found = fromSource(src, r, product);
    if (!found) return null;
    if (found.option) {
      const v = found.option.value;
      return v.kind === 'choice' ? { key: v.key, label: v.label } : null;
    }
    if (found.field) {
      const text = found.text[0]!;
      return { key: text, label: found.field.fieldtype === 'dropdown' ? labelFor(found.field, text) : text };
    }
    return { key: found.text[0]!, label: found.text[0]! };
  };
  const image = pick(mapping.image);
  const location = pick(mapping.location);

  const notes: string[] = [];
  const pveVm = pve?.get(vmid);
  const moduleNode = input.moduleVm?.nodeId ? catalogue.moduleNodes.get(input.moduleVm.nodeId) : undefined;
  const node =
    pveVm?.node ??
    moduleNode ??
    (location ? mapping.locationNodes[location.key] : undefined) ??
    mapping.serverNodes[String(s.server)] ??
    (server ? hostLabel(server.hostname) : null) ??
    null;
  if (pve && !pveVm) notes.push(`VMID ${vmid} not found on PVE`);
  const { name, fallback } = serverName(s.domain, s.id);
  if (fallback) notes.push(`empty or invalid domain; named ${name}`);

  const dedicatedIp = (s.dedicatedip ?? '').trim();
  const legacy: Record<string, LegacyValue> = {
    productName: decodeOnce(product.name),
    billingCycle: s.billingcycle ?? null,
    recurringAmount: s.amount ?? null,
    regDate: dateOrNull(s.regdate),
    nextDueDate: dateOrNull(s.nextduedate),
    dedicatedIp: dedicatedIp || null,
    assignedIps: splitIpList(s.assignedips),
    whmcsStatus: s.domainstatus,
    whmcsClientId: s.userid,
    whmcsProductId: s.packageid,
  };
  for (const [attr, src] of Object.entries(mapping.legacy)) {
    const found = fromSource({ ...src, moduleSettings: {} }, r, product);
    if (found?.option) legacy[attr] = optionLegacyValue(found.option.value);
    else if (found?.field)
      legacy[attr] = found.field.fieldtype === 'password' ? found.field.raw || null : found.field.value;
    else {
      // A matching field with an empty value is skipped by fromSource; keep '' for text, null for secrets.
      const empty = r.fields.find((f) => fieldRefFor(src, f.key, f.label));
      legacy[attr] = empty ? (empty.fieldtype === 'password' ? null : '') : null;
      if (empty) r.used.add(`f${empty.fieldId}`);
    }
  }
  // Nothing is lost: every option and field no column took is kept verbatim under its own key.
  for (const o of r.options) {
    if (!r.used.has(`o${o.optionId}`)) legacy[`option.${camelKey(o.key)}`] = optionLegacyValue(o.value);
  }
  for (const f of r.fields) {
    if (!r.used.has(`f${f.fieldId}`))
      legacy[`field.${camelKey(f.key)}`] = f.fieldtype === 'password' ? f.raw || null : f.value;
  }
  if (image) legacy.imageValue = image.key;
  if (location) legacy.locationValue = location.key;
  const warnings = [...new Set([...(opts?.warnings ?? []), ...(flds?.warnings ?? [])])].sort();
  if (opts && opts.orphanRowIds.length > 0) legacy.orphanConfigOptionRowIds = opts.orphanRowIds.map(String);

  return {
    kind: 'server',
    ...base,
    name,
    cpuCores: cpuCores!,
    memoryMb: memoryMb!,
    diskGb: diskGb!,
    image,
    location,
    vmid,
    node,
    status: keelStatus(s.domainstatus, pveVm?.status ?? null),
    ipAddress: dedicatedIp || input.moduleVm?.ipaddress?.trim() || null,
    legacy,
    warnings,
    notes,
  };
}

function labelFor(field: ResolvedField, key: string): string {
  return field.valueLabel && field.valueLabel !== key ? field.valueLabel : key;
}

/** The Keel ids a migrated server refers to, resolved by the run. */
export interface ServerRefs {
  userId: string;
  planId: string | null;
  imageId: string | null;
  locationId: string | null;
}

/** The servers row of a migrated service. */
export function serverRow(r: ServerRecord, refs: ServerRefs): ServerRow {
  return {
    legacyWhmcsServiceId: r.serviceId,
    ...refs,
    name: r.name,
    status: r.status,
    cpuCores: r.cpuCores,
    memoryMb: r.memoryMb,
    diskGb: r.diskGb,
    ipAddress: r.ipAddress,
    pveNode: r.node,
    pveVmid: r.vmid,
    legacyAttributes: r.legacy,
  };
}
