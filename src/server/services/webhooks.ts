/**
 * The operator's webhook endpoints: register, change, remove, read their deliveries, retry one now.
 * Every change is audited; the signing secret is made here and answered once, at creation.
 */
import { randomBytes } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import type {
  CreateWebhookInput,
  UpdateWebhookInput,
  WebhookDelivery,
  WebhookEndpoint,
} from '../../shared/webhooks.ts';
import { recordAudit } from '../db/audit.ts';
import type { Database } from '../db/client.ts';
import type { webhookDeliveries } from '../db/schema.ts';
import { webhookEndpoints } from '../db/schema.ts';
import { appError } from '../errors.ts';
import { listDeliveries, retryDeliveryNow } from '../jobs/webhook-queue.ts';
import type { RequestInfo } from './servers/request.ts';

const endpointColumns = {
  id: webhookEndpoints.id,
  url: webhookEndpoints.url,
  description: webhookEndpoints.description,
  events: webhookEndpoints.events,
  active: webhookEndpoints.active,
  createdAt: webhookEndpoints.createdAt,
  updatedAt: webhookEndpoints.updatedAt,
};

const notFound = () => appError('NOT_FOUND', 'No webhook endpoint with this id.');

function deliveryView(row: typeof webhookDeliveries.$inferSelect): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpointId,
    eventId: row.eventId,
    eventType: row.eventType,
    state: row.state,
    attempts: row.attempts,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    lastAttemptAt: row.lastAttemptAt,
    nextAttemptAt: row.state === 'pending' ? row.nextAttemptAt : null,
    deliveredAt: row.deliveredAt,
    createdAt: row.createdAt,
  };
}

export async function listWebhooks(db: Database): Promise<{ endpoints: WebhookEndpoint[] }> {
  const endpoints = await db
    .select(endpointColumns)
    .from(webhookEndpoints)
    .orderBy(desc(webhookEndpoints.createdAt));
  return { endpoints };
}

export async function createWebhook(
  db: Database,
  info: RequestInfo,
  input: CreateWebhookInput,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  return db.transaction(async (tx) => {
    const [endpoint] = await tx
      .insert(webhookEndpoints)
      .values({
        url: input.url,
        events: input.events,
        description: input.description ?? '',
        active: input.active ?? true,
        secret,
      })
      .returning(endpointColumns);
    await recordAudit(tx, {
      kind: 'webhook.create',
      message: `Webhook endpoint ${input.url} registered for ${input.events.join(', ')}`,
      actorUserId: info.userId,
      requestId: info.requestId,
      data: { endpointId: endpoint!.id, url: input.url, events: input.events },
    });
    return { endpoint: endpoint!, secret };
  });
}

export async function updateWebhook(
  db: Database,
  info: RequestInfo,
  input: UpdateWebhookInput,
): Promise<{ endpoint: WebhookEndpoint }> {
  const { id, ...patch } = input;
  return db.transaction(async (tx) => {
    const [endpoint] = await tx
      .update(webhookEndpoints)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(webhookEndpoints.id, id))
      .returning(endpointColumns);
    if (!endpoint) throw notFound();
    await recordAudit(tx, {
      kind: 'webhook.update',
      message: `Webhook endpoint ${endpoint.url} changed (${Object.keys(patch).join(', ') || 'nothing'})`,
      actorUserId: info.userId,
      requestId: info.requestId,
      data: { endpointId: id, ...patch },
    });
    return { endpoint };
  });
}

export async function deleteWebhook(
  db: Database,
  info: RequestInfo,
  id: string,
): Promise<{ endpoint: WebhookEndpoint }> {
  return db.transaction(async (tx) => {
    const [endpoint] = await tx
      .delete(webhookEndpoints)
      .where(eq(webhookEndpoints.id, id))
      .returning(endpointColumns);
    if (!endpoint) throw notFound();
    await recordAudit(tx, {
      kind: 'webhook.delete',
      message: `Webhook endpoint ${endpoint.url} removed, with its deliveries`,
      actorUserId: info.userId,
      requestId: info.requestId,
      data: { endpointId: id, url: endpoint.url },
    });
    return { endpoint };
  });
}

export async function listWebhookDeliveries(
  db: Database,
  input: { id: string; limit: number },
): Promise<{ deliveries: WebhookDelivery[] }> {
  const [endpoint] = await db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.id, input.id));
  if (!endpoint) throw notFound();
  const rows = await listDeliveries(db, input.id, input.limit);
  return { deliveries: rows.map(deliveryView) };
}

export async function retryWebhookDelivery(
  db: Database,
  info: RequestInfo,
  id: number,
): Promise<{ delivery: WebhookDelivery }> {
  return db.transaction(async (tx) => {
    const row = await retryDeliveryNow(tx, id);
    if (!row) throw appError('NOT_FOUND', 'No webhook delivery with this id.');
    await recordAudit(tx, {
      kind: 'webhook.retry',
      message: `Webhook delivery ${id} (${row.eventType}) queued to be sent again now`,
      actorUserId: info.userId,
      requestId: info.requestId,
      data: { deliveryId: id, endpointId: row.endpointId, eventId: row.eventId },
    });
    return { delivery: deliveryView(row) };
  });
}
