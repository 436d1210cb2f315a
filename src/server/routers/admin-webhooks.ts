/** The operator's webhook endpoints and their deliveries (administrators only). */
import {
  createdWebhookSchema,
  createWebhookInputSchema,
  listWebhookDeliveriesInputSchema,
  retryWebhookDeliveryInputSchema,
  updateWebhookInputSchema,
  webhookDeliveryListSchema,
  webhookDeliveryResultSchema,
  webhookEndpointListSchema,
  webhookIdInputSchema,
  webhookResultSchema,
} from '../../shared/webhooks.ts';
import {
  createWebhook,
  deleteWebhook,
  listWebhookDeliveries,
  listWebhooks,
  retryWebhookDelivery,
  updateWebhook,
} from '../services/webhooks.ts';
import { adminProcedure, createTRPCRouter } from '../trpc.ts';

const requestInfo = (ctx: { user: { id: string }; requestId: string }) => ({
  userId: ctx.user.id,
  requestId: ctx.requestId,
});

export const adminWebhooksRouter = createTRPCRouter({
  list: adminProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/admin/webhooks',
        operationId: 'adminListWebhooks',
        summary: 'The webhook endpoints, newest first (administrators only)',
        errors: [],
      },
    })
    .output(webhookEndpointListSchema)
    .query(({ ctx }) => listWebhooks(ctx.db)),
  create: adminProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/admin/webhooks',
        operationId: 'adminCreateWebhook',
        summary: 'Register a webhook endpoint; the answer carries its signing secret, shown only then',
        status: 201,
        location: '/admin/webhooks/{endpoint.id}/deliveries',
        errors: [],
      },
    })
    .input(createWebhookInputSchema)
    .output(createdWebhookSchema)
    .mutation(({ ctx, input }) => createWebhook(ctx.db, requestInfo(ctx), input)),
  update: adminProcedure
    .meta({
      rest: {
        method: 'PATCH',
        path: '/admin/webhooks/{id}',
        operationId: 'adminUpdateWebhook',
        summary: "Change a webhook endpoint's URL, events, description, or pause it (active: false)",
        errors: ['NOT_FOUND'],
      },
    })
    .input(updateWebhookInputSchema)
    .output(webhookResultSchema)
    .mutation(({ ctx, input }) => updateWebhook(ctx.db, requestInfo(ctx), input)),
  delete: adminProcedure
    .meta({
      rest: {
        method: 'DELETE',
        path: '/admin/webhooks/{id}',
        operationId: 'adminDeleteWebhook',
        summary: 'Remove a webhook endpoint and its deliveries',
        errors: ['NOT_FOUND'],
      },
    })
    .input(webhookIdInputSchema)
    .output(webhookResultSchema)
    .mutation(({ ctx, input }) => deleteWebhook(ctx.db, requestInfo(ctx), input.id)),
  deliveries: adminProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/admin/webhooks/{id}/deliveries',
        operationId: 'adminListWebhookDeliveries',
        summary: "A webhook endpoint's latest deliveries with their state and response code",
        errors: ['NOT_FOUND'],
      },
    })
    .input(listWebhookDeliveriesInputSchema)
    .output(webhookDeliveryListSchema)
    .query(({ ctx, input }) => listWebhookDeliveries(ctx.db, input)),
  retryDelivery: adminProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/admin/webhooks/deliveries/{id}/retry',
        operationId: 'adminRetryWebhookDelivery',
        summary: 'Send a webhook delivery again now (same event id and body, newly signed)',
        errors: ['NOT_FOUND'],
      },
    })
    .input(retryWebhookDeliveryInputSchema)
    .output(webhookDeliveryResultSchema)
    .mutation(({ ctx, input }) => retryWebhookDelivery(ctx.db, requestInfo(ctx), input.id)),
});
