/**
 * One WHMCS service → one Keel server record (or a skip with its reason), from the rows already read and the
 * catalogue. Pure: the same inputs always give the same record, which is what makes reruns change nothing.
 */
import { fieldRefFor, nameMatches, type Mapping, type MappingSource } from './mapping.ts';
import type { ClientRow } from './source.ts';
import {
  camelKey,
  dateOrNull,
  decodeOnce,
  keelStatus,
  normalizeEmail,
  optionAttribute,
  optionLegacyValue,
  parseAttribute,
  parseVmid,
  resolveFields,
  resolveOptions,
  serverName,
  serviceSkipReason,
  splitIpList,
  type Attribute,
  type FieldDef,
  type FieldRow,
  type OptionDef,
  type OptionRow,
  type ResolvedField,
  type ResolvedOption,
  type ServiceSkipReason,
  type ServiceWarning,
} from './rules.ts';

export interface Product {
  id: number;
  name: string;
  servertype: string;
  /** tblproducts.configoption1..24 (index 0 = configoption1). */
  moduleSettings: string[];
  options: OptionDef[];
  fields: FieldDef[];
}

export interface WhmcsServer {
  id: number;
  type: string;
  hostname: string;
}

export interface Catalogue {
  products: Map<number, Product>;
  servers: Map<number, WhmcsServer>;
  /** mod_pvewhmcs_plans by id. */
  modulePlans: Map<number, { cores: number; memoryMb: number; diskGb: number }>;
  /** mod_pvewhmcs_nodes.id → pve_name. */
  moduleNodes: Map<number, string>;
}

export interface ServiceRow {
  id: number;
  userid: number;
  packageid: number;
  server: number;
  regdate: string | null;
  domain: string | null;
  billingcycle: string | null;
  amount: string | null;
  nextduedate: string | null;
  domainstatus: string;
  dedicatedip: string | null;
  assignedips: string | null;
  clientStatus: string | null;
}

export interface ModuleVm {
  vmid: number;
  nodeId: number | null;
  ipaddress: string | null;
}

export interface PveVmInfo {
  node: string;
  status: 'running' | 'stopped';
  /** As `/cluster/resources` reports them: vCPUs, bytes, bytes. */
  maxcpu?: number;
  maxmem?: number;
  maxdisk?: number;
}

/**
 * What differs between a migrated server and the PVE VM its VMID names (--verify-pve): a missing VM, another
 * node, other cores, memory or disk. Empty when they match.
 */
export function pveMismatches(
  server: { cpuCores: number; memoryMb: number; diskGb: number; node: string | null },
  vm: PveVmInfo | undefined,
): string[] {
  if (!vm) return ['VMID does not exist on PVE'];
  const out: string[] = [];
  if (server.node && vm.node !== server.node) out.push(`on node ${vm.node}, Keel says ${server.node}`);
  if (vm.maxcpu !== undefined && vm.maxcpu !== server.cpuCores)
    out.push(`PVE has ${vm.maxcpu} cores, Keel ${server.cpuCores}`);
  if (vm.maxmem !== undefined && vm.maxmem !== server.memoryMb * 1024 ** 2)
    out.push(`PVE has ${vm.maxmem / 1024 ** 2} MB memory, Keel ${server.memoryMb}`);
  if (vm.maxdisk !== undefined && vm.maxdisk !== server.diskGb * 1024 ** 3)
    out.push(`PVE has ${(vm.maxdisk / 1024 ** 3).toFixed(1)} GB disk, Keel ${server.diskGb}`);
  return out;
}

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

/** Default specs of a product (its plan): every option at WHMCS's default, then the same fallbacks. */
export function productSpecs(
  product: Product,
  catalogue: Catalogue,
  mapping: Mapping,
): { cpuCores: number; memoryMb: number; diskGb: number } | null {
  const options = resolveOptions(product.options, []).options;
  const r: Resolved = { options, fields: [], used: new Set() };
  const modulePlan =
    product.servertype === 'pvewhmcs'
      ? catalogue.modulePlans.get(Number(product.moduleSettings[0]))
      : undefined;
  const cpuCores = specFrom('cpuCores', mapping.cpuCores, r, product) ?? modulePlan?.cores ?? null;
  const memoryMb = specFrom('memoryMb', mapping.memoryMb, r, product) ?? modulePlan?.memoryMb ?? null;
  const diskGb = specFrom('diskGb', mapping.diskGb, r, product) ?? modulePlan?.diskGb ?? null;
  if (!cpuCores || !memoryMb || !diskGb) return null;
  return { cpuCores, memoryMb, diskGb };
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

  const modulePlan =
    product.servertype === 'pvewhmcs'
      ? catalogue.modulePlans.get(Number(product.moduleSettings[0]))
      : undefined;
  const cpuCores = specFrom('cpuCores', mapping.cpuCores, r, product) ?? modulePlan?.cores ?? null;
  const memoryMb = specFrom('memoryMb', mapping.memoryMb, r, product) ?? modulePlan?.memoryMb ?? null;
  const diskGb = specFrom('diskGb', mapping.diskGb, r, product) ?? modulePlan?.diskGb ?? null;
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

/**
 * One WHMCS account's billing details, as kept in `users.legacy_attributes.whmcsAccounts[<tblclients.id>]`:
 * display text decoded once, the email normalised, dates as `YYYY-MM-DD` (zero → null). Never card or bank
 * data, passwords, security answers or reset keys.
 */
export interface AccountDetails {
  email: string;
  firstName: string;
  lastName: string;
  companyName: string;
  address1: string;
  address2: string;
  city: string;
  state: string;
  postcode: string;
  country: string;
  phoneNumber: string;
  taxId: string;
  status: string;
  currency: string | null;
  credit: string;
  taxExempt: boolean;
  separateInvoices: boolean;
  defaultGateway: string;
  language: string;
  clientGroupId: number;
  notes: string;
  marketingOptIn: boolean;
  createdOn: string | null;
  /** Client custom fields by field name (newest value), decoded once. */
  customFields: Record<string, string>;
}

export function accountDetails(c: ClientRow, customFields: Record<string, string>): AccountDetails {
  const text = (v: string) => decodeOnce(v).trim();
  return {
    email: normalizeEmail(c.email),
    firstName: decodeOnce(c.firstname),
    lastName: decodeOnce(c.lastname),
    companyName: decodeOnce(c.companyname),
    address1: text(c.address1),
    address2: text(c.address2),
    city: text(c.city),
    state: text(c.state),
    postcode: c.postcode.trim(),
    country: c.country.trim(),
    phoneNumber: c.phonenumber.trim(),
    taxId: c.taxId.trim(),
    status: c.status,
    currency: c.currency,
    credit: c.credit,
    taxExempt: c.taxExempt,
    separateInvoices: c.separateInvoices,
    defaultGateway: c.defaultGateway,
    language: c.language,
    clientGroupId: c.groupId,
    notes: decodeOnce(c.notes),
    marketingOptIn: c.marketingOptIn,
    createdOn: dateOrNull(c.datecreated),
    customFields: Object.fromEntries(
      Object.entries(customFields).map(([k, v]) => [decodeOnce(k), decodeOnce(v)]),
    ),
  };
}
