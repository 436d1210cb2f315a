/** The administrators' side of the API contract: views across customers. */
import { z } from 'zod';
import {
  idSchema,
  listServersInputSchema,
  nextCursorSchema,
  pageCursorSchema,
  pageLimitSchema,
  serverEventSchema,
  serverIdInputSchema,
  serverSchema,
  withoutNul,
} from './api.ts';
import { adminServerActions, serverStatuses } from './server-status.ts';

export const adminServerSchema = serverSchema
  .extend({ owner: z.object({ id: z.string(), email: z.string() }) })
  .meta({ id: 'AdminServer' });
export type AdminServer = z.infer<typeof adminServerSchema>;

export const adminServerListSchema = z
  .object({ servers: z.array(adminServerSchema), nextCursor: nextCursorSchema })
  .meta({ id: 'AdminServerList' });

// -- servers -------------------------------------------------------------------------------------------

export const adminListServersInputSchema = listServersInputSchema
  .extend({
    status: z.enum(serverStatuses, { error: `must be one of ${serverStatuses.join(', ')}` }).optional(),
    userId: idSchema.optional().describe("Only this customer's servers"),
    locationId: idSchema.optional(),
    node: withoutNul(z.string().trim().min(1).max(64, { error: 'must be at most 64 characters' })).optional(),
    query: withoutNul(z.string().trim().max(200, { error: 'must be at most 200 characters' }))
      .optional()
      .describe("Part of the server's name, address or id, or of its owner's email or name"),
  })
  .meta({ id: 'AdminListServersQuery' });
export type AdminListServersInput = z.infer<typeof adminListServersInputSchema>;

const personSchema = z.object({ id: idSchema, email: z.string() });

export const adminServerDetailSchema = adminServerSchema
  .extend({
    owner: personSchema.extend({ name: z.string() }),
    node: z.string().nullable().describe('The Proxmox VE node of its VM'),
    vmid: z.number().int().nullable().describe('The VMID of its VM'),
    clusterId: idSchema
      .nullable()
      .describe('The cluster its VM lives on (GET /api/admin/clusters); null: the default one'),
    suspension: z
      .object({
        at: z.date(),
        by: personSchema.nullable(),
        reason: z.string().nullable(),
        restore: z.enum(['running', 'stopped']).nullable().describe('The power state unsuspend returns to'),
      })
      .nullable(),
    job: z
      .object({
        id: z.number().int(),
        kind: z.string(),
        state: z.string(),
        step: z.string().nullable(),
        attempts: z.number().int(),
        lastError: z.string().nullable(),
      })
      .nullable()
      .describe('The queued or running job, if any'),
    lastFailure: z
      .object({ kind: z.string(), error: z.string().nullable(), at: z.date().nullable() })
      .nullable()
      .describe('The last job that failed for good: what `retry` repeats'),
  })
  .meta({ id: 'AdminServerDetail' });
export type AdminServerDetail = z.infer<typeof adminServerDetailSchema>;

export const adminServerResultSchema = z
  .object({ server: adminServerDetailSchema, events: z.array(serverEventSchema) })
  .meta({ id: 'AdminServerResponse' });
export type AdminServerResult = z.infer<typeof adminServerResultSchema>;

export const adminActOnServerInputSchema = serverIdInputSchema
  .extend({
    action: z.enum(adminServerActions, { error: `must be one of ${adminServerActions.join(', ')}` }),
    reason: withoutNul(z.string().trim().max(500, { error: 'must be at most 500 characters' }))
      .optional()
      .describe('Why (for suspend: shown to the customer); kept in the audit log'),
  })
  .meta({ id: 'AdminServerActionRequest' });

// -- audit ---------------------------------------------------------------------------------------------

const timestampInput = z.union([
  z.date(),
  z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 timestamp, e.g. 2026-01-31T12:00:00Z' })
    .transform((v) => new Date(v)),
]);

export const adminAuditInputSchema = z
  .strictObject({
    userId: idSchema.optional().describe("Events on this customer's servers, or about the user"),
    serverId: idSchema.optional(),
    actorId: idSchema.optional().describe('Events this user caused'),
    kind: z
      .string()
      .trim()
      .regex(/^[a-z0-9_.]+\*?$/, {
        error: 'must be an event kind like server.suspend, or a prefix ending in *',
      })
      .max(100, { error: 'must be at most 100 characters' })
      .optional(),
    before: timestampInput.optional().describe('Only events before this time'),
    cursor: pageCursorSchema,
    limit: pageLimitSchema,
  })
  .meta({ id: 'AdminAuditQuery' });
export type AdminAuditInput = z.infer<typeof adminAuditInputSchema>;

export const auditEventSchema = z
  .object({
    id: z.number().int(),
    at: z.date(),
    kind: z.string(),
    message: z.string(),
    data: z.record(z.string(), z.unknown()),
    actor: personSchema.nullable().describe('Who did it; null for Keel itself (the worker, reconciliation)'),
    server: z.object({ id: idSchema, name: z.string() }).nullable(),
    owner: personSchema.nullable().describe("The server's owner"),
    jobId: z.number().int().nullable(),
    pveUpid: z.string().nullable(),
    requestId: z.string().nullable(),
  })
  .meta({ id: 'AuditEvent' });
export type AuditEventView = z.infer<typeof auditEventSchema>;

export const auditListSchema = z
  .object({ events: z.array(auditEventSchema), nextCursor: nextCursorSchema })
  .meta({ id: 'AuditEventList' });
