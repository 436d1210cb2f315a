/**
 * Proxmox VE clusters besides the default one (PVE_URL): list, get, register (201), change and
 * delete. Administrators only; every change is in the audit log with the operator, never the secret.
 */
import { catalogueIdInputSchema, catalogueListInputSchema, deletedSchema } from '../../shared/catalogue.ts';
import {
  clusterInputSchema,
  clusterListSchema,
  clusterResultSchema,
  updateClusterInputSchema,
} from '../../shared/clusters.ts';
import {
  createCluster,
  deleteCluster,
  getClusterById,
  listClusters,
  updateCluster,
  type ClusterDeps,
} from '../services/admin/clusters.ts';
import { adminProcedure, createTRPCRouter, type Context } from '../trpc.ts';

const depsOf = (ctx: Context): ClusterDeps => ({
  db: ctx.db,
  secretKey: ctx.config.CLUSTER_SECRET_KEY,
  clusters: ctx.clusters,
  log: ctx.log,
});
const actorOf = (ctx: { user: { id: string }; requestId: string }) => ({
  userId: ctx.user.id,
  requestId: ctx.requestId,
});

export const adminClustersRouter = createTRPCRouter({
  list: adminProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/admin/clusters',
        operationId: 'adminListClusters',
        summary:
          'Every registered Proxmox VE cluster (the default one, PVE_URL, is not listed), oldest first',
        errors: [],
      },
    })
    .input(catalogueListInputSchema.optional())
    .output(clusterListSchema)
    .query(({ ctx, input }) => listClusters(ctx.db, input ?? { limit: 100 })),
  byId: adminProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/admin/clusters/{id}',
        operationId: 'adminGetCluster',
        summary: 'One registered cluster (its token secret is never sent back)',
        errors: ['NOT_FOUND'],
      },
    })
    .input(catalogueIdInputSchema)
    .output(clusterResultSchema)
    .query(async ({ ctx, input }) => ({ cluster: await getClusterById(ctx.db, input.id) })),
  create: adminProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/admin/clusters',
        operationId: 'adminCreateCluster',
        summary:
          'Register a Proxmox VE cluster: it must answer with this token; the secret is kept sealed with CLUSTER_SECRET_KEY',
        status: 201,
        location: '/admin/clusters/{cluster.id}',
        // The slug is taken. Without CLUSTER_SECRET_KEY it answers 503 UNAVAILABLE, saying so.
        errors: ['CONFLICT'],
      },
    })
    .input(clusterInputSchema)
    .output(clusterResultSchema)
    .mutation(({ ctx, input }) => createCluster(depsOf(ctx), actorOf(ctx), input)),
  update: adminProcedure
    .meta({
      rest: {
        method: 'PATCH',
        path: '/admin/clusters/{id}',
        operationId: 'adminUpdateCluster',
        summary: 'Change a cluster; a new URL, token or fingerprint is checked against the cluster first',
        errors: ['NOT_FOUND', 'CONFLICT'],
      },
    })
    .input(updateClusterInputSchema)
    .output(clusterResultSchema)
    .mutation(({ ctx, input: { id, ...patch } }) => updateCluster(depsOf(ctx), actorOf(ctx), id, patch)),
  delete: adminProcedure
    .meta({
      rest: {
        method: 'DELETE',
        path: '/admin/clusters/{id}',
        operationId: 'adminDeleteCluster',
        summary: 'Delete a cluster no location or server uses (retire one in use with active: false)',
        errors: ['NOT_FOUND', 'CONFLICT'],
      },
    })
    .input(catalogueIdInputSchema)
    .output(deletedSchema)
    .mutation(({ ctx, input }) => deleteCluster(depsOf(ctx), actorOf(ctx), input.id)),
});
