/**
 * The operators' catalogue and cluster discovery on the wire: plans, images, locations, IP pools, and
 * what the Proxmox VE cluster has (nodes, templates, guests). One set of schemas for the API, the
 * console's forms and `pnpm catalog:apply`.
 */
import { z } from 'zod';
import { idSchema, nextCursorSchema, pageCursorSchema, pageLimitSchema, withoutNul } from './api.ts';

// -- discovery ---------------------------------------------------------------------------------------

export const pveStorageSchema = z
  .object({
    storage: z.string(),
    type: z.string(),
    shared: z.boolean(),
    active: z.boolean(),
    avail: z.number().nullable(),
    total: z.number().nullable(),
  })
  .meta({ id: 'PveStorage' });

export const pveNodeSchema = z
  .object({
    name: z.string(),
    status: z.string(),
    cpu: z.number().nullable().describe('CPU use, 0..1'),
    maxcpu: z.number().nullable(),
    mem: z.number().nullable().describe('bytes used'),
    maxmem: z.number().nullable(),
    disk: z.number().nullable().describe('root file system bytes used'),
    maxdisk: z.number().nullable(),
    uptime: z.number().nullable(),
    storages: z.array(pveStorageSchema),
  })
  .meta({ id: 'PveNode' });
export type PveNodeInfo = z.infer<typeof pveNodeSchema>;
export const pveNodeListSchema = z.object({ nodes: z.array(pveNodeSchema) }).meta({ id: 'PveNodeList' });

export const pveTemplateSchema = z
  .object({
    node: z.string(),
    vmid: z.number().int(),
    name: z.string().nullable(),
    storage: z.string().nullable().describe("the boot disk's storage"),
    shared: z.boolean().describe('the boot disk is on storage every node sees'),
    cloudInit: z.boolean().describe('the template has a cloud-init drive'),
    diskBytes: z.number().nullable().describe("the boot disk's size"),
  })
  .meta({ id: 'PveTemplate' });
export type PveTemplateInfo = z.infer<typeof pveTemplateSchema>;
export const pveTemplateListSchema = z
  .object({ templates: z.array(pveTemplateSchema) })
  .meta({ id: 'PveTemplateList' });

export const pveGuestSchema = z
  .object({
    node: z.string(),
    vmid: z.number().int(),
    name: z.string().nullable(),
    status: z.string(),
    type: z.string(),
    template: z.boolean(),
    maxcpu: z.number().nullable(),
    maxmem: z.number().nullable(),
    maxdisk: z.number().nullable(),
    uptime: z.number().nullable(),
    keelServerId: idSchema.nullable().describe('the live Keel server that owns this guest; null for strays'),
  })
  .meta({ id: 'PveGuest' });
export type PveGuestInfo = z.infer<typeof pveGuestSchema>;
export const pveGuestListSchema = z.object({ vms: z.array(pveGuestSchema) }).meta({ id: 'PveGuestList' });

// -- shared pieces -----------------------------------------------------------------------------------

const slugSchema = z
  .string({ error: 'is required' })
  .trim()
  .regex(/^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/, {
    error: 'must be 1–64 lowercase letters, digits, dots, dashes or underscores',
  });
const nameSchema = withoutNul(
  z
    .string({ error: 'is required' })
    .trim()
    .min(1, { error: 'is required' })
    .max(200, { error: 'must be at most 200 characters' }),
);
const positiveInt = (max: number) =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: `must be between 1 and ${max}` })
    .max(max, { error: `must be between 1 and ${max}` });
const nodeNameSchema = z
  .string()
  .regex(/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/, { error: 'is not a PVE node name' });

export const catalogueListInputSchema = z
  .strictObject({ limit: pageLimitSchema, cursor: pageCursorSchema })
  .meta({ id: 'CatalogueListQuery' });
export type CatalogueListInput = z.infer<typeof catalogueListInputSchema>;

export const catalogueIdInputSchema = z.strictObject({ id: z.string().max(200) }).meta({ id: 'CatalogueId' });

const timestamps = { createdAt: z.date(), updatedAt: z.date() };

// -- plans -------------------------------------------------------------------------------------------

