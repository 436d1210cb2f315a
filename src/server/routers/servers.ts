import {
  actOnServerInputSchema,
  createServerInputSchema,
  getServerInputSchema,
  listServersInputSchema,
  serverIdInputSchema,
  serverListSchema,
  serverResultSchema,
} from '../../shared/api.ts';
import { consoleTicketSchema } from '../../shared/console.ts';
import { serverUsageSchema, usageInputSchema } from '../../shared/usage.ts';
import { requestAction, terminateServer } from '../services/servers/actions.ts';
import { issueConsoleTicket } from '../services/servers/console.ts';
import { serverUsage } from '../services/servers/usage.ts';
import { createServer } from '../services/servers/order.ts';
import { getServer, listServers, recentEvents } from '../services/servers/read.ts';
import { trustedOutput } from '../lib/trusted-output.ts';
import { createTRPCRouter, protectedProcedure } from '../trpc.ts';
import { serverSelfService } from './server-self-service.ts';

const requestInfo = (ctx: { user: { id: string }; requestId: string }) => ({
  userId: ctx.user.id,
  requestId: ctx.requestId,
});

export const serversRouter = createTRPCRouter({
  list: protectedProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/servers',
        operationId: 'listServers',
        summary: "The signed-in user's servers, newest first",
        errors: [],
      },
    })
    .input(listServersInputSchema.optional())
    // listServers builds each row field by field as a Server: its type is the schema's (lib/trusted-output.ts).
    .output(trustedOutput(serverListSchema))
    .query(({ ctx, input }) => listServers(ctx.db, ctx.user.id, input ?? { limit: 100 })),
  byId: protectedProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/servers/{id}',
        operationId: 'getServer',
        summary: 'One of your servers; `include=events` adds its recent audit events',
        errors: ['NOT_FOUND'],
      },
    })
    .input(getServerInputSchema)
    .output(serverResultSchema)
    .query(async ({ ctx, input }) => {
      const server = await getServer(ctx.db, ctx.user.id, input.id);
      return input.include === 'events'
        ? {
            server,
            events: await recentEvents(ctx.db, server.id, {
              pveDetails: ctx.config.ACTIVITY_PVE_DETAILS,
            }),
          }
        : { server };
    }),
  create: protectedProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/servers',
        operationId: 'createServer',
        summary: 'Order a server; it is provisioned in the background (poll its Location)',
        status: 202,
        location: '/servers/{server.id}',
        // Over quota; no free address in the location; no node of the location can take it.
        errors: ['QUOTA_EXCEEDED', 'CONFLICT', 'NO_CAPACITY'],
      },
    })
    .input(createServerInputSchema)
    .output(serverResultSchema)
    .mutation(async ({ ctx, input }) => ({
      server: await createServer(
        ctx.db,
        requestInfo(ctx),
        input,
        ctx.config.quota,
        // The capacity check is a courtesy: a cluster Keel cannot reach now leaves it to the worker.
        await ctx.clusters.forLocation(input.locationId).catch(() => undefined),
      ),
    })),
  action: protectedProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/servers/{id}/actions',
        operationId: 'actOnServer',
        summary: 'Start, shut down (ACPI), stop (hard) or reboot a server',
        status: 202,
        location: '/servers/{server.id}',
        errors: ['NOT_FOUND', 'INVALID_STATE'],
      },
    })
    .input(actOnServerInputSchema)
    .output(serverResultSchema)
    .mutation(async ({ ctx, input }) => ({
      server: await requestAction(ctx.db, requestInfo(ctx), input.id, input.action),
    })),
  terminate: protectedProcedure
    .meta({
      rest: {
        method: 'DELETE',
        path: '/servers/{id}',
        operationId: 'terminateServer',
        summary: 'Terminate a server: its VM is deleted and its address released',
        status: 202,
        location: '/servers/{server.id}',
        errors: ['NOT_FOUND', 'INVALID_STATE'],
      },
    })
    .input(serverIdInputSchema)
    .output(serverResultSchema)
    .mutation(async ({ ctx, input }) => ({
      server: await terminateServer(ctx.db, requestInfo(ctx), input.id),
    })),
  // -- web console and usage graphs -----------------------------------------------------------------
  console: protectedProcedure
    .meta({
      // A one-time ticket is never stored for replay under an Idempotency-Key.
      idempotent: false,
      rest: {
        method: 'POST',
        path: '/servers/{id}/console',
        operationId: 'openServerConsole',
        summary:
          'A one-time ticket for the web console: open the WebSocket at its `path` within 30 s (RFB, security type None)',
        errors: ['NOT_FOUND', 'INVALID_STATE'],
      },
    })
    .input(serverIdInputSchema)
    .output(consoleTicketSchema)
    .mutation(({ ctx, input }) =>
      issueConsoleTicket(
        ctx.db,
        { userId: ctx.user.id, authSession: ctx.authSession, requestId: ctx.requestId },
        input.id,
      ),
    ),
  usage: protectedProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/servers/{id}/usage',
        operationId: 'getServerUsage',
        summary: 'CPU, memory, network and disk averages over the last hour, day, week or month',
        // And 503 (as every route) when PVE cannot be read.
        errors: ['NOT_FOUND', 'INVALID_STATE'],
      },
    })
    .input(usageInputSchema)
    .output(serverUsageSchema)
    .query(async ({ ctx, input }) =>
      serverUsage(
        ctx.db,
        await ctx.clusters.forServer(input.id, ctx.user.id),
        ctx.user.id,
        input.id,
        input.timeframe,
      ),
    ),
  ...serverSelfService,
});
