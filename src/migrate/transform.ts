/**
 * One WHMCS service → one Keel server record (or a skip with its reason), from the rows already read and the
 * catalogue. Pure: the same inputs always give the same record, which is what makes reruns change nothing.
 */
import type { ServerRow } from './load-servers.ts';
import { fieldRefFor, type Mapping, type MappingSource } from './mapping.ts';
import type { PveVmInfo } from './pve-inventory.ts';
import {
  camelKey,
  dateOrNull,
  decodeOnce,
  keelStatus,
  parseVmid,
  serverName,
  serviceSkipReason,
  splitIpList,
  type ServiceSkipReason,
  type ServiceWarning,
} from './rules.ts';
import {
  optionLegacyValue,
  resolveFields,
  resolveOptions,
  type FieldRow,
  type OptionRow,
  type ResolvedField,
} from './rules-options.ts';
import { fromSource, resolveSpecs, type Resolved } from './transform-sources.ts';
import type { Catalogue, ModuleVm, Product, ServiceRow } from './whmcs.ts';

// A product's plan is transform-plans.ts's; the catalogue phase reaches it through here with the rest.
export { planRow } from './transform-plans.ts';

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

/** The first DNS label of a PVE server's hostname (`pve1.fra1.example.net` → `pve1`). */
function hostLabel(hostname: string): string | null {
  const label = hostname.trim().split('.')[0] ?? '';
  return /^[a-zA-Z0-9-]+$/.test(label) ? label : null;
}

/** What the skip rules before the VMID look at (product, server, account, status). */
function skipFacts(s: ServiceRow, catalogue: Catalogue, mapping: Mapping) {
  const server = catalogue.servers.get(s.server);
  return {
    productIsServer: isServerProduct(catalogue.products.get(s.packageid), mapping),
    serverIsProxmox:
      (server !== undefined && mapping.serverModules.includes(server.type)) ||
      mapping.serverProductIds.includes(s.packageid),
    clientStatus: s.clientStatus ?? 'Closed',
    migrateClientStatuses: mapping.clientStatuses,
    domainstatus: s.domainstatus,
  };
}

/** Whether a service passes every skip rule before the VMID (product, server, account, status). */
export function serviceMayMigrate(s: ServiceRow, catalogue: Catalogue, mapping: Mapping): boolean {
  // Any VMID: the question is whether the rules before it pass.
  return serviceSkipReason({ ...skipFacts(s, catalogue, mapping), vmid: 100 }) === null;
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
  // Every rule but the last (a VMID) is decided before the options and fields are read.
  const early = serviceSkipReason({ ...skipFacts(s, catalogue, mapping), vmid: 0 });
  if (early || !product) return { kind: 'skip', ...base, reason: early ?? 'not-proxmox-product' };
  const opts = resolveOptions(product.options, input.optionRows);
  const flds = resolveFields(product.fields, input.fieldRows);
  const r: Resolved = { options: opts.options, fields: flds.fields, used: new Set() };

  const found = fromSource(mapping.vmid, r, product);
  let vmid = found?.option
    ? parseVmid(optionLegacyValue(found.option.value) as string)
    : parseVmid(found?.text[0]);
  if (vmid === null && input.moduleVm) vmid = parseVmid(input.moduleVm.vmid);
  if (vmid === null) return { kind: 'skip', ...base, reason: 'missing-vmid' };

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
  const warnings = [...new Set([...opts.warnings, ...flds.warnings])].sort();
  if (opts.orphanRowIds.length > 0) legacy.orphanConfigOptionRowIds = opts.orphanRowIds.map(String);

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
