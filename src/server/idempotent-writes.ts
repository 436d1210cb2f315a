/**
 * The procedure side of idempotent writes: the middleware behind protectedProcedure and adminProcedure
 * that honours an Idempotency-Key on a mutation. The scheme (claiming a key, what is kept, how long) is
 * db/idempotency.ts's; the header and the OpenAPI text are http/idempotency.ts's.
 */
import type { TRPCError } from '@trpc/server';
import { createMiddlewareFactory, middlewareMarker } from '@trpc/server/unstable-core-do-not-import';
import superjson from 'superjson';
import type { User } from '../shared/api.ts';
import { errorCodes, type ErrorCode } from '../shared/errors.ts';
import type { Database } from './db/client.ts';
import {
  claimIdempotencyKey,
  idempotencyKeyProblem,
  isLockTimeout,
  requestHash,
  storeIdempotentOutcome,
  type StoredOutcome,
} from './db/idempotency.ts';
import { appError, toPublicError } from './errors.ts';
import type { Context, KeelMeta } from './trpc.ts';

/**
 * Errors worth replaying to a retry: the request was understood and the answer decided. Not stored:
 * validation (nothing was done; the caller may fix the body and retry with the key), refusals before
 * the work (sign-in, rights, throttles) and faults, which a retry may well get past.
 */
const notReplayed = new Set<ErrorCode>([
  'VALIDATION_FAILED',
  'UNAUTHORIZED',
  'INVALID_CREDENTIALS',
  'TWO_FACTOR_REQUIRED',
  'FORBIDDEN',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'TOO_MANY_REQUESTS',
  'INTERNAL',
  'UNAVAILABLE',
  'IN_PROGRESS',
  'IDEMPOTENCY_KEY_REUSED',
]);

function replayableError(error: unknown): StoredOutcome | null {
  const { body, unexpected } = toPublicError(error);
  if (unexpected || notReplayed.has(body.error.code)) return null;
  return { outcome: 'error', response: body.error };
}

function replay(stored: StoredOutcome) {
  if (stored.outcome === 'error') {
    const { code, message, fields } = stored.response;
    const known = (errorCodes as readonly string[]).includes(code) ? (code as ErrorCode) : 'CONFLICT';
    throw appError(known, message, fields ? { fields } : {});
  }
  return {
    ok: true as const,
    data: superjson.deserialize(stored.response as unknown as Parameters<typeof superjson.deserialize>[0]),
    marker: middlewareMarker,
  };
}

/** Thrown inside the savepoint so the work rolls back while the key row keeps the error's answer. */
class StoredError extends Error {
  constructor(readonly error: TRPCError) {
    super(error.message);
  }
}

/**
 * Idempotency-Key on writes (db/idempotency.ts explains the scheme). The whole procedure runs on one
 * transaction (`ctx.db` becomes it; the services' own transactions become savepoints), whose first
 * statement claims the key and whose last writes the answer, so the key row commits with the work.
 */
export const idempotentWrites = createMiddlewareFactory<Context, KeelMeta>()(async ({
  ctx,
  type,
  path,
  meta,
  getRawInput,
  next,
}) => {
  const key = ctx.idempotencyKey;
  if (type !== 'mutation' || key === undefined || meta?.idempotent === false) return next();
  const problem = idempotencyKeyProblem(key);
  if (problem)
    throw appError('VALIDATION_FAILED', `Invalid request: Idempotency-Key ${problem}`, {
      fields: { 'Idempotency-Key': problem },
    });
  const user = (ctx as { user?: User }).user!;
  const hash = requestHash(path, await getRawInput());
  const where = { userId: user.id, key };
  try {
    return await ctx.db.transaction(async (tx) => {
      const claim = await claimIdempotencyKey(tx, {
        ...where,
        procedure: path,
        requestHash: hash,
        waitMs: ctx.config.IDEMPOTENCY_WAIT_MS,
      });
      if (claim.kind === 'stored') {
        if (!claim.sameRequest)
          throw appError(
            'IDEMPOTENCY_KEY_REUSED',
            'This Idempotency-Key was used for a different request; send a new key for a new request.',
          );
        if (!claim.stored) throw inProgress();
        ctx.setResponseHeader?.('Idempotent-Replayed', 'true');
        return replay(claim.stored);
      }
      try {
        const result = await tx.transaction(async (work) => {
          const inner = await next({ ctx: { db: work as unknown as Database } });
          if (!inner.ok) {
            if (replayableError(inner.error)) throw new StoredError(inner.error);
            // Not kept: roll the whole request back, key included, and answer the error.
            throw inner.error;
          }
          return inner;
        });
        await storeIdempotentOutcome(tx, where, {
          outcome: 'ok',
          response: superjson.serialize(result.data) as unknown as Record<string, unknown>,
        });
        return result;
      } catch (err) {
        if (!(err instanceof StoredError)) throw err;
        await storeIdempotentOutcome(tx, where, replayableError(err.error)!);
        return { ok: false as const, error: err.error, marker: middlewareMarker };
      }
    });
  } catch (err) {
    if (isLockTimeout(err)) throw inProgress();
    throw err;
  }
});

function inProgress() {
  return appError(
    'IN_PROGRESS',
    'A request with this Idempotency-Key is still being processed; retry in a moment for its answer.',
    { retryAfter: 1 },
  );
}
