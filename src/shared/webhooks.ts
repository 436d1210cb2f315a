/** The webhooks part of the API contract: the operator's endpoints, their deliveries, the events. */
import { z } from 'zod';
import { idSchema, withoutNul } from './api.ts';

export const webhookEventTypes = [
  'server.created',
  'server.running',
  'server.error',
  'server.suspended',
  'server.unsuspended',
  'server.terminated',
  'user.created',
  'user.disabled',
] as const;
export type WebhookEventTypeName = (typeof webhookEventTypes)[number];

const eventTypeSchema = z.enum(webhookEventTypes, {
  error: `must be one of ${webhookEventTypes.join(', ')}`,
});

const webhookUrlSchema = z
  .string()
  .trim()
  .max(2000, { error: 'must be at most 2000 characters' })
  .refine(
    (v) => {
      try {
        const url = new URL(v);
        return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
      } catch {
        return false;
      }
    },
    { error: 'must be an http:// or https:// URL without credentials in it' },
  );

const eventsSchema = z
  .array(eventTypeSchema)
  .min(1, { error: 'must name at least one event' })
  .max(webhookEventTypes.length)
  .refine((events) => new Set(events).size === events.length, { error: 'must not repeat an event' });

const descriptionSchema = withoutNul(z.string().trim().max(200, { error: 'must be at most 200 characters' }));

export const webhookEndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    events: z.array(eventTypeSchema),
    active: z.boolean(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'WebhookEndpoint' });
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

export const webhookEndpointListSchema = z
  .object({ endpoints: z.array(webhookEndpointSchema) })
  .meta({ id: 'WebhookEndpointList' });

export const createWebhookInputSchema = z
  .object({
    url: webhookUrlSchema,
    events: eventsSchema,
    description: descriptionSchema.optional(),
    active: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'CreateWebhookInput' });
export type CreateWebhookInput = z.infer<typeof createWebhookInputSchema>;

export const createdWebhookSchema = z
  .object({
    endpoint: webhookEndpointSchema,
    secret: z
      .string()
      .describe('Signs every delivery (X-Keel-Signature). Shown only in this answer; keep it.'),
  })
  .meta({ id: 'CreatedWebhook' });

export const webhookResultSchema = z
  .object({ endpoint: webhookEndpointSchema })
  .meta({ id: 'WebhookResult' });

export const updateWebhookInputSchema = z
  .object({
    id: idSchema,
    url: webhookUrlSchema.optional(),
    events: eventsSchema.optional(),
    description: descriptionSchema.optional(),
    active: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'UpdateWebhookInput' });
export type UpdateWebhookInput = z.infer<typeof updateWebhookInputSchema>;

export const webhookIdInputSchema = z.object({ id: idSchema }).strict();

export const listWebhookDeliveriesInputSchema = z
  .object({
    id: idSchema,
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be between 1 and 100' })
      .max(100, { error: 'must be between 1 and 100' })
      .default(50),
  })
  .strict();

export const webhookDeliverySchema = z
  .object({
    id: z.number(),
    endpointId: z.string(),
    eventId: z.string().describe('The same on every attempt: receivers de-duplicate on it'),
    eventType: eventTypeSchema,
    state: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number(),
    lastStatusCode: z.number().nullable(),
    lastError: z.string().nullable(),
    lastAttemptAt: z.date().nullable(),
    nextAttemptAt: z.date().nullable().describe('When the next attempt is due; null unless pending'),
    deliveredAt: z.date().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

export const webhookDeliveryListSchema = z
  .object({ deliveries: z.array(webhookDeliverySchema) })
  .meta({ id: 'WebhookDeliveryList' });

export const retryWebhookDeliveryInputSchema = z
  .object({
    id: z.coerce
      .number({ error: 'must be a delivery id' })
      .int({ error: 'must be a delivery id' })
      .positive({ error: 'must be a delivery id' })
      .max(2 ** 53, { error: 'must be a delivery id' }),
  })
  .strict();

export const webhookDeliveryResultSchema = z
  .object({ delivery: webhookDeliverySchema })
  .meta({ id: 'WebhookDeliveryResult' });
