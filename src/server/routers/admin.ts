/**
 * Administrators' view across customers. Every procedure here is an `adminProcedure`: a customer's
 * token gets FORBIDDEN before any input is read. Every change is audited with the acting operator.
 */
import {
  adminActOnServerInputSchema,
  adminAuditInputSchema,
  adminListServersInputSchema,
  adminServerListSchema,
  adminServerResultSchema,
  auditListSchema,
} from '../../shared/admin.ts';
import { serverIdInputSchema } from '../../shared/api.ts';
import { listAuditEvents } from '../services/admin/audit.ts';
import {
  adminActOnServer,
  adminTerminateServer,
  getAdminServer,
  listAdminServers,
} from '../services/admin/servers.ts';
import { adoptServerInputSchema, adoptServerResultSchema } from '../../shared/adopt.ts';
import { adoptServer } from '../services/admin/adopt.ts';
import { adminProcedure, createTRPCRouter } from '../trpc.ts';

const actorOf = (ctx: { user: { id: string }; requestId: string }) => ({
  id: ctx.user.id,
  requestId: ctx.requestId,
});

export const adminRouter = createTRPCRouter({
  servers: createTRPCRouter({
    /** All servers of all customers, newest first, with each one's owner. */
    list: adminProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/admin/servers',
          operationId: 'adminListServers',
          summary:
            "Every customer's servers with their owners, newest first, filtered by status, customer, location, node or a search (administrators only)",
          errors: [],
        },
      })
      .input(adminListServersInputSchema.optional())
      .output(adminServerListSchema)
      .query(({ ctx, input }) => listAdminServers(ctx.db, input ?? { limit: 100 })),
    /** Links an existing PVE VM to a customer without touching its disk. */
    adopt: adminProcedure
      .meta({
        rest: {
          method: 'POST',
          path: '/admin/servers/adopt',
          operationId: 'adminAdoptServer',
          summary:
            'Adopt an existing Proxmox VM for a customer: its config is read, it is tagged with the Keel id and its address registered; its disk is not touched (administrators only)',
          errors: ['NOT_FOUND', 'CONFLICT', 'INVALID_STATE'],
        },
      })
      .input(adoptServerInputSchema)
      .output(adoptServerResultSchema)
      .mutation(async ({ ctx, input }) =>
        adoptServer(
          { db: ctx.db, pve: await ctx.clusters.forLocation(input.locationId) },
          { userId: ctx.user.id, requestId: ctx.requestId },
          input,
        ),
      ),
    byId: adminProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/admin/servers/{id}',
          operationId: 'adminGetServer',
          summary: 'Any server with its owner, node, VMID, suspension, current job and events',
          errors: ['NOT_FOUND'],
        },
      })
      .input(serverIdInputSchema)
      .output(adminServerResultSchema)
      .query(({ ctx, input }) => getAdminServer(ctx.db, input.id)),
    action: adminProcedure
      .meta({
        rest: {
          method: 'POST',
          path: '/admin/servers/{id}/actions',
          operationId: 'adminActOnServer',
          summary:
            'Start, shut down, stop, reboot, suspend (the VM is stopped; the customer can only read it), unsuspend (back to its power state), or retry the failed operation of a server in error',
          status: 202,
          location: '/admin/servers/{server.id}',
          errors: ['NOT_FOUND', 'INVALID_STATE'],
        },
      })
      .input(adminActOnServerInputSchema)
      .output(adminServerResultSchema)
      .mutation(({ ctx, input }) =>
        adminActOnServer(ctx.db, actorOf(ctx), input.id, input.action, input.reason),
      ),
    terminate: adminProcedure
      .meta({
        rest: {
          method: 'DELETE',
          path: '/admin/servers/{id}',
          operationId: 'adminTerminateServer',
          summary:
            'Terminate any server, a suspended one included: its VM is deleted and its address released',
          status: 202,
          location: '/admin/servers/{server.id}',
          errors: ['NOT_FOUND', 'INVALID_STATE'],
        },
      })
      .input(serverIdInputSchema)
      .output(adminServerResultSchema)
      .mutation(({ ctx, input }) => adminTerminateServer(ctx.db, actorOf(ctx), input.id)),
  }),
  audit: createTRPCRouter({
    list: adminProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/admin/audit',
          operationId: 'adminListAudit',
          summary:
            'The audit log across everything, newest first: filter by customer, server, actor, kind (a prefix ending in *) and time',
          errors: [],
        },
      })
      .input(adminAuditInputSchema.optional())
      .output(auditListSchema)
      .query(({ ctx, input }) => listAuditEvents(ctx.db, input ?? { limit: 100 })),
  }),
});
