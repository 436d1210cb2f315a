/**
 * A well-formed call for every REST route and every tRPC procedure, aimed at one server id. The
 * security and fuzz suites iterate the route table and the router and look each one up here; a route
 * or procedure without an entry fails those suites, so a new one cannot be left untested.
 *
 * Outside both tables, and so not iterated here: `/healthz` and `/readyz` (public, no data), the console
 * WebSocket (test/api/console.test.ts), and `GET /metrics`, which is not a procedure and takes no user
 * credentials: 404 without METRICS_TOKEN, 401 without `Bearer <METRICS_TOKEN>` (a user's access token
 * included), in Keel's error shape (test/api/metrics.test.ts).
 */
import type { RestRoute } from '../../../src/server/http/rest-contract.ts';
import type { RawRequest } from './security-http.ts';

export interface CallContext {
  /** The server the calls aim at: another customer's in the isolation suite. */
  serverId: string;
  planId: string;
  imageId: string;
  locationId: string;
  /** The caller's own credentials, for the routes that sign in. */
  email: string;
  password: string;
  /** A unique server name for orders. */
  name(): string;
}

export interface RestCall {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** Sends the caller's refresh cookie. */
  cookie?: boolean;
}

const serverActions = ['start', 'stop', 'shutdown', 'reboot'] as const;

/** Adopting a VM that is not on the cluster: an administrator's call that changes nothing. */
const adoptBody = (c: CallContext) => ({
  node: 'pve1',
  vmid: 4999,
  userId: '00000000-0000-4000-8000-000000000000',
  locationId: c.locationId,
});
/** A valid public key, for the keychain routes. */
const fuzzKey =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM++uflIRBCouiM+O0JXnmYTo6jN2r5mMYZP7rj3GUou user@host-ed25519';
/** Another, for tRPC: a keychain takes each key once. */
const otherFuzzKey =
  'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBH5R6aD3n6i4DT2H/2oF/MyOvCKyWrTYdPP09138qRpCS89WkTikJdRoQ1H3MlUEWwSxt59ErJqaAEworiuePtg= user@host-ecdsa256';
/** A pool id no pool has: pool routes answer 404 to administrators and 403 to customers. */
const missingPoolId = '00000000-0000-4000-8000-00000000beef';

/** The catalogue's routes: list, get, create, update, delete for plans, images, locations and pools. */
const catalogueBodies = (c: CallContext) => ({
  Plans: {
    id: c.planId,
    create: { slug: `p-${c.name()}`, name: 'Plan', cpuCores: 1, memoryMb: 512, diskGb: 10 },
    update: { name: 'Plan renamed', priceMonthlyCents: 700 },
  },
  Images: {
    id: c.imageId,
    create: { slug: `i-${c.name()}`, name: 'Image', osFamily: 'debian', pveTemplates: { pve1: 9001 } },
    update: { name: 'Image renamed' },
  },
  Locations: {
    id: c.locationId,
    create: { slug: `l-${c.name()}`, name: 'Location', pveNodes: ['pve1'] },
    update: { name: 'Location renamed' },
  },
  IpPools: {
    id: missingPoolId,
    create: {
      locationId: c.locationId,
      cidr: '192.0.2.0/24',
      gateway: '192.0.2.1',
      rangeStart: '192.0.2.10',
      rangeEnd: '192.0.2.20',
      dns: ['192.0.2.53'],
    },
    update: { dns: ['192.0.2.54'] },
  },
});
const catalogueKinds = ['Plans', 'Images', 'Locations', 'IpPools'] as const;
const singular = { Plans: 'Plan', Images: 'Image', Locations: 'Location', IpPools: 'IpPool' } as const;
const trpcKey = { Plans: 'plans', Images: 'images', Locations: 'locations', IpPools: 'ipPools' } as const;

const clusterBody = {
  slug: 'hel',
  name: 'Helsinki',
  url: 'https://127.0.0.1:9',
  tokenId: 'keel@pve!keel',
  tokenSecret: 'not-a-real-secret',
};

const catalogueRestCalls: Record<string, (c: CallContext) => RestCall[]> = Object.fromEntries(
  catalogueKinds.flatMap((kind) => [
    [`adminList${kind}`, () => [{ query: { limit: '100' } }, {}]],
    [`adminGet${singular[kind]}`, (c: CallContext) => [{ params: { id: catalogueBodies(c)[kind].id } }]],
    [`adminCreate${singular[kind]}`, (c: CallContext) => [{ body: catalogueBodies(c)[kind].create }]],
    [
      `adminUpdate${singular[kind]}`,
      (c: CallContext) => [
        { params: { id: catalogueBodies(c)[kind].id }, body: catalogueBodies(c)[kind].update },
      ],
    ],
    [`adminDelete${singular[kind]}`, (c: CallContext) => [{ params: { id: catalogueBodies(c)[kind].id } }]],
  ]),
);

