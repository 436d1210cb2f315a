import { loginInputSchema, loginResultSchema, okSchema } from '../../shared/api.ts';
import { setPasswordInputSchema } from '../../shared/users.ts';
import { setPasswordWithLink } from '../services/account.ts';
import { login, logout, refresh } from '../services/auth.ts';
import { requestPasswordReset } from '../services/password-reset.ts';
import { forgotPasswordInputSchema, forgotPasswordResultSchema } from '../../shared/two-factor.ts';
import { cookieProcedure, createTRPCRouter, publicProcedure } from '../trpc.ts';

export const authRouter = createTRPCRouter({
  login: cookieProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/login',
        operationId: 'login',
        summary:
          'Sign in with email and password (and a code when two-factor sign-in is on); sets the refresh cookie',
        errors: ['INVALID_CREDENTIALS', 'TWO_FACTOR_REQUIRED', 'TOO_MANY_REQUESTS'],
      },
    })
    .input(loginInputSchema)
    .output(loginResultSchema)
    .mutation(({ ctx, input }) => login(ctx, input)),
  refresh: cookieProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/auth/refresh',
        operationId: 'refresh',
        summary: 'Exchange the refresh cookie for a new access token (the cookie rotates)',
        errors: ['UNAUTHORIZED'],
      },
    })
    .output(loginResultSchema)
    .mutation(({ ctx }) => refresh(ctx)),
  logout: cookieProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/logout',
        operationId: 'logout',
        summary: "Sign out: revokes this browser's refresh tokens and clears the cookie",
        errors: [],
      },
    })
    .output(okSchema)
    .mutation(({ ctx }) => logout(ctx)),
  setPassword: publicProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/auth/set-password',
        operationId: 'setPassword',
        summary: 'Set a password with a one-time link; every session of the account ends',
        errors: [],
      },
    })
    .input(setPasswordInputSchema)
    .output(okSchema)
    .mutation(({ ctx, input }) => setPasswordWithLink(ctx.db, input, ctx.requestId)),
  forgotPassword: publicProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/auth/forgot-password',
        operationId: 'forgotPassword',
        summary:
          'Mail a one-time password reset link; the same answer whether or not the email has an account',
        errors: ['TOO_MANY_REQUESTS'],
      },
    })
    .input(forgotPasswordInputSchema)
    .output(forgotPasswordResultSchema)
    .mutation(({ ctx, input }) => requestPasswordReset(ctx, input)),
});
