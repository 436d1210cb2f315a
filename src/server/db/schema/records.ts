/** What Keel records around its work: the audit trail, idempotency keys, webhooks, web console sessions. */
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { webhookEventTypes } from '../../../shared/webhooks.ts';
import { active, createdAt, jsonObject, serialId, timestamptz, updatedAt, uuidId } from './columns.ts';
import { ownedBy, users } from './accounts.ts';
import { servers } from './servers.ts';

export const auditEvents = pgTable(
  'audit_events',
  {
    id: serialId(),
    at: timestamptz('at').notNull().defaultNow(),
    kind: text('kind').notNull(),
    message: text('message').notNull(),
    actorUserId: uuid('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    serverId: uuid('server_id').references(() => servers.id, { onDelete: 'cascade' }),
    jobId: integer('job_id'),
    pveUpid: text('pve_upid'),
    requestId: text('request_id'),
    data: jsonObject('data'),
  },
  (t) => [
    index('audit_events_server_at_idx').on(t.serverId, t.at),
    // The operators' audit view filters by actor and by kind, newest (highest id) first.
    index('audit_events_actor_id_idx').on(t.actorUserId, t.id),
    index('audit_events_kind_id_idx').on(t.kind, t.id),
  ],
);

// Idempotency, webhooks, two-factor sign-in -------------------------------------------------------

/**
 * The first answer to a write sent with an `Idempotency-Key`, per user, kept 24 hours. The row is
 * inserted in the same transaction as the write it answers, so it exists exactly when the write
 * committed; a retry with the key finds it and gets the stored answer instead of doing the work again.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: ownedBy('cascade'),
    key: text('key').notNull(),
    /** The tRPC procedure (`servers.create`): one key names one request, whichever transport sent it. */
    procedure: text('procedure').notNull(),
    /** SHA-256 of the procedure and its input, canonical JSON: a retry must send the same request. */
    requestHash: text('request_hash').notNull(),
    /** `ok` with the output, or `error` with the public error; null only while the request runs. */
    outcome: text('outcome', { enum: ['ok', 'error'] }),
    /** The output as superjson serialises it, or `{code, message, fields?}`. */
    response: jsonb('response').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('idempotency_keys_user_key').on(t.userId, t.key),
    index('idempotency_keys_created_idx').on(t.createdAt),
  ],
);

export type WebhookEventType = (typeof webhookEventTypes)[number];
export { webhookEventTypes };

/** Where the operator wants events sent. The secret signs each delivery; it is shown once, at creation. */
export const webhookEndpoints = pgTable('webhook_endpoints', {
  id: uuidId(),
  url: text('url').notNull(),
  description: text('description').notNull().default(''),
  /** The event types sent here. */
  events: text('events', { enum: webhookEventTypes }).array().notNull(),
  secret: text('secret').notNull(),
  active: active(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const webhookDeliveryStates = ['pending', 'delivered', 'failed'] as const;

/**
 * One event for one endpoint, and the durable queue of its delivery: written in the transaction of the
 * change it reports (db/events.ts), claimed by the worker's webhook loop, retried with backoff. The
 * body is fixed at the event, so every attempt sends the same bytes under the same event id.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: serialId(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id').notNull(),
    eventType: text('event_type', { enum: webhookEventTypes }).notNull(),
    body: text('body').notNull(),
    state: text('state', { enum: webhookDeliveryStates }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** When the next attempt is due; while one runs, the end of its lease. */
    nextAttemptAt: timestamptz('next_attempt_at').notNull().defaultNow(),
    lastAttemptAt: timestamptz('last_attempt_at'),
    /** The receiver's HTTP status of the last attempt; null when it did not answer. */
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    deliveredAt: timestamptz('delivered_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('webhook_deliveries_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.state} = 'pending'`),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.id),
  ],
);

// -- web console ---------------------------------------------------------------------------------------

/**
 * One web console: issued as a one-time ticket (kept as its SHA-256 only), opened when the browser's
 * WebSocket presents it, closed when it ends or a newer console of the same user and server replaces it.
 * `authSession` is the sign-in (refresh-token family) that asked for it: the console ends with it.
 */
export const consoleSessions = pgTable(
  'console_sessions',
  {
    id: uuidId(),
    userId: ownedBy('cascade'),
    serverId: uuid('server_id')
      .notNull()
      .references(() => servers.id, { onDelete: 'cascade' }),
    authSession: uuid('auth_session'),
    ticketHash: text('ticket_hash').notNull().unique(),
    expiresAt: timestamptz('expires_at').notNull(),
    openedAt: timestamptz('opened_at'),
    closedAt: timestamptz('closed_at'),
    closeReason: text('close_reason'),
    createdAt: createdAt(),
  },
  (t) => [
    index('console_sessions_open_idx')
      .on(t.userId, t.serverId)
      .where(sql`${t.openedAt} is not null and ${t.closedAt} is null`),
  ],
);