const catalogueTrpcCalls: Record<string, (c: CallContext) => unknown[]> = Object.fromEntries(
  catalogueKinds.flatMap((kind) => {
    const base = `adminCatalogue.${trpcKey[kind]}`;
    return [
      [`${base}.list`, () => [{ limit: 100 }, undefined]],
      [`${base}.byId`, (c: CallContext) => [{ id: catalogueBodies(c)[kind].id }]],
      [`${base}.create`, (c: CallContext) => [catalogueBodies(c)[kind].create]],
      [
        `${base}.update`,
        (c: CallContext) => [{ id: catalogueBodies(c)[kind].id, ...catalogueBodies(c)[kind].update }],
      ],
      [`${base}.delete`, (c: CallContext) => [{ id: catalogueBodies(c)[kind].id }]],
    ];
  }),
);

/** Keyed by operationId. The first call of each is the "valid" base the fuzzer mutates. */
export const restCalls: Record<string, (c: CallContext) => RestCall[]> = {
  login: (c) => [{ body: { email: c.email, password: c.password } }],
  refresh: () => [{ cookie: true }],
  logout: () => [{ cookie: true }],
  getCurrentUser: () => [{}],
  // The caller's own account. The password call names a wrong current password, so every caller can
  // still sign in afterwards.
  updateProfile: () => [{ body: { name: 'Renamed' } }],
  changePassword: () => [
    { body: { currentPassword: 'not-the-password', newPassword: 'long-enough-password' } },
  ],
  getCatalog: () => [{}],
  listServers: () => [{ query: { limit: '500', includeTerminated: 'true' } }, {}],
  createServer: (c) => [
    { body: { name: c.name(), planId: c.planId, imageId: c.imageId, locationId: c.locationId } },
  ],
  getServer: (c) => [
    { params: { id: c.serverId } },
    { params: { id: c.serverId }, query: { include: 'events' } },
  ],
  actOnServer: (c) => serverActions.map((action) => ({ params: { id: c.serverId }, body: { action } })),
  terminateServer: (c) => [{ params: { id: c.serverId } }],
  adminListServers: (c): RestCall[] => [
    { query: { limit: '500', includeTerminated: 'true' } },
    { query: { status: 'running', locationId: c.locationId, node: 'pve1', query: 'a' } },
  ],
  adminGetServer: (c) => [{ params: { id: c.serverId } }],
  adminActOnServer: (c): RestCall[] => [
    { params: { id: c.serverId }, body: { action: 'suspend', reason: 'unpaid invoice' } },
    { params: { id: c.serverId }, body: { action: 'unsuspend' } },
    { params: { id: c.serverId }, body: { action: 'retry' } },
    ...serverActions.map((action) => ({ params: { id: c.serverId }, body: { action } })),
  ],
  adminTerminateServer: (c) => [{ params: { id: c.serverId } }],
  adminListAudit: (c): RestCall[] => [
    { query: { limit: '500' } },
    {
      query: { serverId: c.serverId, kind: 'server.*', before: new Date(Date.now() + 60_000).toISOString() },
    },
  ],
  adminAdoptServer: (c) => [{ body: adoptBody(c) }],
  // Self-service. Keychain ids are UUIDs like server ids: the target server's id names no key of the caller's.
  listSshKeys: () => [{}],
  getSshKey: (c) => [{ params: { id: c.serverId } }],
  createSshKey: () => [{ body: { name: 'laptop', publicKey: fuzzKey } }],
  deleteSshKey: (c) => [{ params: { id: c.serverId } }],
  reinstallServer: (c) => [
    {
      params: { id: c.serverId },
      body: { imageId: c.imageId, confirmName: 'web', rootPassword: 'Long-Enough-Pass1' },
    },
  ],
  setRootPassword: (c) => [
    { params: { id: c.serverId }, body: {} },
    { params: { id: c.serverId }, body: { password: 'Long-Enough-Pass1' } },
  ],
  resizeServer: (c) => [{ params: { id: c.serverId }, body: { planId: c.planId } }],
  listSnapshots: (c) => [{ params: { id: c.serverId } }],
  createSnapshot: (c) => [
    { params: { id: c.serverId }, body: { name: 'before-upgrade', description: 'clean' } },
  ],
  rollbackSnapshot: (c) => [{ params: { id: c.serverId, name: 'before-upgrade' } }],
  deleteSnapshot: (c) => [{ params: { id: c.serverId, name: 'before-upgrade' } }],
  // Cluster discovery and the catalogue (administrators only).
  adminListPveNodes: () => [{}],
  adminListPveTemplates: () => [{}],
  adminListPveVms: () => [{}],
  // Clusters (administrators only); the server id stands in for a cluster id. A customer's call is
  // refused before the cluster is asked, so the made-up address is never reached.
  adminListClusters: () => [{ query: { limit: '100' } }, {}],
  adminGetCluster: (c) => [{ params: { id: c.serverId } }],
  adminCreateCluster: () => [{ body: clusterBody }],
  adminUpdateCluster: (c) => [{ params: { id: c.serverId }, body: { name: 'Renamed' } }],
  adminDeleteCluster: (c) => [{ params: { id: c.serverId } }],
  ...catalogueRestCalls,
  // Accounts: API tokens (the id calls aim at the server id, which names no token of the caller's).
  listTokens: () => [{}],
  getToken: (c) => [{ params: { id: c.serverId } }],
  createToken: () => [{ body: { name: 'iso', scopes: ['read'], expiresInDays: 1 } }],
  revokeToken: (c) => [{ params: { id: c.serverId } }],
  openServerConsole: (c) => [{ params: { id: c.serverId } }],
  getServerUsage: (c) =>
    (['hour', 'day', 'week', 'month'] as const).map((timeframe) => ({
      params: { id: c.serverId },
      query: { timeframe },
    })),
  // Webhooks (administrators only); the server id stands in for an endpoint id.
  adminListWebhooks: () => [{}],
  adminCreateWebhook: () => [{ body: { url: 'https://hooks.example.com/keel', events: ['server.created'] } }],
  adminUpdateWebhook: (c) => [{ params: { id: c.serverId }, body: { active: false } }],
  adminDeleteWebhook: (c) => [{ params: { id: c.serverId } }],
  adminListWebhookDeliveries: (c) => [{ params: { id: c.serverId }, query: { limit: '10' } }],
  adminRetryWebhookDelivery: () => [{ params: { id: '1' } }],
  // Customers (operator) and one-time links.
  adminListUsers: () => [{ query: { query: 'example', role: 'customer', limit: '50' } }, {}],
  adminCreateUser: (c) => [{ body: { email: `${c.name()}@example.com`, name: 'New', role: 'customer' } }],
  adminGetUser: (c) => [{ params: { id: c.serverId } }],
  adminUpdateUser: (c) => [{ params: { id: c.serverId }, body: { name: 'Renamed', quota: { maxCores: 4 } } }],
  adminPasswordReset: (c) => [{ params: { id: c.serverId }, body: {} }],
  adminDeleteUser: (c) => [{ params: { id: c.serverId } }],
  setPassword: () => [{ body: { token: 'not-a-link', password: 'long-enough-password' } }],
  forgotPassword: (c) => [{ body: { email: c.email } }],
  // Two-factor sign-in: the caller's own. Enrolment starts (and stays pending); the made-up code does not
  // confirm it, so the caller can still sign in without one.
  getTwoFactorStatus: () => [{}],
  enrolTwoFactor: () => [{}],
  confirmTwoFactor: () => [{ body: { code: '123456' } }],
  disableTwoFactor: (c) => [{ body: { password: c.password, code: '123456' } }],
};

