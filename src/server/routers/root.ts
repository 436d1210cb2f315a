import { createCallerFactory, createTRPCRouter, mergeTRPCRouters } from '../trpc.ts';
import { adminRouter } from './admin.ts';
import { adminUsersRouter } from './admin-users.ts';
import { authRouter } from './auth.ts';
import { catalogRouter } from './catalog.ts';
import { serversRouter } from './servers.ts';
import { tokensRouter } from './tokens.ts';
import { usersRouter } from './users.ts';

export const appRouter = createTRPCRouter({
  auth: authRouter,
  users: usersRouter,
  catalog: catalogRouter,
  servers: serversRouter,
  // The operator's routers, each owned apart, under one `admin` namespace.
  admin: mergeTRPCRouters(adminRouter, createTRPCRouter({ users: adminUsersRouter })),
  tokens: tokensRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
