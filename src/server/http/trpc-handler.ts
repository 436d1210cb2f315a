/**
 * tRPC at /trpc. tRPC's express adapter turns every request into a fetch `Request` (a URL parsed twice,
 * every header copied into a `Headers`, three AbortControllers) and writes the `Response` it gets back
 * through a WritableStream. For the call dashboards make all the time, one query by GET, that machinery
 * costs more than the procedure. Such a call is answered here the way tRPC's resolveResponse answers it,
 * step for step (the same context, input, procedure call, error shape, status, headers, onError and
 * responseMeta, and the same bytes); anything else (a batch, a mutation, a subscription, streaming, a
 * content type, an unknown procedure, HEAD, connection params) goes to tRPC's adapter as it is.
 */
import type { AnyTRPCProcedure, AnyTRPCRouter, TRPCError } from '@trpc/server';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import {
  getErrorShape,
  getHTTPStatusCode,
  getTRPCErrorFromUnknown,
  isAsyncIterable,
  isObject,
  isPromise,
  TRPCError as TRPCErrorClass,
  transformTRPCResponse,
} from '@trpc/server/unstable-core-do-not-import';
import type { Request, RequestHandler, Response } from 'express';

type Options = Parameters<typeof createExpressMiddleware<AnyTRPCRouter>>[0];

const unset = Symbol('unset');

/** `?input=` as tRPC reads it for a single call: JSON, then the transformer; memoised, as tRPC's memo. */
function inputReader(router: AnyTRPCRouter, query: URLSearchParams) {
  let value: unknown = unset;
  return {
    read: (): Promise<unknown> => {
      if (value !== unset) return Promise.resolve(value);
      try {
        const raw = query.get('input');
        const inputs: unknown = raw ? JSON.parse(raw) : undefined;
        const { transformer } = router._def._config as {
          transformer: { input: { deserialize(v: unknown): unknown } };
        };
        value = inputs === undefined ? undefined : transformer.input.deserialize(inputs);
      } catch (cause) {
        if (cause instanceof TRPCErrorClass) return Promise.reject(cause);
        return Promise.reject(
          new TRPCErrorClass({
            code: 'BAD_REQUEST',
            message: cause instanceof Error ? cause.message : 'Invalid input',
            cause,
          }),
        );
      }
      return Promise.resolve(value);
    },
    result: () => (value !== unset ? value : undefined),
  };
}

/** As tRPC's resolveResponse: an answer that would need a stream. */
function isDataStream(v: unknown): boolean {
  if (!isObject(v)) return false;
  if (isAsyncIterable(v)) return true;
  return Object.values(v).some(isPromise) || Object.values(v).some(isAsyncIterable);
}

/** The single GET query this module answers itself, or null for tRPC's adapter. */
function singleQuery(router: AnyTRPCRouter, req: Request) {
  if (req.method !== 'GET') return null;
  const headers = req.headers;
  // Streaming (jsonl), a content type of its own: tRPC's handlers decide those.
  if (headers['trpc-accept'] !== undefined || headers['content-type'] !== undefined) return null;
  if (headers.accept?.includes('jsonl')) return null;
  const url = req.url;
  // What new URL() would read differently from the query string as sent.
  if (!url.startsWith('/') || url.startsWith('//') || url.includes('#') || url.includes('\\')) return null;
  const q = url.indexOf('?');
  const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  if (query.get('batch') === '1' || query.has('connectionParams')) return null;
  let path: string;
  try {
    path = decodeURIComponent(req.path.slice(req.path.lastIndexOf('/') + 1));
  } catch {
    return null;
  }
  const procedures = router._def.procedures as Record<string, AnyTRPCProcedure | undefined>;
  const procedure = Object.hasOwn(procedures, path) ? procedures[path] : undefined;
  if (typeof procedure !== 'function' || procedure._def?.type !== 'query') return null;
  return { path, procedure, query };
}

