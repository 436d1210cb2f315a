/** Pure conversions between the catalogue's API shapes and the text the console's forms hold. */
import type {
  AdminImage,
  AdminLocation,
  AdminPlan,
  AdminPool,
  PveTemplateInfo,
} from '../../../../shared/catalogue.ts';

/** "" → NaN, so the shared schema answers "must be a number" rather than taking 0. */
export function numberFrom(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

// -- plans -------------------------------------------------------------------------------------------

export interface PlanValues {
  name: string;
  slug: string;
  cpuCores: string;
  memoryMb: string;
  diskGb: string;
  /** In currency units with cents, e.g. "5.00"; empty for no price. */
  price: string;
  snapshotLimit: string;
  active: boolean;
}

export const emptyPlan: PlanValues = {
  name: '',
  slug: '',
  cpuCores: '1',
  memoryMb: '1024',
  diskGb: '25',
  price: '',
  snapshotLimit: '3',
  active: true,
};

export function planValues(plan: AdminPlan): PlanValues {
  return {
    name: plan.name,
    slug: plan.slug,
    cpuCores: String(plan.cpuCores),
    memoryMb: String(plan.memoryMb),
    diskGb: String(plan.diskGb),
    price: plan.priceMonthlyCents === null ? '' : (plan.priceMonthlyCents / 100).toFixed(2),
    snapshotLimit: String(plan.snapshotLimit),
    active: plan.active,
  };
}

/** "5" → 500, "5.5" → 550, "" → null; anything else → NaN, which the schema refuses by name. */
export function centsFrom(price: string): number | null {
  const text = price.trim().replace(',', '.');
  if (text === '') return null;
  if (!/^\d+(\.\d{1,2})?$/.test(text)) return Number.NaN;
  return Math.round(Number(text) * 100);
}

export function planInput(values: PlanValues) {
  return {
    name: values.name,
    slug: values.slug,
    cpuCores: numberFrom(values.cpuCores),
    memoryMb: numberFrom(values.memoryMb),
    diskGb: numberFrom(values.diskGb),
    priceMonthlyCents: centsFrom(values.price),
    snapshotLimit: numberFrom(values.snapshotLimit),
    active: values.active,
  };
}

// -- images ------------------------------------------------------------------------------------------

export interface ImageValues {
  name: string;
  slug: string;
  osFamily: string;
  /** "shared": one template every node sees, under "*"; "perNode": one per node. */
  templateMode: 'shared' | 'perNode';
  sharedTemplate: string;
  /** Node name → template VMID as text; a node without one is left out. */
  nodeTemplates: Record<string, string>;
  active: boolean;
}

export const emptyImage: ImageValues = {
  name: '',
  slug: '',
  osFamily: 'linux',
  templateMode: 'shared',
  sharedTemplate: '',
  nodeTemplates: {},
  active: true,
};

export function imageValues(image: AdminImage): ImageValues {
  const shared = image.pveTemplates['*'];
  const nodeTemplates: Record<string, string> = {};
  for (const [node, vmid] of Object.entries(image.pveTemplates)) {
    if (node !== '*') nodeTemplates[node] = String(vmid);
  }
  return {
    name: image.name,
    slug: image.slug,
    osFamily: image.osFamily,
    templateMode: shared !== undefined || Object.keys(nodeTemplates).length === 0 ? 'shared' : 'perNode',
    sharedTemplate: shared === undefined ? '' : String(shared),
    nodeTemplates,
    active: image.active,
  };
}

export function templatesInput(
  values: Pick<ImageValues, 'templateMode' | 'sharedTemplate' | 'nodeTemplates'>,
) {
  if (values.templateMode === 'shared') {
    return values.sharedTemplate ? { '*': numberFrom(values.sharedTemplate) } : {};
  }
  const templates: Record<string, number> = {};
  for (const [node, vmid] of Object.entries(values.nodeTemplates)) {
    if (vmid) templates[node] = numberFrom(vmid);
  }
  return templates;
}

export function imageInput(values: ImageValues) {
  return {
    name: values.name,
    slug: values.slug,
    osFamily: values.osFamily,
    pveTemplates: templatesInput(values),
    active: values.active,
  };
}

/** The templates an image may use on `node`: those on it, and those on storage every node sees. */
export function templatesFor(node: string, templates: readonly PveTemplateInfo[]): PveTemplateInfo[] {
  return templates.filter((t) => t.node === node || t.shared);
}

/** A template once, even when discovery lists a shared one under every node. */
export function sharedTemplates(templates: readonly PveTemplateInfo[]): PveTemplateInfo[] {
  const seen = new Set<number>();
  return templates.filter((t) => t.shared && !seen.has(t.vmid) && seen.add(t.vmid));
}

export function templateLabel(t: PveTemplateInfo): string {
  const name = t.name ? ` ${t.name}` : '';
  const where = t.storage ? ` on ${t.storage}` : '';
  return `${t.vmid}${name}${where}${t.cloudInit ? '' : ' (no cloud-init drive)'}`;
}

/** "*" → "every node (9000)", else "pve1: 9000 · pve2: 9001". */
export function describeTemplates(pveTemplates: Record<string, number>): string {
  const shared = pveTemplates['*'];
  if (shared !== undefined) return `Every node: ${shared}`;
  return Object.entries(pveTemplates)
    .map(([node, vmid]) => `${node}: ${vmid}`)
    .join(' · ');
}

// -- locations ---------------------------------------------------------------------------------------

export interface LocationValues {
  name: string;
  slug: string;
  country: string;
  pveNodes: string[];
  active: boolean;
}

export const emptyLocation: LocationValues = { name: '', slug: '', country: '', pveNodes: [], active: true };

export function locationValues(location: AdminLocation): LocationValues {
  return {
    name: location.name,
    slug: location.slug,
    country: location.country ?? '',
    pveNodes: [...location.pveNodes],
    active: location.active,
  };
}

export function locationInput(values: LocationValues) {
  const country = values.country.trim().toUpperCase();
  return {
    name: values.name,
    slug: values.slug,
    country: country === '' ? null : country,
    pveNodes: values.pveNodes,
    active: values.active,
  };
}

// -- IP pools ----------------------------------------------------------------------------------------

export interface PoolValues {
  locationId: string;
  cidr: string;
  gateway: string;
  rangeStart: string;
  rangeEnd: string;
  /** Addresses separated by commas or spaces. */
  dns: string;
}

export const emptyPool: PoolValues = {
  locationId: '',
  cidr: '',
  gateway: '',
  rangeStart: '',
  rangeEnd: '',
  dns: '',
};

export function poolValues(pool: AdminPool): PoolValues {
  return {
    locationId: pool.locationId,
    cidr: pool.cidr,
    gateway: pool.gateway,
    rangeStart: pool.rangeStart,
    rangeEnd: pool.rangeEnd,
    dns: pool.dns.join(', '),
  };
}

export function dnsList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function poolInput(values: PoolValues) {
  return {
    locationId: values.locationId,
    cidr: values.cidr,
    gateway: values.gateway,
    rangeStart: values.rangeStart,
    rangeEnd: values.rangeEnd,
    dns: dnsList(values.dns),
  };
}

export function poolPatch(values: PoolValues) {
  return {
    gateway: values.gateway,
    rangeStart: values.rangeStart,
    rangeEnd: values.rangeEnd,
    dns: dnsList(values.dns),
  };
}
