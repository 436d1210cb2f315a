/**
 * Cluster discovery for operators: a Proxmox VE cluster's nodes, templates and guests, read live
 * (reused for a few seconds at most); `?clusterId=` picks a registered cluster, else the default one.
 * Administrators only.
 */
import { pveGuestListSchema, pveNodeListSchema, pveTemplateListSchema } from '../../shared/catalogue.ts';
import { discoveryInputSchema } from '../../shared/clusters.ts';
import {
  discoverGuests,
  discoverNodes,
  discoverTemplates,
  discoveryCluster,
} from '../services/admin/discovery.ts';
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
    .input(discoveryInputSchema.optional())
    .output(pveNodeListSchema)
    .query(async ({ ctx, input }) => ({
      nodes: await discoverNodes(await discoveryCluster(ctx, input?.clusterId)),
    })),
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
    .input(discoveryInputSchema.optional())
    .output(pveTemplateListSchema)
    .query(async ({ ctx, input }) => ({
      templates: await discoverTemplates(await discoveryCluster(ctx, input?.clusterId)),
    })),
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
    .input(discoveryInputSchema.optional())
    .output(pveGuestListSchema)
    .query(async ({ ctx, input }) => ({
      vms: await discoverGuests(
        ctx.db,
        await discoveryCluster(ctx, input?.clusterId),
        input?.clusterId ?? null,
      ),
    })),
});
