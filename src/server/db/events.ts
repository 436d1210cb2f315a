/**
 * Events for the operator's webhooks. `emitEvent` is called inside the transaction of the change it
 * reports, so an event exists exactly when its change committed; it writes one delivery row per
 * subscribed endpoint (the durable queue the worker's webhook loop drains) and wakes that loop.
 */
import { randomUUID } from 'node:crypto';
import { and, arrayContains, eq, sql } from 'drizzle-orm';
import type { Database, Tx } from './client.ts';
import { servers, webhookDeliveries, webhookEndpoints, type WebhookEventType } from './schema.ts';

export const webhooksChannel = 'keel_webhooks';

export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  createdAt: string;
  data: Record<string, unknown>;
}

/** Records `type` with `data` for every active endpoint subscribed to it; returns the event id. */
export async function emitEvent(
  tx: Database | Tx,
  type: WebhookEventType,
  data: Record<string, unknown>,
): Promise<string> {
  const id = randomUUID();
  const endpoints = await tx
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.active, true), arrayContains(webhookEndpoints.events, [type])));
  if (!endpoints.length) return id;
  const event: WebhookEvent = { id, type, createdAt: new Date().toISOString(), data };
  const body = JSON.stringify(event);
  await tx
    .insert(webhookDeliveries)
    .values(endpoints.map((e) => ({ endpointId: e.id, eventId: id, eventType: type, body })));
  await tx.execute(sql`select pg_notify(${webhooksChannel}, '')`);
  return id;
}

/** A server event: the server as the operator sees it, read in the caller's transaction. */
export async function emitServerEvent(
  tx: Database | Tx,
  type: Extract<WebhookEventType, `server.${string}`>,
  serverId: string,
): Promise<string | null> {
  const [server] = await tx
    .select({
      id: servers.id,
      userId: servers.userId,
      name: servers.name,
      status: servers.status,
      statusReason: servers.statusReason,
      planId: servers.planId,
      imageId: servers.imageId,
      locationId: servers.locationId,
      ipAddress: servers.ipAddress,
      pveNode: servers.pveNode,
      pveVmid: servers.pveVmid,
    })
    .from(servers)
    .where(eq(servers.id, serverId))
    .limit(1);
  if (!server) return null;
  return emitEvent(tx, type, { server });
}
