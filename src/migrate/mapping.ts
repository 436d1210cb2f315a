/**
 * The mapping file: which WHMCS option and field names mean which Keel column, and how image and location
 * values map. Every WHMCS install names them differently, so the defaults below are only a starting point.
 * Names are matched case-insensitively against an option's or field's key (the part before `|`) and its label.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const names = z.array(z.string().min(1));
const fieldRef = z.union([
  z.string().min(1),
  z.object({ name: z.string().min(1), part: z.enum(['key', 'label']).default('key') }),
]);

const source = z.object({
  /** Configurable option names. */
  options: names.default([]),
  /** Product custom field names. */
  fields: z.array(fieldRef).default([]),
  /** Product module settings: module name → N of tblproducts.configoptionN, the last fallback. */
  moduleSettings: z.record(z.string(), z.number().int().min(1).max(24)).default({}),
});
export type MappingSource = z.infer<typeof source>;

export const mappingSchema = z
  .object({
    /** Products whose tblproducts.servertype is one of these are servers (and so are their tblservers). */
    serverModules: names.default(['proxmoxVPS', 'pvewhmcs']),
    /** Extra tblproducts.id values to treat as servers whatever their module. */
    serverProductIds: z.array(z.number().int().positive()).default([]),
    /**
     * tblclients.status values whose accounts migrate: Active only by default (issue 6). `["Active", "Inactive"]`
     * widens the scope to Inactive accounts, which WHMCS may set on accounts still holding live services.
     * Closed is always skipped.
     */
    clientStatuses: z
      .array(z.enum(['Active', 'Inactive']))
      .min(1)
      .default(['Active']),
    cpuCores: source.default({
      options: ['cpu', 'CPU Cores', 'CPU', 'cores', 'cpus', 'vcpu'],
      fields: [],
      moduleSettings: { proxmoxVPS: 1 },
    }),
    memoryMb: source.default({
      options: ['memory', 'Memory', 'RAM'],
      fields: [],
      moduleSettings: { proxmoxVPS: 2 },
    }),
    diskGb: source.default({
      options: ['disk', 'Disk Space', 'Disk', 'primary_disk_size'],
      fields: [],
      moduleSettings: { proxmoxVPS: 3 },
    }),
    image: source.default({
      options: ['os', 'template', 'template_id'],
      fields: ['OS_Image_Template', { name: 'KVMTemplate', part: 'label' }, 'OS', 'Template'],
      moduleSettings: { proxmoxVPS: 4 },
    }),
    location: source.default({
      options: ['location', 'location_id'],
      fields: ['DataCenter_Location', 'Location'],
      moduleSettings: {},
    }),
    vmid: source.default({ options: [], fields: ['VMID'], moduleSettings: {} }),
    /**
     * Legacy attributes that are always present on a migrated server (null when its product lacks them), so
     * every server of an install carries the same keys. Any other unmapped option or field is kept too, under
     * `option.<key>` / `field.<key>`.
     */
    legacy: z.record(z.string(), source).default({
      extraIpv4: { options: ['extra_ipv4', 'Extra IPv4'], fields: [], moduleSettings: {} },
      backups: { options: ['backups'], fields: [], moduleSettings: {} },
      notes: { options: [], fields: ['notes', 'Notes'], moduleSettings: {} },
      rootPasswordCiphertext: {
        options: [],
        fields: ['root_password', 'Root Password', 'Password'],
        moduleSettings: {},
      },
    }),
    /** WHMCS image value (key) → Keel image slug. Unmatched values become new, closed images. */
    images: z.record(z.string(), z.string()).default({}),
    /** WHMCS location value (key) → Keel location slug. Unmatched values become new, closed locations. */
    locations: z.record(z.string(), z.string()).default({}),
    /** WHMCS location value → PVE node, when PVE cannot be asked. */
    locationNodes: z.record(z.string(), z.string()).default({}),
    /** tblservers.id → PVE node; without it the first label of tblservers.hostname is used. */
    serverNodes: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type Mapping = z.infer<typeof mappingSchema>;
export type MappedRole = 'cpuCores' | 'memoryMb' | 'diskGb' | 'image' | 'location' | 'vmid';
export const mappedRoles: readonly MappedRole[] = [
  'cpuCores',
  'memoryMb',
  'diskGb',
  'image',
  'location',
  'vmid',
];

export const defaultMapping: Mapping = mappingSchema.parse({});

export async function loadMapping(path: string | undefined): Promise<Mapping> {
  if (!path) return defaultMapping;
  const text = await readFile(path, 'utf8');
  const result = mappingSchema.safeParse(JSON.parse(text));
  if (!result.success) throw new Error(`mapping file ${path}: ${z.prettifyError(result.error)}`);
  return result.data;
}

const lower = (s: string) => s.trim().toLowerCase();

// Mapping lists are fixed for a run and asked once per option and field of every service: lower-case them once.
const loweredLists = new WeakMap<readonly string[], Set<string>>();
function lowered(candidates: readonly string[]): Set<string> {
  let set = loweredLists.get(candidates);
  if (!set) {
    set = new Set(candidates.map(lower));
    loweredLists.set(candidates, set);
  }
  return set;
}

/** Whether an option or field (its key and label) is one of the mapped names. */
export function nameMatches(candidates: readonly string[], key: string, label: string): boolean {
  if (candidates.length === 0) return false;
  const set = lowered(candidates);
  return set.has(lower(key)) || set.has(lower(label));
}

export function fieldRefFor(
  src: MappingSource,
  key: string,
  label: string,
): { part: 'key' | 'label' } | null {
  if (src.fields.length === 0) return null;
  const k = lower(key);
  const l = lower(label);
  for (const ref of src.fields) {
    const name = lower(typeof ref === 'string' ? ref : ref.name);
    if (name === k || name === l) return { part: typeof ref === 'string' ? 'key' : ref.part };
  }
  return null;
}
