/**
 * Administrators' view across customers. Every procedure here is an `adminProcedure`: a customer's
 * token gets FORBIDDEN before any input is read.
 */
import { z } from 'zod';
import { listServersInputSchema, serverSchema } from '../../shared/api.ts';
import { listAllServers } from '../services/servers.ts';
import { adminProcedure, createTRPCRouter } from '../trpc.ts';

export const adminServerSchema = serverSchema
  .extend({ owner: z.object({ id: z.string(), email: z.string() }) })
  .meta({ id: 'AdminServer' });

export const adminServerListSchema = z
  .object({
    servers: z.array(adminServerSchema),
    nextCursor: z
      .string()
      .nullable()
      .describe('Pass as `cursor` to get the next page; null on the last page'),
  })
  .meta({ id: 'AdminServerList' });

export const adminRouter = createTRPCRouter({
  servers: createTRPCRouter({
    /** All servers of all customers, newest first, with each one's owner. */
    list: adminProcedure
      .input(listServersInputSchema.optional())
      .output(adminServerListSchema)
      .query(({ ctx, input }) => listAllServers(ctx.db, input ?? { limit: 100 })),
  }),
});
