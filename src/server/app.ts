/**
 * The HTTP application: security headers, request logging with ids, the REST adapter at /api, tRPC at
 * /trpc, health probes, and the built dashboard with history fallback at /.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRPCError } from '@trpc/server';
import { getErrorShape } from '@trpc/server/unstable-core-do-not-import';
import cookieParser from 'cookie-parser';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { trpcMaxBatchSize } from '../shared/api.ts';
import { errorStatus } from '../shared/errors.ts';
import type { DatabaseHandle } from './db/client.ts';
import { appError, toPublicError } from './errors.ts';
import { expressContextFactory } from './http/context.ts';
import { expressErrorHandler, requireJsonBody, sendError } from './http/errors.ts';
import { idempotencyKeyOf } from './http/idempotency.ts';
import { measureRequests, metricsHandler } from './http/metrics.ts';
import { buildOpenApiDocument } from './http/openapi.ts';
import { requestLog } from './http/request-log.ts';
import { createRestRouter } from './http/rest.ts';
import { createTrpcHandler } from './http/trpc-handler.ts';
import { precomputedHeaders } from './http/security-headers.ts';
import { appRouter } from './routers/root.ts';
import type { AppDeps } from './trpc.ts';

export const jsonBodyLimit = '64kb';

/**
 * tRPC's adapter turns each request into a fetch `Request`, whose constructor throws on these methods;
 * uncaught, that is a 500. They are the client's mistake: answer 405 in tRPC's own error shape.
 */
const methodsTrpcCannotRead = new Set(['TRACE', 'TRACK', 'CONNECT']);
const refuseMethodsTrpcCannotRead: RequestHandler = (req, res, next) => {
  if (!methodsTrpcCannotRead.has(req.method)) return next();
  const config = appRouter._def._config;
  const error = new TRPCError({
    code: 'METHOD_NOT_SUPPORTED',
    message: `${req.method} is not supported here; tRPC takes GET and POST.`,
  });
  const shape = getErrorShape({
    config,
    error,
    type: 'unknown',
    path: undefined,
    input: undefined,
    ctx: undefined,
  });
  res
    .status(405)
    .set('Allow', 'GET, POST')
    .json({ error: config.transformer.output.serialize(shape) as unknown });
};
/** Answers that carry tokens or customer data must not be kept by browsers or shared caches. */
const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

const defaultClientDir = resolve(fileURLToPath(new URL('../../dist/client', import.meta.url)));

export interface AppOptions extends AppDeps {
  database: DatabaseHandle;
  version: string;
  /** Where the built dashboard is; absent in tests that need no UI. */
  clientDir?: string;
  /** Extra middleware before the SPA (the Vite dev server in `pnpm dev`). */
  devMiddleware?: RequestHandler;
}

export function createApp(options: AppOptions): express.Express {
  const { log, database, config } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);
  // API answers carry tokens and customer data and are never cached (below), so they need no ETag.
  // Static files keep theirs: express.static computes its own.
  app.set('etag', false);

  app.use(measureRequests);
  // One line per request with what an operator reads it for: method, path, status, duration and the
  // request id (bound to req.log, so a procedure's own lines carry it too). Not the headers: they are
  // most of the cost of a line and hold nothing those fields do not.
  app.use(requestLog(log));
  app.use(
    precomputedHeaders(
      helmet({
        // Operators often reach a fresh install over plain HTTP on a LAN address; upgrading its asset
        // requests to HTTPS would break the page there. TLS belongs to the proxy in front (TRUST_PROXY).
        contentSecurityPolicy: options.devMiddleware
          ? false
          : { directives: { upgradeInsecureRequests: null } },
        strictTransportSecurity: config.TRUST_PROXY !== false,
        // The dashboard is served from this origin only; no cross-origin embedding.
        crossOriginResourcePolicy: { policy: 'same-origin' },
      }),
    ),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (req, res) => {
    try {
      await Promise.race([
        database.ping(),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('database ping timed out')), 2000).unref(),
        ),
      ]);
      res.json({ status: 'ready', database: 'ok' });
    } catch (err) {
      req.log.warn({ err }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable', database: 'unreachable' });
    }
  });

  // Registered whether or not it is on, so an unset token answers 404 rather than the dashboard.
  app.get('/metrics', metricsHandler(database.db, config.METRICS_TOKEN));

  const createContext = expressContextFactory(options);
  const openApi = buildOpenApiDocument(options.version);
  const api = express.Router();
  api.use(noStore);
  api.use(cookieParser());
  api.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  api.use(requireJsonBody);
  api.use(express.json({ limit: jsonBodyLimit, strict: false }));
  api.use(createRestRouter(createContext));
  api.use((req, res) =>
    sendError(req, res, appError('NOT_FOUND', `No API route ${req.method} ${req.originalUrl}.`)),
  );
  api.use(expressErrorHandler);
  app.use('/api', api);

  app.use(
    '/trpc',
    noStore,
    refuseMethodsTrpcCannotRead,
    cookieParser(),
    createTrpcHandler({
      router: appRouter,
      createContext: ({ req, res, info }) => {
        // One password guess or one cookie exchange per request: batching them would multiply both.
        if (info.calls.length > 1 && info.calls.some((call) => call.path.startsWith('auth.')))
          throw appError(
            'VALIDATION_FAILED',
            'Sign-in, refresh and sign-out cannot be batched: send each as a request of its own.',
          );
        if (info.calls.length > 1 && idempotencyKeyOf(req) !== undefined)
          throw appError(
            'VALIDATION_FAILED',
            'A request with an Idempotency-Key carries one call: send each keyed write on its own.',
            { fields: { 'Idempotency-Key': 'cannot be sent with a batch of calls' } },
          );
        return createContext(req, res);
      },
      maxBodySize: 64 * 1024,
      // Without a cap one GET could carry thousands of calls (tRPC answers 400 beyond it).
      maxBatchSize: trpcMaxBatchSize,
      onError: ({ error, req }) => {
        if (toPublicError(error).unexpected) req.log.error({ err: error }, 'procedure failed');
      },
      responseMeta: ({ errors }) => {
        const retryAfter = errors
          .map((e) => toPublicError(e).retryAfter)
          .find((v): v is number => v !== undefined);
        const unauthorized = errors.some((e) => toPublicError(e).status === errorStatus.UNAUTHORIZED);
        const headers: Record<string, string> = {};
        if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
        if (unauthorized) headers['WWW-Authenticate'] = 'Bearer';
        return { headers };
      },
    }),
  );

  if (options.devMiddleware) {
    app.use(options.devMiddleware);
  } else {
    const clientDir = options.clientDir ?? defaultClientDir;
    if (existsSync(join(clientDir, 'index.html'))) {
      app.use(express.static(clientDir, { index: false, maxAge: '1h' }));
      // History fallback: any other GET that accepts HTML is a dashboard route.
      app.get(/.*/, (req, res, next) => {
        if (!req.accepts('html')) return next();
        res.setHeader('Cache-Control', 'no-cache');
        res.sendFile(join(clientDir, 'index.html'));
      });
    } else {
      log.warn({ clientDir }, 'the dashboard is not built; run `pnpm build` to serve it');
    }
  }
  app.use((req, res) => sendError(req, res, appError('NOT_FOUND', `Nothing at ${req.method} ${req.path}.`)));
  app.use(expressErrorHandler);
  return app;
}
