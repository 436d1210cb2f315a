/**
 * The REST routes, read off appRouter's procedures: every procedure whose `.meta()` has `rest` is a
 * route at /api, served by rest.ts and documented by openapi.ts from the same entry here. There is no
 * other list of routes to keep in step.
 */
import type { AnyTRPCProcedure } from '@trpc/server';
import { z } from 'zod';
import type { ErrorCode } from '../../shared/errors.ts';
import { appRouter } from '../routers/root.ts';
import { documentedSchema } from '../lib/trusted-output.ts';
import { honoursIdempotencyKey, idempotencyErrors } from './idempotency.ts';
import type { KeelMeta, RestMeta } from '../trpc.ts';

export interface RestRoute {
  /** The tRPC path it calls, e.g. `servers.action`. */
  procedurePath: string;
  type: 'query' | 'mutation';
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style, under /api: `/servers/:id`. */
  path: string;
  /** As in the meta and the OpenAPI document: `/servers/{id}`. */
  openApiPath: string;
  operationId: string;
  summary: string;
  /** Needs a bearer token. */
  auth: boolean;
  access: 'public' | 'user' | 'admin';
  status: 200 | 201 | 202;
  location?: string;
  pathParams: string[];
  /** The procedure's whole input, path parameters included. */
  input?: z.ZodType;
  /** The input less its path parameters, read from the query string (GET, DELETE). */
  query?: z.ZodObject;
  /** The input less its path parameters, read from the JSON body (POST, PUT, PATCH). */
  body?: z.ZodType;
  response: z.ZodType;
  /** Every error code the route can answer, as documented. */
  errors: ErrorCode[];
  /** Takes an Idempotency-Key header (http/idempotency.ts). */
  idempotent: boolean;
}

/** What any route at /api can answer before or around its procedure: bad JSON, size, type, faults. */
export const transportErrors: readonly ErrorCode[] = [
  'VALIDATION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INTERNAL',
  'UNAVAILABLE',
];

interface ProcedureDef {
  type: 'query' | 'mutation' | 'subscription';
  meta?: KeelMeta;
  inputs: unknown[];
  output?: unknown;
}

function inputSchemaOf(def: ProcedureDef, where: string): z.ZodType | undefined {
  if (def.inputs.length > 1) throw new Error(`${where}: a REST procedure takes one .input()`);
  const input = def.inputs[0];
  if (input === undefined) return undefined;
  if (!(input instanceof z.ZodType)) throw new Error(`${where}: the input must be a Zod schema`);
  return input;
}

/** The object at the heart of an input schema (`.optional()` removed), for splitting off path params. */
function objectOf(schema: z.ZodType | undefined): z.ZodObject | undefined {
  const inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
  return inner instanceof z.ZodObject ? inner : undefined;
}

function routeOf(procedurePath: string, def: ProcedureDef, meta: RestMeta): RestRoute {
  const where = `REST ${meta.method} ${meta.path} (${procedurePath})`;
  if (def.type === 'subscription') throw new Error(`${where}: subscriptions have no REST route`);
  const output = def.output;
  if (!(output instanceof z.ZodType)) throw new Error(`${where}: a REST procedure needs .output()`);
  if ((meta.status === 201 || meta.status === 202) !== Boolean(meta.location))
    throw new Error(`${where}: a Location goes with 201 and 202, and only with them`);

  const input = inputSchemaOf(def, where);
  const object = objectOf(input);
  const pathParams = [...meta.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  for (const name of pathParams) {
    if (!object?.shape[name]) throw new Error(`${where}: the input has no field ${name} for the path`);
  }
  // What the query string or the body carries: the input less its path parameters.
  const pathMask: Record<string, true> = Object.fromEntries(pathParams.map((name) => [name, true]));
  const remainder = object && pathParams.length ? object.omit(pathMask) : input;
  const remainderObject = objectOf(remainder);
  const fromQuery = meta.method === 'GET' || meta.method === 'DELETE';
  if (fromQuery && remainder && !remainderObject)
    throw new Error(`${where}: a query string can only carry an object`);

  const access = def.meta?.auth ?? 'public';
  const idempotent =
    def.meta?.idempotent !== false && honoursIdempotencyKey({ type: def.type, auth: access !== 'public' });
  const errors = new Set<ErrorCode>([
    ...(def.meta?.guardErrors ?? []),
    ...(def.type === 'mutation' ? (def.meta?.mutationGuardErrors ?? []) : []),
    ...meta.errors,
    ...(idempotent ? idempotencyErrors : []),
    ...transportErrors,
  ]);

  return {
    procedurePath,
    type: def.type,
    method: meta.method.toLowerCase() as RestRoute['method'],
    path: meta.path.replace(/\{(\w+)\}/g, ':$1'),
    openApiPath: meta.path,
    operationId: meta.operationId,
    summary: meta.summary,
    auth: access !== 'public',
    access,
    status: meta.status ?? 200,
    ...(meta.location ? { location: meta.location } : {}),
    pathParams,
    ...(input ? { input } : {}),
    ...(fromQuery && remainderObject && Object.keys(remainderObject.shape).length
      ? { query: remainderObject }
      : {}),
    ...(!fromQuery && remainder ? { body: remainder } : {}),
    response: documentedSchema(output),
    errors: [...errors],
    idempotent,
  };
}

/** Every REST route, in the order of the router. Throws at start-up on a meta that cannot be served. */
export function restRoutesOf(procedures: Record<string, unknown>): RestRoute[] {
  const routes: RestRoute[] = [];
  const seen = new Map<string, string>();
  for (const [procedurePath, procedure] of Object.entries(procedures)) {
    const def = (procedure as AnyTRPCProcedure)._def as unknown as ProcedureDef;
    const rest = def.meta?.rest;
    if (!rest) continue;
    const route = routeOf(procedurePath, def, rest);
    const key = `${route.method} ${route.path.replace(/:\w+/g, ':')}`;
    const clash = seen.get(key) ?? seen.get(`#${route.operationId}`);
    if (clash) throw new Error(`REST ${rest.method} ${rest.path} (${procedurePath}) clashes with ${clash}`);
    seen.set(key, procedurePath).set(`#${route.operationId}`, procedurePath);
    routes.push(route);
  }
  return routes;
}

export const restRoutes: RestRoute[] = restRoutesOf(appRouter._def.procedures);

export interface RestRequest {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The procedure's one input object: the query string (GET, DELETE) or the body (POST, PUT, PATCH),
 * with the path parameters merged over it. A route without path parameters passes its source as it
 * came, so a body that is not an object is refused by the schema as such.
 */
export function restInput(route: RestRoute, req: RestRequest): unknown {
  const source = route.method === 'get' || route.method === 'delete' ? req.query : req.body;
  if (!route.pathParams.length) return source;
  const params = Object.fromEntries(route.pathParams.map((name) => [name, req.params[name]]));
  if (source === undefined || source === null) return params;
  return isPlainObject(source) ? { ...source, ...params } : source;
}

/** The Location of a 201 or 202: the meta's template filled in from the response, under /api. */
export function restLocation(route: RestRoute, result: unknown): string | undefined {
  if (!route.location) return undefined;
  return `/api${route.location.replace(/\{([\w.]+)\}/g, (_, path: string) => {
    const value = path
      .split('.')
      .reduce<unknown>((at, key) => (isPlainObject(at) ? at[key] : undefined), result);
    if (typeof value !== 'string' && typeof value !== 'number')
      throw new Error(`${route.operationId}: the response has no ${path} for its Location`);
    return encodeURIComponent(String(value));
  })}`;
}
