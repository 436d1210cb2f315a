/**
 * A well-formed call for every REST route and every tRPC procedure, aimed at one server id. The
 * security and fuzz suites iterate the route table and the router and look each one up here; a route
 * or procedure without an entry fails those suites, so a new one cannot be left untested.
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
  adminListServers: () => [{ query: { limit: '500', includeTerminated: 'true' } }],
  // Cluster discovery and the catalogue (administrators only).
  adminListPveNodes: () => [{}],
  adminListPveTemplates: () => [{}],
  adminListPveVms: () => [{}],
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
};

/** Keyed by procedure path; inputs as a tRPC client passes them. */
export const trpcCalls: Record<string, (c: CallContext) => unknown[]> = {
  'auth.login': (c) => [{ email: c.email, password: c.password }],
  'auth.refresh': () => [undefined],
  'auth.logout': () => [undefined],
  'users.me': () => [undefined],
  'catalog.get': () => [undefined],
  'servers.list': () => [{ limit: 500, includeTerminated: true }, undefined],
  'servers.byId': (c) => [{ id: c.serverId, include: 'events' }],
  'servers.create': (c) => [
    { name: c.name(), planId: c.planId, imageId: c.imageId, locationId: c.locationId },
  ],
  'servers.action': (c) => serverActions.map((action) => ({ id: c.serverId, action })),
  'servers.terminate': (c) => [{ id: c.serverId }],
  'admin.servers.list': () => [{ limit: 500, includeTerminated: true }],
  'adminPve.nodes': () => [undefined],
  'adminPve.templates': () => [undefined],
  'adminPve.vms': () => [undefined],
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
};

/** Procedures and routes that take no bearer token (they work from credentials or the refresh cookie). */
export const publicRestOperations = ['login', 'refresh', 'logout'];
export const publicProcedures = ['auth.login', 'auth.refresh', 'auth.logout'];

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
