import {
  createServerInputSchema,
  getServerInputSchema,
  listServersInputSchema,
  serverActionInputSchema,
  serverIdInputSchema,
  serverListSchema,
  serverResultSchema,
} from '../../shared/api.ts';
import { requestAction, terminateServer } from '../services/servers/actions.ts';
import { createServer } from '../services/servers/order.ts';
import { getServer, listServers, recentEvents } from '../services/servers/read.ts';
import { createTRPCRouter, protectedProcedure } from '../trpc.ts';

const requestInfo = (ctx: { user: { id: string }; requestId: string }) => ({
  userId: ctx.user.id,
  requestId: ctx.requestId,
});

export const serversRouter = createTRPCRouter({
  list: protectedProcedure
    .input(listServersInputSchema.optional())
    .output(serverListSchema)
    .query(({ ctx, input }) => listServers(ctx.db, ctx.user.id, input ?? { limit: 100 })),
  byId: protectedProcedure
    .input(getServerInputSchema)
    .output(serverResultSchema)
    .query(async ({ ctx, input }) => {
      const server = await getServer(ctx.db, ctx.user.id, input.id);
      return input.include === 'events'
        ? { server, events: await recentEvents(ctx.db, server.id) }
        : { server };
    }),
  create: protectedProcedure
    .input(createServerInputSchema)
    .output(serverResultSchema)
    .mutation(async ({ ctx, input }) => ({
      server: await createServer(ctx.db, requestInfo(ctx), input, ctx.config.quota, ctx.pve),
    })),
  action: protectedProcedure
    .input(serverIdInputSchema.extend(serverActionInputSchema.shape))
    .output(serverResultSchema)
    .mutation(async ({ ctx, input }) => ({
      server: await requestAction(ctx.db, requestInfo(ctx), input.id, input.action),
    })),
  terminate: protectedProcedure
    .input(serverIdInputSchema)
    .output(serverResultSchema)
    .mutation(async ({ ctx, input }) => ({
      server: await terminateServer(ctx.db, requestInfo(ctx), input.id),
    })),
});