/** Keyed by procedure path; inputs as a tRPC client passes them. */
export const trpcCalls: Record<string, (c: CallContext) => unknown[]> = {
  'auth.login': (c) => [{ email: c.email, password: c.password }],
  'auth.refresh': () => [undefined],
  'auth.logout': () => [undefined],
  'users.me': () => [undefined],
  'users.updateProfile': () => [{ name: 'Renamed' }],
  'users.changePassword': () => [
    { currentPassword: 'not-the-password', newPassword: 'long-enough-password' },
  ],
  'catalog.get': () => [undefined],
  'servers.list': () => [{ limit: 500, includeTerminated: true }, undefined],
  'servers.byId': (c) => [{ id: c.serverId, include: 'events' }],
  'servers.create': (c) => [
    { name: c.name(), planId: c.planId, imageId: c.imageId, locationId: c.locationId },
  ],
  'servers.action': (c) => serverActions.map((action) => ({ id: c.serverId, action })),
  'servers.terminate': (c) => [{ id: c.serverId }],
  'admin.servers.list': () => [{ limit: 500, includeTerminated: true }],
  'admin.servers.adopt': (c) => [adoptBody(c)],
  'admin.servers.byId': (c) => [{ id: c.serverId }],
  'admin.servers.action': (c) => [
    { id: c.serverId, action: 'suspend', reason: 'unpaid invoice' },
    { id: c.serverId, action: 'unsuspend' },
    { id: c.serverId, action: 'retry' },
    ...serverActions.map((action) => ({ id: c.serverId, action })),
  ],
  'admin.servers.terminate': (c) => [{ id: c.serverId }],
  'admin.audit.list': (c) => [{ limit: 500 }, { serverId: c.serverId, kind: 'server.*' }],
  'sshKeys.list': () => [undefined],
  'sshKeys.byId': (c) => [{ id: c.serverId }],
  'sshKeys.create': () => [{ name: 'desktop', publicKey: otherFuzzKey }],
  'sshKeys.delete': (c) => [{ id: c.serverId }],
  'servers.reinstall': (c) => [{ id: c.serverId, imageId: c.imageId, confirmName: 'web' }],
  'servers.rootPassword': (c) => [{ id: c.serverId }],
  'servers.resize': (c) => [{ id: c.serverId, planId: c.planId }],
  'servers.snapshots.list': (c) => [{ id: c.serverId }],
  'servers.snapshots.create': (c) => [{ id: c.serverId, name: 'before-upgrade' }],
  'servers.snapshots.rollback': (c) => [{ id: c.serverId, name: 'before-upgrade' }],
  'servers.snapshots.delete': (c) => [{ id: c.serverId, name: 'before-upgrade' }],
  'adminPve.nodes': () => [undefined],
  'adminPve.templates': () => [undefined],
  'adminPve.vms': () => [undefined],
  'adminClusters.list': () => [{ limit: 100 }, undefined],
  'adminClusters.byId': (c) => [{ id: c.serverId }],
  'adminClusters.create': () => [clusterBody],
  'adminClusters.update': (c) => [{ id: c.serverId, name: 'Renamed' }],
  'adminClusters.delete': (c) => [{ id: c.serverId }],
  ...catalogueTrpcCalls,
  // Accounts: API tokens.
  'tokens.list': () => [undefined],
  'tokens.byId': (c) => [{ id: c.serverId }],
  'tokens.create': () => [{ name: 'iso', scopes: ['read'], expiresInDays: 1 }],
  'tokens.revoke': (c) => [{ id: c.serverId }],
  'servers.console': (c) => [{ id: c.serverId }],
  'servers.usage': (c) => [{ id: c.serverId, timeframe: 'hour' }],
  'adminWebhooks.list': () => [undefined],
  'adminWebhooks.create': () => [{ url: 'https://hooks.example.com/keel', events: ['server.created'] }],
  'adminWebhooks.update': (c) => [{ id: c.serverId, active: false }],
  'adminWebhooks.delete': (c) => [{ id: c.serverId }],
  'adminWebhooks.deliveries': (c) => [{ id: c.serverId, limit: 10 }],
  'adminWebhooks.retryDelivery': () => [{ id: 1 }],
  // Customers (operator) and one-time links.
  'admin.users.list': () => [{ query: 'example', role: 'customer', limit: 50 }, undefined],
  'admin.users.create': (c) => [{ email: `${c.name()}@example.com`, name: 'New', role: 'customer' }],
  'admin.users.byId': (c) => [{ id: c.serverId }],
  'admin.users.update': (c) => [{ id: c.serverId, name: 'Renamed', quota: { maxCores: 4 } }],
  'admin.users.passwordReset': (c) => [{ id: c.serverId }],
  'admin.users.delete': (c) => [{ id: c.serverId }],
  'auth.setPassword': () => [{ token: 'not-a-link', password: 'long-enough-password' }],
  'auth.forgotPassword': (c) => [{ email: c.email }],
  'twoFactor.status': () => [undefined],
  'twoFactor.enrol': () => [undefined],
  'twoFactor.confirm': () => [{ code: '123456' }],
  'twoFactor.disable': (c) => [{ password: c.password, code: '123456' }],
};

/** Procedures and routes that take no bearer token (they work from credentials or the refresh cookie). */
export const publicRestOperations = ['login', 'refresh', 'logout', 'setPassword', 'forgotPassword'];
export const publicProcedures = [
  'auth.login',
  'auth.refresh',
  'auth.logout',
  'auth.setPassword',
  'auth.forgotPassword',
];

export function restPath(route: RestRoute, params: Record<string, string> = {}): string {
  return `/api${route.path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''))}`;
}

/** The HTTP request for one REST call. */
export function restRequest(
  route: RestRoute,
  call: RestCall,
  headers: Record<string, string> = {},
): RawRequest {
  const query = call.query ? `?${new URLSearchParams(call.query).toString()}` : '';
  return {
    method: route.method.toUpperCase(),
    path: restPath(route, call.params) + query,
    headers: { ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
  };
}
