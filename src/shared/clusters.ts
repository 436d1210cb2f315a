/**
 * Proxmox VE clusters on the wire: the ones an operator registers besides the default cluster
 * (PVE_URL), each with its own URL, API token and certificate fingerprint. The token secret goes in
 * and never comes out: answers say only whether one is stored and how it begins.
 */
import { z } from 'zod';
import { idSchema, nextCursorSchema } from './api.ts';

const slugSchema = z
  .string({ error: 'is required' })
  .trim()
  .regex(/^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/, {
    error: 'must be 1–64 lowercase letters, digits, dots, dashes or underscores',
  });

const clusterFields = {
  slug: slugSchema,
  name: z
    .string({ error: 'is required' })
    .trim()
    .min(1, { error: 'is required' })
    .max(200, { error: 'must be at most 200 characters' }),
  url: z
    .string({ error: 'is required' })
    .trim()
    .max(2000, { error: 'must be at most 2000 characters' })
    .refine(
      (v) => {
        try {
          const u = new URL(v);
          return (u.protocol === 'https:' || u.protocol === 'http:') && u.pathname.replace(/\/+$/, '') === '';
        } catch {
          return false;
        }
      },
      { error: 'must be the cluster’s address, e.g. https://pve1.example.com:8006 (no path)' },
    )
    .transform((v) => v.replace(/\/+$/, '')),
  tokenId: z
    .string({ error: 'is required' })
    .trim()
    .regex(/^[^@\s]+@[^!\s]+![A-Za-z][A-Za-z0-9._-]*$/, { error: 'must look like USER@REALM!TOKENID' }),
  tokenSecret: z
    .string({ error: 'is required' })
    .trim()
    .min(1, { error: 'is required' })
    .max(500, { error: 'must be at most 500 characters' }),
  fingerprint: z
    .string()
    .trim()
    .regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, {
      error: 'must be a SHA-256 fingerprint: 32 hex pairs separated by colons',
    })
    .nullable(),
  active: z.boolean({ error: 'must be true or false' }),
};

export const clusterInputSchema = z
  .strictObject({
    ...clusterFields,
    fingerprint: clusterFields.fingerprint.default(null),
    active: clusterFields.active.default(true),
  })
  .meta({ id: 'ClusterInput' });
export type ClusterInput = z.infer<typeof clusterInputSchema>;
export const clusterPatchSchema = z.strictObject(clusterFields).partial().meta({ id: 'ClusterPatch' });
export type ClusterPatch = z.infer<typeof clusterPatchSchema>;
export const updateClusterInputSchema = clusterPatchSchema.extend({ id: z.string().max(200) });

export const adminClusterSchema = z
  .object({
    id: idSchema,
    slug: z.string(),
    name: z.string(),
    url: z.string(),
    tokenId: z.string(),
    hasSecret: z.boolean().describe('a token secret is stored (it is never sent back)'),
    fingerprint: z.string().nullable(),
    active: z.boolean().describe('false: its locations take no new servers; its servers are still managed'),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'AdminCluster' });
export type AdminCluster = z.infer<typeof adminClusterSchema>;
export const clusterResultSchema = z.object({ cluster: adminClusterSchema }).meta({ id: 'ClusterResult' });
export const clusterListSchema = z
  .object({ clusters: z.array(adminClusterSchema), nextCursor: nextCursorSchema })
  .meta({ id: 'ClusterList' });

/** Discovery on one cluster: `clusterId` absent or empty is the default cluster. */
export const discoveryInputSchema = z
  .strictObject({
    clusterId: idSchema
      .optional()
      .describe('The cluster to look at (GET /api/admin/clusters); absent: the default cluster'),
  })
  .meta({ id: 'DiscoveryQuery' });