/** tRPC's express middleware, with single GET queries answered without its fetch adapter. */
export function createTrpcHandler(opts: Options): RequestHandler {
  const adapter = createExpressMiddleware(opts);
  const { router, responseMeta, onError } = opts;
  // The router's config is typed with `any` throughout; the helpers below take it as their own.
  const config = router._def._config as unknown as Parameters<typeof getErrorShape>[0]['config'];
  /** getErrorShape, typed as what it returns here: an object (the errorFormatter's shape). */
  const errorShape = (o: Omit<Parameters<typeof getErrorShape>[0], 'config'>) =>
    getErrorShape({ config, ...o }) as unknown as { data: { httpStatus: number } };
  const createContext = opts.createContext as unknown as (o: {
    req: Request;
    res: Response;
    info: unknown;
  }) => unknown;

  async function answer(
    req: Request,
    res: Response,
    call: NonNullable<ReturnType<typeof singleQuery>>,
  ): Promise<void> {
    const { path, procedure } = call;
    const input = inputReader(router, call.query);
    const info = {
      isBatchCall: false,
      accept: null,
      calls: [{ batchIndex: 0, path, procedure, getRawInput: input.read, result: input.result }],
      type: 'query' as const,
      connectionParams: null,
      signal: undefined,
      url: undefined,
    };
    let ctx: unknown;
    let ctxError: TRPCError | undefined;
    try {
      ctx = await createContext({ req, res, info });
    } catch (cause) {
      ctxError = getTRPCErrorFromUnknown(cause);
    }
    let error: TRPCError | undefined;
    let data: unknown;
    try {
      if (ctxError) throw ctxError;
      data = await procedure({
        path,
        getRawInput: input.read,
        ctx,
        type: 'query',
        signal: undefined,
        batchIndex: 0,
      });
    } catch (cause) {
      error = getTRPCErrorFromUnknown(cause);
      onError?.({
        error,
        path,
        input: input.result(),
        ctx: ctxError ? undefined : ctx,
        type: 'query',
        req,
      } as never);
    }
    const ctxOrUndefined = ctxError ? undefined : ctx;
    let rpc: object;
    let errors: TRPCError[];
    if (!error && isDataStream(data)) {
      // resolveResponse throws this past the call, so onError hears it without path or input.
      error = new TRPCErrorClass({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: 'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink',
      });
      onError?.({
        error,
        path: undefined,
        input: undefined,
        ctx: ctxOrUndefined,
        type: 'query',
        req,
      } as never);
      rpc = {
        error: errorShape({
          error,
          type: 'query',
          path: undefined,
          input: undefined,
          ctx: ctxOrUndefined,
        }),
      };
      errors = [error];
    } else if (error) {
      rpc = {
        error: errorShape({
          ctx: ctxOrUndefined,
          error,
          input: input.result(),
          path,
          type: 'query',
        }),
      };
      errors = [error];
    } else {
      rpc = { result: { data } };
      errors = [];
    }
    let status = getHTTPStatusCode([rpc] as never);
    // Headers as the fetch Response carries them: lower-case names, in alphabetical order.
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      vary: 'trpc-accept, accept',
    };
    const meta = responseMeta?.({
      ctx: ctxOrUndefined,
      info,
      paths: [path],
      data: [rpc],
      errors,
      eagerGeneration: false,
      type: 'query',
    } as never);
    if (meta?.headers) {
      for (const [key, value] of meta.headers instanceof Headers
        ? meta.headers.entries()
        : Object.entries(meta.headers)) {
        if (typeof value === 'string') headers[key.toLowerCase()] = value;
        else if (Array.isArray(value)) headers[key.toLowerCase()] = value.join(', ');
      }
    }
    if (meta?.status) status = meta.status;
    const body = JSON.stringify(transformTRPCResponse(config, rpc as never));
    if (res.statusCode === 200) res.statusCode = status;
    for (const key of Object.keys(headers).sort()) res.setHeader(key, headers[key]!);
    // Written, then ended, as tRPC's adapter writes its one chunk (chunked, no Content-Length).
    res.write(body);
    res.end();
  }

  return (req, res, next) => {
    const call = singleQuery(router, req);
    if (!call) return adapter(req, res, next);
    answer(req, res, call).catch((err: unknown) => {
      // Nothing above is expected to throw; should it, answer as tRPC's adapter answers its own faults.
      if (res.headersSent) return res.destroy(err as Error);
      const trpcError = getTRPCErrorFromUnknown(err);
      const shape = errorShape({
        error: trpcError,
        type: 'unknown',
        path: undefined,
        input: undefined,
        ctx: undefined,
      });
      onError?.({
        req,
        error: trpcError,
        type: 'unknown',
        path: undefined,
        input: undefined,
        ctx: undefined,
      } as never);
      res.statusCode = shape.data.httpStatus;
      res.end(JSON.stringify(transformTRPCResponse(config, { error: shape } as never)));
    });
  };
}
