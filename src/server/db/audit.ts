import { auditEvents } from './schema.ts';
import type { Database, Tx } from './client.ts';

export interface AuditEvent {
  kind: string;
  message: string;
  serverId?: string | null;
  actorUserId?: string | null;
  jobId?: number | null;
  pveUpid?: string | null;
  requestId?: string | null;
  data?: Record<string, unknown>;
}

/** The audit_events row of an event. */
function auditRow(event: AuditEvent) {
  return {
    kind: event.kind,
    message: event.message,
    serverId: event.serverId ?? null,
    actorUserId: event.actorUserId ?? null,
    jobId: event.jobId ?? null,
    pveUpid: event.pveUpid ?? null,
    requestId: event.requestId ?? null,
    data: event.data ?? {},
  };
}

/** One row in the audit trail: who did what to which server, through which job and PVE task. */
export async function recordAudit(db: Database | Tx, event: AuditEvent): Promise<void> {
  await db.insert(auditEvents).values(auditRow(event));
}

/**
 * The insert of several events, in their order (ids ascending), for the caller to run on its own or
 * inside another statement (a job's step save writes its step's events in the same statement).
 */
export function auditInsert(db: Database | Tx, events: readonly AuditEvent[]) {
  return db.insert(auditEvents).values(events.map(auditRow));
}

/** Several rows in one statement, in order. */
export async function recordAudits(db: Database | Tx, events: readonly AuditEvent[]): Promise<void> {
  if (events.length) await auditInsert(db, events);
}
