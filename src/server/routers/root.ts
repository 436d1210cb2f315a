import { createCallerFactory, createTRPCRouter } from '../trpc.ts';
import { adminRouter } from './admin.ts';
import { authRouter } from './auth.ts';
import { catalogRouter } from './catalog.ts';
import { serversRouter } from './servers.ts';
import { sshKeysRouter } from './ssh-keys.ts';
import { usersRouter } from './users.ts';

export const appRouter = createTRPCRouter({
  auth: authRouter,
  users: usersRouter,
  catalog: catalogRouter,
  servers: serversRouter,
  admin: adminRouter,
  sshKeys: sshKeysRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
