import { loginInputSchema, loginResultSchema, okSchema } from '../../shared/api.ts';
import { login, logout, refresh } from '../services/auth.ts';
import { cookieProcedure, createTRPCRouter } from '../trpc.ts';

export const authRouter = createTRPCRouter({
  login: cookieProcedure
    .input(loginInputSchema)
    .output(loginResultSchema)
    .mutation(({ ctx, input }) => login(ctx, input)),
  refresh: cookieProcedure.output(loginResultSchema).mutation(({ ctx }) => refresh(ctx)),
  logout: cookieProcedure.output(okSchema).mutation(({ ctx }) => logout(ctx)),
});
