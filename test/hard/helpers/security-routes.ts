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
  'admin.servers.byId': (c) => [{ id: c.serverId }],
  'admin.servers.action': (c) => [
    { id: c.serverId, action: 'suspend', reason: 'unpaid invoice' },
    { id: c.serverId, action: 'unsuspend' },
    { id: c.serverId, action: 'retry' },
    ...serverActions.map((action) => ({ id: c.serverId, action })),
  ],
  'admin.servers.terminate': (c) => [{ id: c.serverId }],
  'admin.audit.list': (c) => [{ limit: 500 }, { serverId: c.serverId, kind: 'server.*' }],
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
