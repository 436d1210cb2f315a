/**
 * Raw HTTP for the security and fuzz suites: requests go out exactly as written (paths are not
 * normalised, bodies and headers can be anything), over a keep-alive agent, and answers are checked
 * against Keel's two public error shapes.
 */
import http from 'node:http';
import superjson from 'superjson';
import { z } from 'zod';
import { appRouter } from '../../../src/server/routers/root.ts';
import { errorCodes } from '../../../src/shared/errors.ts';

export interface RawRequest {
  method: string;
  /** Sent verbatim: already percent-encoded where that is wanted. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface Sender {
  send(request: RawRequest): Promise<RawResponse>;
  close(): void;
}

export function createSender(baseUrl: string, maxSockets = 16): Sender {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    send: (request) =>
      new Promise((resolve, reject) => {
        const headers: Record<string, string | number> = { ...request.headers };
        if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
        const req = http.request(
          { host: url.hostname, port: url.port, method: request.method, path: request.path, headers, agent },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                text: Buffer.concat(chunks).toString('utf8'),
              }),
            );
          },
        );
        req.on('error', reject);
        if (request.body !== undefined) req.write(request.body);
        req.end();
      }),
    close: () => agent.destroy(),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `{"error":{"code","message","fields"?}}` and nothing else. */
const restErrorSchema = z.strictObject({
  error: z.strictObject({
    code: z.enum(errorCodes),
    message: z.string().min(1),
    fields: z.record(z.string(), z.string()).optional(),
  }),
});

/** What a tRPC error item decodes to (superjson), with Keel's formatter's `data`. */
const trpcErrorSchema = z.object({
  message: z.string().min(1),
  code: z.number().int(),
  data: z.strictObject({
    code: z.string(),
    httpStatus: z.number().int().min(400).max(599),
    path: z.string().optional(),
    appCode: z.enum(errorCodes),
    fields: z.record(z.string(), z.string()).optional(),
    retryAfter: z.number().optional(),
  }),
});

/** Why the body is not a REST error, or null when it is one. */
export function restErrorProblem(text: string): string | null {
  if (/"stack"|\bat .*\.[jt]s:\d+/.test(text)) return 'leaks a stack trace';
  const parsed = restErrorSchema.safeParse(parseJson(text));
  return parsed.success ? null : `not the REST error shape: ${text.slice(0, 200)}`;
}

/** Why the body is not a tRPC error response (single or batch), or null when it is one. */
export function trpcErrorProblem(text: string): string | null {
  if (/"stack"|\bat .*\.[jt]s:\d+/.test(text)) return 'leaks a stack trace';
  const body = parseJson(text);
  const items = Array.isArray(body) ? body : [body];
  if (!items.length) return 'an empty batch';
  let errors = 0;
  for (const item of items) {
    if (item && typeof item === 'object' && 'result' in item) continue;
    const envelope = item as { error?: { json?: unknown; meta?: unknown } } | undefined;
    if (!envelope?.error?.json) return `not a tRPC error envelope: ${text.slice(0, 200)}`;
    const decoded = superjson.deserialize(envelope.error as Parameters<typeof superjson.deserialize>[0]);
    const parsed = trpcErrorSchema.safeParse(decoded);
    if (!parsed.success) return `not the tRPC error shape (${parsed.error.message}): ${text.slice(0, 200)}`;
    errors++;
  }
  return errors ? null : 'a 4xx without any error item';
}

/** Every procedure of the app router, with its kind, so no procedure can be left out of a suite. */
export const trpcProcedures: { path: string; type: 'query' | 'mutation' | 'subscription' }[] = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { type: 'query' | 'mutation' } }>,
).map(([path, procedure]) => ({ path, type: procedure._def.type }));

/** The request a tRPC client would send for one call (superjson, as the dashboard sends it). */
export function trpcRequest(
  path: string,
  type: 'query' | 'mutation' | 'subscription',
  input: unknown,
  headers: Record<string, string> = {},
): RawRequest {
  const encoded = input === undefined ? undefined : JSON.stringify(superjson.serialize(input));
  if (type === 'query') {
    return {
      method: 'GET',
      path: `/trpc/${path}${encoded === undefined ? '' : `?input=${encodeURIComponent(encoded)}`}`,
      headers,
    };
  }
  return {
    method: 'POST',
    path: `/trpc/${path}`,
    headers: { 'content-type': 'application/json', ...headers },
    ...(encoded === undefined ? {} : { body: encoded }),
  };
}

/** Runs `work` over `items` with at most `concurrency` at once, in order of start. */
export async function runPool<T, R>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** "400×12  401×3" */
export function formatCounts(counts: Map<string | number, number>): string {
  return [...counts.entries()]
    .sort(([a], [b]) => String(a).localeCompare(String(b)))
    .map(([k, n]) => `${k}×${n}`)
    .join('  ');
}
