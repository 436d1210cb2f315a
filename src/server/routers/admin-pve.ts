/**
 * Cluster discovery for operators: the Proxmox VE cluster's nodes, templates and guests, read live
 * (reused for a few seconds at most). Administrators only.
 */
import { pveGuestListSchema, pveNodeListSchema, pveTemplateListSchema } from '../../shared/catalogue.ts';
import { discoverGuests, discoverNodes, discoverTemplates } from '../services/admin/discovery.ts';
import { adminProcedure, createTRPCRouter } from '../trpc.ts';

export const adminPveRouter = createTRPCRouter({
  nodes: adminProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/admin/pve/nodes',
        operationId: 'adminListPveNodes',
        summary: "The cluster's nodes with their CPU, memory, disk and storages, live from PVE",
        errors: [],
      },
    })
    .output(pveNodeListSchema)
    .query(async ({ ctx }) => ({ nodes: await discoverNodes(ctx.pve) })),
  templates: adminProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/admin/pve/templates',
        operationId: 'adminListPveTemplates',
        summary: 'Every VM template in the cluster, with its storage, disk size and cloud-init drive',
        errors: [],
      },
    })
    .output(pveTemplateListSchema)
    .query(async ({ ctx }) => ({ templates: await discoverTemplates(ctx.pve) })),
  vms: adminProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/admin/pve/vms',
        operationId: 'adminListPveVms',
        summary: 'Every guest in the cluster and the Keel server that owns it (null for strays)',
        errors: [],
      },
    })
    .output(pveGuestListSchema)
    .query(async ({ ctx }) => ({ vms: await discoverGuests(ctx.db, ctx.pve) })),
});
