import { currentUserSchema } from '../../shared/api.ts';
import { createTRPCRouter, protectedProcedure } from '../trpc.ts';

export const usersRouter = createTRPCRouter({
  me: protectedProcedure.output(currentUserSchema).query(({ ctx }) => ({ user: ctx.user })),
});
