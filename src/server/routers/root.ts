import { createCallerFactory, createTRPCRouter, mergeTRPCRouters } from '../trpc.ts';
import { adminRouter } from './admin.ts';
import { adminCatalogueRouter } from './admin-catalogue.ts';
import { adminClustersRouter } from './admin-clusters.ts';
import { adminPveRouter } from './admin-pve.ts';
import { adminWebhooksRouter } from './admin-webhooks.ts';
import { adminUsersRouter } from './admin-users.ts';
import { authRouter } from './auth.ts';
import { catalogRouter } from './catalog.ts';
import { serversRouter } from './servers.ts';
import { tokensRouter } from './tokens.ts';
import { twoFactorRouter } from './two-factor.ts';
import { sshKeysRouter } from './ssh-keys.ts';
import { usersRouter } from './users.ts';

export const appRouter = createTRPCRouter({
  auth: authRouter,
  users: usersRouter,
  catalog: catalogRouter,
  servers: serversRouter,
  // The operator's routers, each owned apart, under one `admin` namespace.
  admin: mergeTRPCRouters(adminRouter, createTRPCRouter({ users: adminUsersRouter })),
  adminPve: adminPveRouter,
  adminCatalogue: adminCatalogueRouter,
  adminClusters: adminClustersRouter,
  tokens: tokensRouter,
  sshKeys: sshKeysRouter,
  adminWebhooks: adminWebhooksRouter,
  twoFactor: twoFactorRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
