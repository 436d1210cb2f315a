import { currentUserSchema } from '../../shared/api.ts';
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
});
