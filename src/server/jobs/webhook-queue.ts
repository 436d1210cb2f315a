/**
 * The webhook deliveries queue (`webhook_deliveries`): every statement on it. Its own table and its
 * own loop, apart from server_jobs, so a slow or dead receiver never holds a provisioning slot.
 */
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Database, Tx } from '../db/client.ts';
import { executeRows } from '../db/client.ts';
import { webhooksChannel } from '../db/events.ts';
import { webhookDeliveries } from '../db/schema.ts';

export interface ClaimedDelivery {
  id: number;
  attempts: number;
  eventId: string;
  eventType: string;
  body: string;
  url: string;
  secret: string;
}

/**
 * Claims up to `limit` due deliveries: each one's attempt count goes up and its next attempt moves a
 * lease ahead, so a worker that dies mid-attempt leaves it to be tried again after the lease.
 */
export async function claimDeliveries(
  db: Database,
  limit: number,
  leaseMs: number,
): Promise<ClaimedDelivery[]> {
  return executeRows<ClaimedDelivery>(
    db,
    sql`
      with due as (
        select d.id from webhook_deliveries d
        where d.state = 'pending' and d.next_attempt_at <= now()
        order by d.next_attempt_at
        limit ${limit}
        for update skip locked
      )
      update webhook_deliveries d
      set attempts = d.attempts + 1,
          next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}),
          last_attempt_at = now()
      from due, webhook_endpoints e
      where d.id = due.id and e.id = d.endpoint_id
      returning d.id, d.attempts, d.event_id as "eventId", d.event_type as "eventType", d.body,
                e.url, e.secret`,
  );
}

export type DeliveryOutcome =
  | { state: 'delivered'; statusCode: number }
  | { state: 'pending'; retryInMs: number; statusCode: number | null; error: string | null }
  | { state: 'failed'; statusCode: number | null; error: string | null };

/** Writes an attempt's outcome, if the delivery is still at that attempt (a retry-now may have reset it). */
export async function recordAttempt(
  db: Database,
  delivery: { id: number; attempts: number },
  outcome: DeliveryOutcome,
): Promise<void> {
  const where = and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.attempts, delivery.attempts));
  if (outcome.state === 'delivered') {
    await db
      .update(webhookDeliveries)
      .set({
        state: 'delivered',
        lastStatusCode: outcome.statusCode,
        lastError: null,
        deliveredAt: sql`now()`,
      })
      .where(where);
    return;
  }
  await db
    .update(webhookDeliveries)
    .set({
      state: outcome.state,
      lastStatusCode: outcome.statusCode,
      lastError: outcome.error,
      ...(outcome.state === 'pending'
        ? { nextAttemptAt: sql`now() + make_interval(secs => ${outcome.retryInMs / 1000})` }
        : {}),
    })
    .where(where);
}

/** Due at once again (the operator's "retry now"), whatever its state; the attempt count goes on. */
export async function retryDeliveryNow(tx: Database | Tx, id: number) {
  const [row] = await tx
    .update(webhookDeliveries)
    .set({ state: 'pending', nextAttemptAt: sql`now()` })
    .where(eq(webhookDeliveries.id, id))
    .returning();
  if (row) await tx.execute(sql`select pg_notify(${webhooksChannel}, '')`);
  return row;
}

/** An endpoint's deliveries, newest first. */
export async function listDeliveries(db: Database, endpointId: string, limit: number, before?: number) {
  return db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.endpointId, endpointId),
        before === undefined ? undefined : lt(webhookDeliveries.id, before),
      ),
    )
    .orderBy(desc(webhookDeliveries.id))
    .limit(limit);
}

/** Pending deliveries and the age of the oldest, for /metrics. */
export async function deliveryBacklog(db: Database) {
  const [row] = await db
    .select({
      pending: sql<number>`count(*)::int`,
      oldestS: sql<number | null>`extract(epoch from now() - min(${webhookDeliveries.createdAt}))::float8`,
    })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.state, 'pending'));
  return row ?? { pending: 0, oldestS: null };
}
