/**
 * Administrators' view across customers. Every procedure here is an `adminProcedure`: a customer's
 * token gets FORBIDDEN before any input is read.
 */
import { adminServerListSchema } from '../../shared/admin.ts';
import { listServersInputSchema } from '../../shared/api.ts';
import { listAllServers } from '../services/servers/read.ts';
import { adoptServerInputSchema, adoptServerResultSchema } from '../../shared/adopt.ts';
import { adoptServer } from '../services/admin/adopt.ts';
import { adminProcedure, createTRPCRouter } from '../trpc.ts';

export const adminRouter = createTRPCRouter({
  servers: createTRPCRouter({
    /** All servers of all customers, newest first, with each one's owner. */
    list: adminProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/admin/servers',
          operationId: 'adminListServers',
          summary: "Every customer's servers with their owners, newest first (administrators only)",
          errors: [],
        },
      })
      .input(listServersInputSchema.optional())
      .output(adminServerListSchema)
      .query(({ ctx, input }) => listAllServers(ctx.db, input ?? { limit: 100 })),
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
      .mutation(({ ctx, input }) =>
        adoptServer({ db: ctx.db, pve: ctx.pve }, { userId: ctx.user.id, requestId: ctx.requestId }, input),
      ),
  }),
});
