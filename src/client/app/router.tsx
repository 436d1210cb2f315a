/**
 * The dashboard's routes, written in code. Guards run in `beforeLoad`, before anything of a page loads:
 * the signed-in area sends visitors to sign in and remembers the page they asked for; the operator
 * console answers "Page not found" to everybody but admins. The sign-in page, the account pages and the
 * console are chunks of their own (`lazyRouteComponent`), so the customer's first screen carries none of
 * them and a customer never downloads the console at all.
 */
import type { QueryClient } from '@tanstack/react-query';
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  lazyRouteComponent,
  notFound,
  Outlet,
  redirect,
  useMatches,
} from '@tanstack/react-router';
import { useEffect } from 'react';
import { ServerListPage } from '../features/servers/components/ServerListPage.tsx';
import { safeNextPath } from '../lib/next-path.ts';
import { parseAdminAuditSearch, parseAdminServersSearch } from './admin-search.ts';
import { getSession } from '../lib/session.ts';
import { AppLayout } from './AppLayout.tsx';
import { NotFound } from './NotFound.tsx';
import { RouteError } from './RouteError.tsx';

export interface RouterContext {
  queryClient: QueryClient;
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: function Root() {
    return (
      <>
        <DocumentTitle />
        <Outlet />
      </>
    );
  },
});

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'login',
  staticData: { title: 'Sign in' },
  validateSearch: (search: Record<string, unknown>): { next?: string } =>
    typeof search.next === 'string' ? { next: search.next } : {},
  beforeLoad: ({ search }) => {
    if (getSession().status === 'signedIn') {
      throw redirect({ href: safeNextPath(search.next), replace: true });
    }
  },
  // Nothing one account saw may linger for the next one.
  onEnter: ({ context }) => context.queryClient.clear(),
  component: lazyRouteComponent(() => import('../features/auth/components/LoginPage.tsx'), 'LoginPage'),
});

/** Where a one-time password link lands; open to anyone holding a link, signed in or not. */
const setPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'set-password',
  staticData: { title: 'Set a new password' },
  component: lazyRouteComponent(
    () => import('../features/auth/components/SetPasswordPage.tsx'),
    'SetPasswordPage',
  ),
});

/** Every page behind sign-in hangs below this layout route, which has no path of its own. */
const signedInRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'signedIn',
  beforeLoad: ({ location }) => {
    const session = getSession();
    if (session.status !== 'signedIn') {
      // After "Sign out" the next person starts afresh; a visit or an ended session comes back here.
      const keepPlace = !(session.status === 'signedOut' && session.reason === 'signed-out');
      const next = keepPlace && location.href !== '/' ? location.href : undefined;
      throw redirect({ to: '/login', search: next ? { next } : {}, replace: true });
    }
    return { user: session.user };
  },
  component: function SignedInLayout() {
    const { user } = signedInRoute.useRouteContext();
    return (
      <AppLayout user={user}>
        <Outlet />
      </AppLayout>
    );
  },
});

const indexRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/servers', replace: true });
  },
});

const serverListRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: 'servers',
  staticData: { title: 'Servers' },
  component: ServerListPage,
});

/**
 * The list is the customer's first screen; a server's page (tabs, actions, their dialogs) is a chunk of its
 * own, fetched by the loader — on a hover or focus of a link to it, so the click rarely waits.
 */
const ServerPage = lazyRouteComponent(
  () => import('../features/servers/components/ServerPage.tsx'),
  'ServerPage',
);

const serverRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: 'servers/$serverId',
  staticData: { title: 'Server' },
  loader: () => ServerPage.preload?.(),
  component: function ServerRoute() {
    const { serverId } = serverRoute.useParams();
    return <ServerPage key={serverId} id={serverId} />;
  },
});

const accountRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: 'account',
  staticData: { title: 'Account' },
  // The tab on show: `/account?tab=tokens` opens the API tokens.
  validateSearch: (search: Record<string, unknown>): { tab?: string } =>
    typeof search.tab === 'string' ? { tab: search.tab } : {},
  component: lazyRouteComponent(() => import('./AccountRoute.tsx'), 'AccountRoute'),
});

const sshKeysRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: 'account/ssh-keys',
  staticData: { title: 'SSH keys' },
  component: lazyRouteComponent(
    () => import('../features/ssh-keys/components/SshKeysPage.tsx'),
    'SshKeysPage',
  ),
});

const adminRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: 'admin',
  staticData: { title: 'Operator console' },
  beforeLoad: ({ context }) => {
    // The same answer as for any unknown address: a customer learns nothing about the console.
    if (context.user.role !== 'admin') throw notFound();
  },
  notFoundComponent: NotFound,
  component: lazyRouteComponent(() => import('../features/admin/components/AdminLayout.tsx'), 'AdminLayout'),
});

const adminOverviewRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/',
  staticData: { title: 'Overview · Operator console' },
  component: lazyRouteComponent(() => import('../features/admin/overview/OverviewPage.tsx'), 'OverviewPage'),
});
const adminServersRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: 'servers',
  staticData: { title: 'Servers · Operator console' },
  validateSearch: parseAdminServersSearch,
  component: lazyRouteComponent(
    () => import('../features/admin/servers/AdminServersPage.tsx'),
    'AdminServersPage',
  ),
});
const adminServerRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: 'servers/$serverId',
  staticData: { title: 'Server · Operator console' },
  component: lazyRouteComponent(
    () => import('../features/admin/servers/AdminServerPage.tsx'),
    'AdminServerPage',
  ),
});
const adminAuditLogRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: 'audit-log',
  staticData: { title: 'Audit log · Operator console' },
  validateSearch: parseAdminAuditSearch,
  component: lazyRouteComponent(() => import('../features/admin/audit/AuditLogPage.tsx'), 'AuditLogPage'),
});
/** `/admin/audit` is what the API calls it; the console's page is the audit log. */
const adminAuditRedirectRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: 'audit',
  validateSearch: parseAdminAuditSearch,
  beforeLoad: ({ search }) => {
    throw redirect({ to: '/admin/audit-log', search, replace: true });
  },
});
const adminCatalogueRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: 'catalogue',
  staticData: { title: 'Catalogue · Operator console' },
  // Which tab is open; anything else in the address opens the first one.
  validateSearch: (search: Record<string, unknown>): { tab?: string } =>
    typeof search.tab === 'string' ? { tab: search.tab } : {},
  component: lazyRouteComponent(
    () => import('../features/admin/catalogue/CataloguePage.tsx'),
    'CataloguePage',
  ),
});
const adminCustomersRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: 'customers',
  staticData: { title: 'Customers · Operator console' },
  validateSearch: (search: Record<string, unknown>): { q?: string } =>
    typeof search.q === 'string' && search.q ? { q: search.q } : {},
  component: lazyRouteComponent(
    () => import('../features/admin/customers/CustomersPage.tsx'),
    'CustomersPage',
  ),
});
const adminCustomerRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: 'customers/$customerId',
  staticData: { title: 'Customer · Operator console' },
  component: lazyRouteComponent(
    () => import('../features/admin/customers/CustomerRoute.tsx'),
    'CustomerRoute',
  ),
});
const adminWebhooksRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: 'webhooks',
  staticData: { title: 'Webhooks · Operator console' },
  component: lazyRouteComponent(() => import('../features/admin/webhooks/WebhooksPage.tsx'), 'WebhooksPage'),
});

/** Any other address inside the signed-in area: sign in first, then "Page not found". */
const notFoundRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '$',
  staticData: { title: 'Page not found' },
  component: NotFound,
});

const routeTree = rootRoute.addChildren([
  loginRoute,
  setPasswordRoute,
  signedInRoute.addChildren([
    indexRoute,
    serverListRoute,
    serverRoute,
    accountRoute,
    sshKeysRoute,
    adminRoute.addChildren([
      adminOverviewRoute,
      adminCatalogueRoute,
      adminCustomersRoute,
      adminCustomerRoute,
      adminWebhooksRoute,
      adminServersRoute,
      adminServerRoute,
      adminAuditLogRoute,
      adminAuditRedirectRoute,
    ]),
    notFoundRoute,
  ]),
]);

export function createAppRouter(context: RouterContext) {
  return createRouter({
    routeTree,
    context,
    // Hovering or focusing a link loads that page's chunk, so the click finds it ready.
    defaultPreload: 'intent',
    defaultNotFoundComponent: NotFound,
    defaultErrorComponent: RouteError,
    scrollRestoration: true,
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;

declare module '@tanstack/react-router' {
  interface Register {
    router: AppRouter;
  }
  interface StaticDataRouteOption {
    /** The page's name in the browser tab, before "· Keel". */
    title?: string;
  }
}

/** The tab title of the deepest page that has one; a page that was not found says so. */
function DocumentTitle() {
  const title = useMatches({
    select: (matches) => {
      if (matches.some((match) => match.status === 'notFound')) return 'Page not found';
      return matches.findLast((match) => match.staticData.title)?.staticData.title;
    },
  });
  useEffect(() => {
    document.title = title ? `${title} · Keel` : 'Keel';
  }, [title]);
  return null;
}
