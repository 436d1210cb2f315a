import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express, { type RequestHandler } from 'express';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { appError, toPublicError } from '../errors.ts';
import { createTRPCRouter, publicProcedure } from '../trpc.ts';
import { createTrpcHandler } from './trpc-handler.ts';

const router = createTRPCRouter({
  plain: publicProcedure.query(() => ({ servers: [{ id: 'a', at: new Date(0) }], nextCursor: null })),
  withInput: publicProcedure
    .input(z.object({ limit: z.number().int().max(100) }).optional())
    .query(({ input }) => ({ limit: input?.limit ?? null })),
  refused: publicProcedure.query(() => {
    throw appError('UNAUTHORIZED', 'Sign in first.');
  }),
  throttled: publicProcedure.query(() => {
    throw appError('TOO_MANY_REQUESTS', 'Slow down.', { retryAfter: 7 });
  }),
  broken: publicProcedure.query(() => {
    throw new Error('a bug');
  }),
  streamLike: publicProcedure.query(() => ({ later: Promise.resolve(1) })),
  change: publicProcedure.mutation(() => 'done'),
});

const requests = [
  '/plain',
  '/plain?input=%7B%7D',
  '/withInput?input=' + encodeURIComponent(JSON.stringify({ json: { limit: 5 } })),
  '/withInput?input=' + encodeURIComponent(JSON.stringify({ json: { limit: 500 } })),
  '/withInput?input=%7Bnot%20json',
  '/withInput',
  '/refused',
  '/throttled',
  '/broken',
  '/streamLike',
  '/change',
  '/nothing',
  '/plain,withInput?batch=1&input=%7B%7D',
  '/%E0%A4%A',
  '/constructor',
];

/** Every answer (status, headers but Date, body) and every onError/responseMeta call, through one handler. */
async function transcript(
  make: (opts: Parameters<typeof createTrpcHandler>[0]) => RequestHandler,
  ctxFails = false,
) {
  const events: unknown[] = [];
  const app = express();
  app.use(
    '/trpc',
    make({
      router,
      createContext: ({ info }) => {
        events.push({ createContext: info.calls.map((c) => c.path) });
        if (ctxFails) throw new Error('no context');
        return {} as never;
      },
      onError: ({ error, path, input, type, ctx }) =>
        events.push({
          onError: { code: error.code, message: error.message, path, input, type, ctx: ctx !== undefined },
        }),
      responseMeta: ({ errors, paths, type, data }) => {
        events.push({ responseMeta: { errors: errors.map((e) => e.code), paths, type, data: data.length } });
        const retryAfter = errors.map((e) => toPublicError(e).retryAfter).find((v) => v !== undefined);
        return { headers: retryAfter !== undefined ? { 'Retry-After': String(retryAfter) } : {} };
      },
    }),
  );
  const server = http.createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const answers = [];
  for (const path of requests) {
    for (const method of ['GET', 'HEAD', 'POST']) {
      answers.push(
        await new Promise((resolve) => {
          const req = http.request(
            {
              host: '127.0.0.1',
              port,
              path: `/trpc${path}`,
              method,
              headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
            },
            (res) => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => (body += chunk));
              res.on('end', () => {
                const headers: string[] = [];
                for (let i = 0; i < res.rawHeaders.length; i += 2)
                  if (res.rawHeaders[i] !== 'Date')
                    headers.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
                resolve({ method, path, status: res.statusCode, headers, body, events: events.splice(0) });
              });
            },
          );
          req.end(method === 'POST' ? '{}' : undefined);
        }),
      );
    }
  }
  server.close();
  return answers;
}

describe('the single-query path at /trpc', () => {
  it("answers as tRPC's express adapter does: status, headers, bytes, onError, responseMeta", async () => {
    const adapter = await transcript((opts) => createExpressMiddleware(opts));
    const ours = await transcript(createTrpcHandler);
    expect(ours).toEqual(adapter);
    // The cases are what they say: a success with a Date, a Retry-After from responseMeta.
    const answers = ours as { body: string; headers: string[] }[];
    expect(answers.some((a) => a.body.includes('"meta":{"values":{"servers.0.at":["Date"]}'))).toBe(true);
    expect(answers.some((a) => a.headers.includes('retry-after: 7'))).toBe(true);
  });

  it('answers a single GET query without building a fetch Request', async () => {
    const Original = globalThis.Request;
    let built = 0;
    globalThis.Request = class extends Original {
      constructor(...args: ConstructorParameters<typeof Request>) {
        super(...args);
        built++;
      }
    };
    try {
      await transcript(createTrpcHandler);
    } finally {
      globalThis.Request = Original;
    }
    // Only what goes to tRPC's adapter builds one: HEAD and POST of each, the batch, the bad path, GET of
    // the mutation, the unknown procedures.
    expect(built).toBe(requests.length * 2 + 5);
  });

  it('answers a context that fails as tRPC does', async () => {
    const adapter = await transcript((opts) => createExpressMiddleware(opts), true);
    const ours = await transcript(createTrpcHandler, true);
    expect(ours).toEqual(adapter);
  });
});
