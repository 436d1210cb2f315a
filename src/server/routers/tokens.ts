import { okSchema } from '../../shared/api.ts';
import {
  createTokenInputSchema,
  createdTokenSchema,
  tokenIdInputSchema,
  tokenListSchema,
  tokenResultSchema,
} from '../../shared/tokens.ts';
import { createToken, getToken, listTokens, revokeToken } from '../services/tokens.ts';
import { createTRPCRouter, protectedProcedure } from '../trpc.ts';

export const tokensRouter = createTRPCRouter({
  list: protectedProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/tokens',
        operationId: 'listTokens',
        summary: "The signed-in user's API tokens (never their secrets), newest first",
        errors: [],
      },
    })
    .output(tokenListSchema)
    .query(async ({ ctx }) => ({ tokens: await listTokens(ctx.db, ctx.user.id) })),
  byId: protectedProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/tokens/{id}',
        operationId: 'getToken',
        summary: 'One of your API tokens',
        errors: ['NOT_FOUND'],
      },
    })
    .input(tokenIdInputSchema)
    .output(tokenResultSchema)
    .query(async ({ ctx, input }) => ({ token: await getToken(ctx.db, ctx.user.id, input.id) })),
  create: protectedProcedure
    .meta({
      // The secret is shown once and kept only as its hash: never stored for replay under an Idempotency-Key.
      idempotent: false,
      rest: {
        method: 'POST',
        path: '/tokens',
        operationId: 'createToken',
        summary: 'Create an API token; its secret is in this answer only',
        status: 201,
        location: '/tokens/{token.id}',
        // Scopes beyond the caller's (admin for a customer, or beyond the token in use); too many tokens.
        errors: ['QUOTA_EXCEEDED'],
      },
    })
    .input(createTokenInputSchema)
    .output(createdTokenSchema)
    .mutation(({ ctx, input }) => createToken(ctx.db, ctx, input)),
  revoke: protectedProcedure
    .meta({
      rest: {
        method: 'DELETE',
        path: '/tokens/{id}',
        operationId: 'revokeToken',
        summary: 'Revoke an API token: the next request with it is refused',
        errors: ['NOT_FOUND'],
      },
    })
    .input(tokenIdInputSchema)
    .output(okSchema)
    .mutation(async ({ ctx, input }) => {
      await revokeToken(ctx.db, ctx, input.id);
      return { ok: true as const };
    }),
});
