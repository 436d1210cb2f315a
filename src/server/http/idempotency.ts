/**
 * The HTTP side of idempotent writes: the header a client sends, how the OpenAPI document describes
 * it, and which routes honour it. The scheme itself is in db/idempotency.ts and the procedure
 * middleware in idempotent-writes.ts, so REST and tRPC requests share one store: a key sent over
 * either transport names the same request.
 */
import type { Request } from 'express';
import { idempotencyKeyTtlHours } from '../db/idempotency.ts';
import type { ErrorCode } from '../../shared/errors.ts';

export const idempotencyKeyHeader = 'Idempotency-Key';

/** The header's value, if sent (repeated headers are joined, and then refused as malformed). */
export function idempotencyKeyOf(req: Request): string | undefined {
  const value = req.headers['idempotency-key'];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The errors a route that honours the key can answer because of it. */
export const idempotencyErrors: readonly ErrorCode[] = ['IDEMPOTENCY_KEY_REUSED', 'IN_PROGRESS'];

/** Every signed-in write honours the key; sign-in and refresh do not (their answers are fresh secrets). */
export function honoursIdempotencyKey(route: { type: 'query' | 'mutation'; auth: boolean }): boolean {
  return route.type === 'mutation' && route.auth;
}

export const idempotencyKeyParameter = {
  name: idempotencyKeyHeader,
  in: 'header',
  required: false,
  description:
    `Makes the request safe to retry: the first answer is kept for ${idempotencyKeyTtlHours} hours per user, ` +
    'and a retry with the same key and the same request gets that answer again (same status, same ids, ' +
    'header `Idempotent-Replayed: true`) without the work being done twice. The same key with a different ' +
    'request answers 422 IDEMPOTENCY_KEY_REUSED; while the first request still runs a retry waits briefly, ' +
    'then answers 409 IN_PROGRESS (Retry-After). Validation errors and faults are not kept. A UUID is a good key.',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
} as const;
