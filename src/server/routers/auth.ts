import { loginInputSchema, loginResultSchema, okSchema } from '../../shared/api.ts';
import { login, logout, refresh } from '../services/auth.ts';
import { createTRPCRouter, publicProcedure } from '../trpc.ts';

export const authRouter = createTRPCRouter({
  login: publicProcedure
    .input(loginInputSchema)
    .output(loginResultSchema)
    .mutation(({ ctx, input }) => login(ctx, input)),
  refresh: publicProcedure.output(loginResultSchema).mutation(({ ctx }) => refresh(ctx)),
  logout: publicProcedure.output(okSchema).mutation(({ ctx }) => logout(ctx)),
});
