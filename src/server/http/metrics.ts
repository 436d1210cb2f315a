/**
 * HTTP metrics: every finished request observed once, labelled with its route template, and
 * `GET /metrics` for Prometheus, behind METRICS_TOKEN (404 without it, as if there were no such page).
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Database } from '../db/client.ts';
import { appError } from '../errors.ts';
import { queueStats } from '../jobs/queue.ts';
import {
  bearerTokenMatches,
  collectProcessMetrics,
  httpRequestDuration,
  metricsContentType,
  renderMetrics,
} from '../lib/metrics.ts';
import { appRouter } from '../routers/root.ts';
import { sendError } from './errors.ts';

const startedAt = Symbol('keel.requestStartedAt');
type TimedResponse = Response & { [startedAt]?: number };

const procedureNames = new Set(Object.keys(appRouter._def.procedures));
/** The label of each express route, built once per route (the Route object is the route's identity). */
const routeLabels = new WeakMap<object, string>();

/**
 * The route a request matched, as a template: `/api/servers/:id`, `/trpc/servers.list`. Requests that
 * matched no route are `(other)` (static files and 404s), a tRPC batch `/trpc/(batch)`, an unknown
 * procedure `/trpc/(unknown)`: never the raw URL, so the number of series stays bounded.
 */
export function routeLabel(req: Request): string {
  const route = req.route as { path: unknown } | undefined;
  if (route) {
    let label = routeLabels.get(route);
    if (label === undefined) {
      // The mount as written in the URL (`/API`, routing ignores case): lower-cased, so the first request
      // seen does not name the route for good.
      label = typeof route.path === 'string' ? req.baseUrl.toLowerCase() + route.path : '(dashboard)';
      routeLabels.set(route, label);
    }
    return label;
  }
  if (req.baseUrl.toLowerCase() === '/trpc') {
    const path = req.path.slice(1);
    if (path.includes(',')) return '/trpc/(batch)';
    return procedureNames.has(path) ? `/trpc/${path}` : '/trpc/(unknown)';
  }
  return '(other)';
}

function recordRequest(this: TimedResponse): void {
  const started = this[startedAt];
  if (started === undefined) return;
  httpRequestDuration.observe(
    { route: routeLabel(this.req), method: this.req.method, status: this.statusCode },
    (performance.now() - started) / 1000,
  );
}

/**
 * First in the chain. One timestamp and one shared listener per request, no closure: the label is
 * worked out once the answer is sent, when the route is known.
 */
export const measureRequests: RequestHandler = (_req, res, next) => {
  (res as TimedResponse)[startedAt] = performance.now();
  // `on`, not `once`: once wraps the listener in a closure per call, and a response finishes only once.
  res.on('finish', recordRequest);
  next();
};

/** `GET /metrics`: 404 unless a token is configured; then 401 without the right bearer token. */
export function metricsHandler(db: Database, token: string | undefined): RequestHandler {
  if (token !== undefined) collectProcessMetrics();
  return async (req, res) => {
    if (token === undefined) {
      sendError(req, res, appError('NOT_FOUND', `Nothing at ${req.method} ${req.path}.`));
      return;
    }
    if (!bearerTokenMatches(req.headers.authorization, token)) {
      sendError(req, res, appError('UNAUTHORIZED', 'Metrics need `Authorization: Bearer <METRICS_TOKEN>`.'));
      return;
    }
    let queue = null;
    try {
      queue = await queueStats(db);
    } catch (err) {
      // The process's own figures are still worth a scrape while the database is away.
      req.log.warn({ err: (err as Error).message }, 'metrics: could not read the job queue');
    }
    res.setHeader('Cache-Control', 'no-store');
    res.type(metricsContentType).send(await renderMetrics(queue));
  };
}