const planFields = {
  slug: slugSchema,
  name: nameSchema,
  cpuCores: positiveInt(512),
  memoryMb: positiveInt(4_194_304),
  diskGb: positiveInt(65_536),
  priceMonthlyCents: z
    .number({ error: 'must be a number of cents' })
    .int({ error: 'must be a whole number of cents' })
    .min(0, { error: 'must not be negative' })
    .max(100_000_000, { error: 'must be at most 100000000' })
    .nullable(),
  active: z.boolean({ error: 'must be true or false' }),
  snapshotLimit: z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must be between 0 and 100' })
    .max(100, { error: 'must be between 0 and 100' })
    .describe('How many snapshots a server on this plan may keep'),
};
export const planInputSchema = z
  .strictObject({
    ...planFields,
    priceMonthlyCents: planFields.priceMonthlyCents.default(null),
    active: planFields.active.default(true),
    snapshotLimit: planFields.snapshotLimit.default(3),
  })
  .meta({ id: 'PlanInput' });
export type PlanInput = z.infer<typeof planInputSchema>;
export const planPatchSchema = z.strictObject(planFields).partial().meta({ id: 'PlanPatch' });
export const updatePlanInputSchema = planPatchSchema.extend({ id: z.string().max(200) });

export const adminPlanSchema = z
  .object({ id: idSchema, ...planFields, ...timestamps })
  .meta({ id: 'AdminPlan' });
export type AdminPlan = z.infer<typeof adminPlanSchema>;
export const planResultSchema = z.object({ plan: adminPlanSchema }).meta({ id: 'PlanResult' });
export const planListSchema = z
  .object({ plans: z.array(adminPlanSchema), nextCursor: nextCursorSchema })
  .meta({ id: 'PlanList' });

// -- images ------------------------------------------------------------------------------------------

export const pveTemplatesSchema = z
  .record(
    z.union([z.literal('*'), nodeNameSchema], { error: 'keys must be "*" or a PVE node name' }),
    z
      .number({ error: 'must be a VMID' })
      .int({ error: 'must be a VMID' })
      .min(100, { error: 'must be a VMID (100–999999999)' })
      .max(999_999_999, { error: 'must be a VMID (100–999999999)' }),
    { error: 'must map "*" or node names to template VMIDs' },
  )
  .refine((t) => Object.keys(t).length > 0, { error: 'must name at least one template' })
  .describe('The template per node: {"*": vmid} for one on shared storage, {"node": vmid, …} otherwise');

const imageFields = {
  slug: slugSchema,
  name: nameSchema,
  osFamily: z
    .string({ error: 'is required' })
    .trim()
    .regex(/^[a-z0-9][a-z0-9._-]{0,31}$/, { error: 'must be a short lowercase word, e.g. ubuntu' }),
  pveTemplates: pveTemplatesSchema,
  active: z.boolean({ error: 'must be true or false' }),
};
export const imageInputSchema = z
  .strictObject({
    ...imageFields,
    osFamily: imageFields.osFamily.default('linux'),
    active: imageFields.active.default(true),
  })
  .meta({ id: 'ImageInput' });
export type ImageInput = z.infer<typeof imageInputSchema>;
export const imagePatchSchema = z.strictObject(imageFields).partial().meta({ id: 'ImagePatch' });
export const updateImageInputSchema = imagePatchSchema.extend({ id: z.string().max(200) });
export const adminImageSchema = z
  .object({
    id: idSchema,
    ...imageFields,
    pveTemplates: z.record(z.string(), z.number()),
    ...timestamps,
  })
  .meta({ id: 'AdminImage' });
export type AdminImage = z.infer<typeof adminImageSchema>;
export const imageResultSchema = z.object({ image: adminImageSchema }).meta({ id: 'ImageResult' });
export const imageListSchema = z
  .object({ images: z.array(adminImageSchema), nextCursor: nextCursorSchema })
  .meta({ id: 'ImageList' });

// -- locations ---------------------------------------------------------------------------------------

const locationFields = {
  slug: slugSchema,
  name: nameSchema,
  country: z
    .string()
    .trim()
    .regex(/^[A-Z]{2}$/, { error: 'must be a two-letter country code (ISO 3166-1), e.g. DE' })
    .nullable(),
  pveNodes: z
    .array(nodeNameSchema, { error: 'must be a list of PVE node names' })
    .min(1, { error: 'must name at least one node' })
    .max(64, { error: 'must name at most 64 nodes' })
    .refine((nodes) => new Set(nodes).size === nodes.length, { error: 'must not name a node twice' }),
  active: z.boolean({ error: 'must be true or false' }),
  clusterId: idSchema
    .nullable()
    .optional()
    .describe(
      'The Proxmox VE cluster its nodes belong to (GET /api/admin/clusters); null or absent: the default cluster (PVE_URL)',
    ),
};
export const locationInputSchema = z
  .strictObject({
    ...locationFields,
    country: locationFields.country.default(null),
    active: locationFields.active.default(true),
  })
  .meta({ id: 'LocationInput' });
