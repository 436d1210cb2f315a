import {
  changePasswordInputSchema,
  passwordChangedSchema,
  updateProfileInputSchema,
} from '../../shared/account.ts';
import { currentUserSchema } from '../../shared/api.ts';
import { changePassword, updateProfile } from '../services/profile.ts';
import { createTRPCRouter, protectedProcedure } from '../trpc.ts';

export const usersRouter = createTRPCRouter({
  me: protectedProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/users/me',
        operationId: 'getCurrentUser',
        summary: 'The signed-in user',
        errors: [],
      },
    })
    .output(currentUserSchema)
    .query(({ ctx }) => ({ user: ctx.user })),
  updateProfile: protectedProcedure
    .meta({
      rest: {
        method: 'PATCH',
        path: '/users/me',
        operationId: 'updateProfile',
        summary: 'Change your name or email address',
        // The email address is another account's.
        errors: ['CONFLICT'],
      },
    })
    .input(updateProfileInputSchema)
    .output(currentUserSchema)
    .mutation(async ({ ctx, input }) => ({
      user: await updateProfile(ctx.db, { user: ctx.user, requestId: ctx.requestId }, input),
    })),
  changePassword: protectedProcedure
    .meta({
      // A password is not kept for a replay under an Idempotency-Key.
      idempotent: false,
      rest: {
        method: 'POST',
        path: '/users/me/password',
        operationId: 'changePassword',
        summary:
          'Set a new password, giving the current one; every other sign-in of the account ends (API tokens stay)',
        // Too many wrong current passwords: the sign-in throttle counts them.
        errors: ['TOO_MANY_REQUESTS'],
      },
    })
    .input(changePasswordInputSchema)
    .output(passwordChangedSchema)
    .mutation(({ ctx, input }) =>
      changePassword(
        { db: ctx.db, loginThrottle: ctx.loginThrottle, ip: ctx.ip, authSession: ctx.authSession },
        { user: ctx.user, requestId: ctx.requestId },
        input,
      ),
    ),
});
