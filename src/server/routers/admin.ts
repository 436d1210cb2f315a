/**
 * Administrators' view across customers. Every procedure here is an `adminProcedure`: a customer's
 * token gets FORBIDDEN before any input is read.
 */
import { adminServerListSchema } from '../../shared/admin.ts';
import { listServersInputSchema } from '../../shared/api.ts';
import { listAllServers } from '../services/servers/read.ts';
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
  }),
});
