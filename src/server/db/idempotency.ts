/**
 * Idempotency keys: the statements on `idempotency_keys`, and the pure parts they need (which keys are
 * acceptable, what makes two requests the same). The procedure middleware in idempotent-writes.ts
 * drives them.
 *
 * How a keyed write runs: one transaction opens, and its first statement inserts the key's row. A
 * concurrent request with the same key blocks on that insert (the unique index) until the first one
 * commits or rolls back, so exactly one of them does the work; the work runs inside the same
 * transaction and the answer is written to the row before it commits. A crash before the commit
 * leaves nothing (a retry does the work once); after it, the row and the work are both there.
 */
import { createHash } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Tx } from './client.ts';
import { idempotencyKeys } from './schema.ts';

/** How long an answer is kept for retries. */
export const idempotencyKeyTtlHours = 24;

/** Printable ASCII without spaces at the ends, as Stripe and the IETF draft use it; UUIDs fit. */
const keyPattern = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/;

/** What is wrong with a key, or null when it is acceptable. */
export function idempotencyKeyProblem(key: string): string | null {
  return keyPattern.test(key)
    ? null
    : 'must be 1 to 255 printable ASCII characters (a UUID is a good choice)';
}

/** JSON with object keys sorted at every depth, so `{a, b}` and `{b, a}` are the same request. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What a retry must repeat: the same procedure with the same input. */
export function requestHash(procedure: string, input: unknown): string {
  return createHash('sha256').update(procedure).update('\n').update(canonicalJson(input)).digest('hex');
}

export type StoredOutcome =
  | { outcome: 'ok'; response: Record<string, unknown> }
  | { outcome: 'error'; response: { code: string; message: string; fields?: Record<string, string> } };

export type Claim =
  { kind: 'claimed' } | { kind: 'stored'; sameRequest: boolean; stored: StoredOutcome | null };

/** PostgreSQL's lock_not_available: the wait for the other request's transaction ran out. */
export function isLockTimeout(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === '55P03') return true;
  }
  return false;
}

/**
 * Takes the key for this transaction, or reads the answer stored under it. Waits at most `waitMs` for
 * a concurrent request holding the key (then throws PostgreSQL's lock timeout, see `isLockTimeout`).
 * A row older than the TTL is taken over as if it were not there.
 */
export async function claimIdempotencyKey(
  tx: Tx,
  claim: { userId: string; key: string; procedure: string; requestHash: string; waitMs: number },
): Promise<Claim> {
  const expiry = sql`now() - make_interval(hours => ${idempotencyKeyTtlHours})`;
  await tx
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, claim.userId), lt(idempotencyKeys.createdAt, expiry)));
  for (let attempt = 0; ; attempt++) {
    await tx.execute(sql`select set_config('lock_timeout', ${`${claim.waitMs}ms`}, true)`);
    const inserted = await tx
      .insert(idempotencyKeys)
      .values({
        userId: claim.userId,
        key: claim.key,
        procedure: claim.procedure,
        requestHash: claim.requestHash,
      })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    await tx.execute(sql`set local lock_timeout to default`);
    if (inserted.length) return { kind: 'claimed' };
    const [row] = await tx
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.userId, claim.userId), eq(idempotencyKeys.key, claim.key)))
      .limit(1);
    // Gone between the two statements (expired and deleted by another request): try the insert again.
    if (!row && attempt === 0) continue;
    const stored =
      row?.outcome && row.response
        ? ({ outcome: row.outcome, response: row.response } as StoredOutcome)
        : null;
    return { kind: 'stored', sameRequest: row?.requestHash === claim.requestHash, stored };
  }
}

/** Writes the answer under the key claimed in this transaction. */
export async function storeIdempotentOutcome(
  tx: Tx,
  where: { userId: string; key: string },
  stored: StoredOutcome,
): Promise<void> {
  await tx
    .update(idempotencyKeys)
    .set({ outcome: stored.outcome, response: stored.response })
    .where(and(eq(idempotencyKeys.userId, where.userId), eq(idempotencyKeys.key, where.key)));
}