export type LocationInput = z.infer<typeof locationInputSchema>;
export const locationPatchSchema = z.strictObject(locationFields).partial().meta({ id: 'LocationPatch' });
export const updateLocationInputSchema = locationPatchSchema.extend({ id: z.string().max(200) });
export const adminLocationSchema = z
  .object({
    id: idSchema,
    ...locationFields,
    pveNodes: z.array(z.string()),
    clusterId: idSchema.nullable().describe('null: the default cluster (PVE_URL)'),
    ...timestamps,
  })
  .meta({ id: 'AdminLocation' });
export type AdminLocation = z.infer<typeof adminLocationSchema>;
export const locationResultSchema = z
  .object({ location: adminLocationSchema })
  .meta({ id: 'LocationResult' });
export const locationListSchema = z
  .object({ locations: z.array(adminLocationSchema), nextCursor: nextCursorSchema })
  .meta({ id: 'LocationList' });

// -- IP pools ----------------------------------------------------------------------------------------

const addressText = z.string({ error: 'is required' }).trim().max(64, { error: 'is not an IP address' });
const poolFields = {
  locationId: idSchema,
  cidr: z.string({ error: 'is required' }).trim().max(64, { error: 'is not a CIDR' }),
  gateway: addressText,
  rangeStart: addressText,
  rangeEnd: addressText,
  dns: z
    .array(addressText, { error: 'must be a list of addresses' })
    .max(8, { error: 'must list at most 8 servers' }),
};
export const poolInputSchema = z
  .strictObject({ ...poolFields, dns: poolFields.dns.default([]) })
  .meta({ id: 'IpPoolInput' });
export type PoolInput = z.infer<typeof poolInputSchema>;
/** The pool's network and location are fixed once it exists; its range, gateway and DNS can change. */
export const poolPatchSchema = z
  .strictObject({
    gateway: poolFields.gateway,
    rangeStart: poolFields.rangeStart,
    rangeEnd: poolFields.rangeEnd,
    dns: poolFields.dns,
  })
  .partial()
  .meta({ id: 'IpPoolPatch' });
export type PoolPatch = z.infer<typeof poolPatchSchema>;
export const updatePoolInputSchema = poolPatchSchema.extend({ id: z.string().max(200) });
export const adminPoolSchema = z
  .object({
    id: idSchema,
    ...poolFields,
    dns: z.array(z.string()),
    family: z.enum(['ipv4', 'ipv6']),
    size: z.number().int().describe('addresses the pool hands out'),
    allocated: z.number().int(),
    free: z.number().int(),
    createdAt: z.date(),
  })
  .meta({ id: 'AdminIpPool' });
export type AdminPool = z.infer<typeof adminPoolSchema>;
export const poolResultSchema = z.object({ pool: adminPoolSchema }).meta({ id: 'IpPoolResult' });
export const poolListSchema = z
  .object({ pools: z.array(adminPoolSchema), nextCursor: nextCursorSchema })
  .meta({ id: 'IpPoolList' });

export const deletedSchema = z.object({ deleted: z.literal(true) }).meta({ id: 'Deleted' });

// -- declarative catalogue (catalog:apply / catalog:export) -----------------------------------------

export const catalogueFileSchema = z
  .strictObject({
    plans: z.array(planInputSchema).default([]),
    images: z.array(imageInputSchema).default([]),
    locations: z.array(locationInputSchema).default([]),
    ipPools: z
      .array(
        z.strictObject({
          location: slugSchema.describe("the location's slug"),
          cidr: poolFields.cidr,
          gateway: poolFields.gateway,
          rangeStart: poolFields.rangeStart,
          rangeEnd: poolFields.rangeEnd,
          dns: poolFields.dns.default([]),
        }),
      )
      .default([]),
  })
  .meta({ id: 'CatalogueFile' });
export type CatalogueFile = z.infer<typeof catalogueFileSchema>;
