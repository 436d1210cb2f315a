/**
 * The self-service procedures on one server: reinstall, root password, resize and snapshots. Spread
 * into the servers router, so their paths are `servers.reinstall`, `servers.snapshots.list`, ….
 */
import { serverResultSchema, type Server } from '../../shared/api.ts';
import {
  createSnapshotInputSchema,
  reinstallInputSchema,
  resizeInputSchema,
  rootPasswordInputSchema,
  rootPasswordResultSchema,
  snapshotListSchema,
  snapshotRefInputSchema,
} from '../../shared/self-service.ts';
import { serverIdInputSchema } from '../../shared/api.ts';
import { reinstallServer } from '../services/servers/reinstall.ts';
import { resizeServer } from '../services/servers/resize.ts';
import { setRootPassword } from '../services/servers/root-password.ts';
import type { RequestInfo } from '../services/servers/request.ts';
import {
  createSnapshot,
  deleteSnapshot,
  listSnapshots,
  rollbackSnapshot,
  type SnapshotDeps,
} from '../services/servers/snapshots.ts';
import { createTRPCRouter, protectedProcedure, type Context } from '../trpc.ts';

const requestInfo = (ctx: { user: { id: string }; requestId: string }) => ({
  userId: ctx.user.id,
  requestId: ctx.requestId,
});

// Every operation is refused while another runs or the server is suspended (INVALID_STATE).
const operationErrors = ['NOT_FOUND', 'INVALID_STATE'] as const;

/** A snapshot change answers 202 with the server; the snapshot list is where to look. */
const snapshotChange = { status: 202, location: '/servers/{server.id}/snapshots' } as const;

/** Runs a snapshot change against the server's own cluster, and answers with the server. */
const changeSnapshots =
  <I extends { id: string }>(change: (deps: SnapshotDeps, info: RequestInfo, input: I) => Promise<Server>) =>
  async ({ ctx, input }: { ctx: Context & { user: { id: string } }; input: I }) => ({
    server: await change(
      { db: ctx.db, pve: await ctx.clusters.forServer(input.id, ctx.user.id) },
      requestInfo(ctx),
      input,
    ),
  });

export const serverSelfService = {
  reinstall: protectedProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/servers/{id}/reinstall',
        operationId: 'reinstallServer',
        summary:
          'Reinstall a server from an image, erasing its disk; it keeps its id, address and plan. Confirm with its name.',
        status: 202,
        location: '/servers/{server.id}',
        errors: [...operationErrors],
      },
    })
    .input(reinstallInputSchema)
    .output(serverResultSchema)
    .mutation(async ({ ctx, input }) => ({ server: await reinstallServer(ctx.db, requestInfo(ctx), input) })),
  rootPassword: protectedProcedure
    .meta({
      // The answer carries the new password: it is never kept for an Idempotency-Key replay.
      idempotent: false,
      rest: {
        method: 'POST',
        path: '/servers/{id}/root-password',
        operationId: 'setRootPassword',
        summary:
          'Set a new root password (generated unless given), shown once: by the guest agent at once, else by cloud-init with a reboot',
        status: 202,
        location: '/servers/{server.id}',
        errors: [...operationErrors],
      },
    })
    .input(rootPasswordInputSchema)
    .output(rootPasswordResultSchema)
    .mutation(({ ctx, input }) => setRootPassword(ctx.db, requestInfo(ctx), input)),
  resize: protectedProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/servers/{id}/resize',
        operationId: 'resizeServer',
        summary: 'Move a server to a bigger plan; cores and memory need a reboot, the disk only grows',
        status: 202,
        location: '/servers/{server.id}',
        // Over quota; the host has no room.
        errors: [...operationErrors, 'QUOTA_EXCEEDED', 'NO_CAPACITY'],
      },
    })
    .input(resizeInputSchema)
    .output(serverResultSchema)
    .mutation(async ({ ctx, input }) => ({
      server: await resizeServer(
        { db: ctx.db, pve: await ctx.clusters.forServer(input.id, ctx.user.id), quota: ctx.config.quota },
        requestInfo(ctx),
        input,
      ),
    })),
  snapshots: createTRPCRouter({
    list: protectedProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/servers/{id}/snapshots',
          operationId: 'listSnapshots',
          summary: "A server's snapshots, oldest first, with its plan's limit",
          errors: ['NOT_FOUND'],
        },
      })
      .input(serverIdInputSchema)
      .output(snapshotListSchema)
      .query(async ({ ctx, input }) =>
        listSnapshots(
          { db: ctx.db, pve: await ctx.clusters.forServer(input.id, ctx.user.id) },
          ctx.user.id,
          input.id,
        ),
      ),
    create: protectedProcedure
      .meta({
        rest: {
          method: 'POST',
          path: '/servers/{id}/snapshots',
          operationId: 'createSnapshot',
          summary: "Take a snapshot of a server's disks (up to its plan's limit)",
          ...snapshotChange,
          // A snapshot of that name exists; the plan's limit is reached.
          errors: [...operationErrors, 'CONFLICT', 'QUOTA_EXCEEDED'],
        },
      })
      .input(createSnapshotInputSchema)
      .output(serverResultSchema)
      .mutation(changeSnapshots(createSnapshot)),
    rollback: protectedProcedure
      .meta({
        rest: {
          method: 'POST',
          path: '/servers/{id}/snapshots/{name}/rollback',
          operationId: 'rollbackSnapshot',
          summary: 'Roll a server back to a snapshot; what changed since is lost',
          ...snapshotChange,
          errors: [...operationErrors],
        },
      })
      .input(snapshotRefInputSchema)
      .output(serverResultSchema)
      .mutation(changeSnapshots(rollbackSnapshot)),
    delete: protectedProcedure
      .meta({
        rest: {
          method: 'DELETE',
          path: '/servers/{id}/snapshots/{name}',
          operationId: 'deleteSnapshot',
          summary: 'Delete a snapshot',
          ...snapshotChange,
          errors: [...operationErrors],
        },
      })
      .input(snapshotRefInputSchema)
      .output(serverResultSchema)
      .mutation(changeSnapshots(deleteSnapshot)),
  }),
};
