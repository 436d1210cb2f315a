import { okSchema } from '../../shared/api.ts';
import {
  createSshKeyInputSchema,
  sshKeyIdInputSchema,
  sshKeyListSchema,
  sshKeyResultSchema,
} from '../../shared/self-service.ts';
import { createSshKey, deleteSshKey, getSshKey, listSshKeys } from '../services/ssh-keys.ts';
import { createTRPCRouter, protectedProcedure } from '../trpc.ts';

const requestInfo = (ctx: { user: { id: string }; requestId: string }) => ({
  userId: ctx.user.id,
  requestId: ctx.requestId,
});

export const sshKeysRouter = createTRPCRouter({
  list: protectedProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/ssh-keys',
        operationId: 'listSshKeys',
        summary: "The SSH keys in the signed-in user's keychain, oldest first",
        errors: [],
      },
    })
    .output(sshKeyListSchema)
    .query(async ({ ctx }) => ({ sshKeys: await listSshKeys(ctx.db, ctx.user.id) })),
  byId: protectedProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/ssh-keys/{id}',
        operationId: 'getSshKey',
        summary: 'One key of your keychain',
        errors: ['NOT_FOUND'],
      },
    })
    .input(sshKeyIdInputSchema)
    .output(sshKeyResultSchema)
    .query(async ({ ctx, input }) => ({ sshKey: await getSshKey(ctx.db, ctx.user.id, input.id) })),
  create: protectedProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/ssh-keys',
        operationId: 'createSshKey',
        summary: 'Add a public key to your keychain, to choose when ordering or reinstalling',
        status: 201,
        location: '/ssh-keys/{sshKey.id}',
        // The same key is already there; the keychain is full.
        errors: ['CONFLICT', 'QUOTA_EXCEEDED'],
      },
    })
    .input(createSshKeyInputSchema)
    .output(sshKeyResultSchema)
    .mutation(async ({ ctx, input }) => ({ sshKey: await createSshKey(ctx.db, requestInfo(ctx), input) })),
  delete: protectedProcedure
    .meta({
      rest: {
        method: 'DELETE',
        path: '/ssh-keys/{id}',
        operationId: 'deleteSshKey',
        summary: 'Remove a key from your keychain (servers that have it keep it)',
        errors: ['NOT_FOUND'],
      },
    })
    .input(sshKeyIdInputSchema)
    .output(okSchema)
    .mutation(async ({ ctx, input }) => {
      await deleteSshKey(ctx.db, requestInfo(ctx), input.id);
      return { ok: true as const };
    }),
});
