/**
 * The REST surface: each route names the tRPC procedure it calls and how to build its input. The
 * adapter and the OpenAPI document are both generated from this one table, so they cannot disagree.
 */
import type { z } from 'zod';
import {
  catalogSchema,
  currentUserSchema,
  createServerInputSchema,
  getServerInputSchema,
  listServersInputSchema,
  loginInputSchema,
  loginResultSchema,
  okSchema,
  serverActionInputSchema,
  serverListSchema,
  serverResultSchema,
} from '../../shared/api.ts';
import type { ErrorCode } from '../../shared/errors.ts';
import { adminServerListSchema } from '../../shared/admin.ts';
import type { createCaller } from '../routers/root.ts';

type Caller = ReturnType<typeof createCaller>;

export interface RestRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
}

export interface RestRoute {
  method: 'get' | 'post' | 'delete';
  /** Express-style path under /api. */
  path: string;
  operationId: string;
  summary: string;
  /** Needs a bearer token. */
  auth: boolean;
  status: 200 | 202;
  query?: z.ZodType;
  body?: z.ZodType;
  response: z.ZodType;
  errors: ErrorCode[];
  call(caller: Caller, req: RestRequest): Promise<unknown>;
  /** The Location header of a 202, pointing at the resource to poll. */
  location?(result: unknown): string;
}

const serverLocation = (result: unknown) =>
  `/api/servers/${(result as { server: { id: string } }).server.id}`;
const bodyObject = (body: unknown) => (body ?? {}) as Record<string, unknown>;

export const restRoutes: RestRoute[] = [
  {
    method: 'post',
    path: '/login',
    operationId: 'login',
    summary: 'Sign in with email and password; sets the refresh cookie',
    auth: false,
    status: 200,
    body: loginInputSchema,
    response: loginResultSchema,
    errors: ['VALIDATION_FAILED', 'INVALID_CREDENTIALS', 'TOO_MANY_REQUESTS'],
    call: (caller, req) => caller.auth.login(req.body as z.input<typeof loginInputSchema>),
  },
  {
    method: 'post',
    path: '/auth/refresh',
    operationId: 'refresh',
    summary: 'Exchange the refresh cookie for a new access token (the cookie rotates)',
    auth: false,
    status: 200,
    response: loginResultSchema,
    errors: ['UNAUTHORIZED'],
    call: (caller) => caller.auth.refresh(),
  },
  {
    method: 'post',
    path: '/logout',
    operationId: 'logout',
    summary: "Sign out: revokes this browser's refresh tokens and clears the cookie",
    auth: false,
    status: 200,
    response: okSchema,
    errors: [],
    call: (caller) => caller.auth.logout(),
  },
  {
    method: 'get',
    path: '/users/me',
    operationId: 'getCurrentUser',
    summary: 'The signed-in user',
    auth: true,
    status: 200,
    response: currentUserSchema,
    errors: ['UNAUTHORIZED'],
    call: (caller) => caller.users.me(),
  },
  {
    method: 'get',
    path: '/catalog',
    operationId: 'getCatalog',
    summary: 'Plans, images and locations open to new orders',
    auth: true,
    status: 200,
    response: catalogSchema,
    errors: ['UNAUTHORIZED'],
    call: (caller) => caller.catalog.get(),
  },
  {
    method: 'get',
    path: '/servers',
    operationId: 'listServers',
    summary: "The signed-in user's servers, newest first",
    auth: true,
    status: 200,
    query: listServersInputSchema,
    response: serverListSchema,
    errors: ['UNAUTHORIZED', 'VALIDATION_FAILED'],
    call: (caller, req) => caller.servers.list(req.query as z.input<typeof listServersInputSchema>),
  },
  {
    method: 'post',
    path: '/servers',
    operationId: 'createServer',
    summary: 'Order a server; it is provisioned in the background (poll its Location)',
    auth: true,
    status: 202,
    body: createServerInputSchema,
    response: serverResultSchema,
    errors: ['UNAUTHORIZED', 'VALIDATION_FAILED', 'QUOTA_EXCEEDED'],
    call: (caller, req) => caller.servers.create(req.body as z.input<typeof createServerInputSchema>),
    location: serverLocation,
  },
  {
    method: 'get',
    path: '/servers/:id',
    operationId: 'getServer',
    summary: 'One of your servers; `include=events` adds its recent audit events',
    auth: true,
    status: 200,
    query: getServerInputSchema.omit({ id: true }).meta({ id: 'GetServerOptions' }),
    response: serverResultSchema,
    errors: ['UNAUTHORIZED', 'NOT_FOUND', 'VALIDATION_FAILED'],
    call: (caller, req) =>
      caller.servers.byId({ ...(req.query as { include?: 'events' }), id: req.params.id! }),
  },
  {
    method: 'post',
    path: '/servers/:id/actions',
    operationId: 'actOnServer',
    summary: 'Start, shut down (ACPI), stop (hard) or reboot a server',
    auth: true,
    status: 202,
    body: serverActionInputSchema,
    response: serverResultSchema,
    errors: ['UNAUTHORIZED', 'VALIDATION_FAILED', 'NOT_FOUND', 'INVALID_STATE'],
    call: (caller, req) =>
      caller.servers.action({ ...(bodyObject(req.body) as { action: 'start' }), id: req.params.id! }),
    location: serverLocation,
  },
  {
    method: 'delete',
    path: '/servers/:id',
    operationId: 'terminateServer',
    summary: 'Terminate a server: its VM is deleted and its address released',
    auth: true,
    status: 202,
    response: serverResultSchema,
    errors: ['UNAUTHORIZED', 'NOT_FOUND', 'INVALID_STATE'],
    call: (caller, req) => caller.servers.terminate({ id: req.params.id! }),
    location: serverLocation,
  },
  {
    method: 'get',
    path: '/admin/servers',
    operationId: 'adminListServers',
    summary: "Every customer's servers with their owners, newest first (administrators only)",
    auth: true,
    status: 200,
    query: listServersInputSchema,
    response: adminServerListSchema,
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'VALIDATION_FAILED'],
    call: (caller, req) => caller.admin.servers.list(req.query as z.input<typeof listServersInputSchema>),
  },
];
