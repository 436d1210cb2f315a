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

/** One row in the audit trail: who did what to which server, through which job and PVE task. */
export async function recordAudit(db: Database | Tx, event: AuditEvent): Promise<void> {
  await db.insert(auditEvents).values({
    kind: event.kind,
    message: event.message,
    serverId: event.serverId ?? null,
    actorUserId: event.actorUserId ?? null,
    jobId: event.jobId ?? null,
    pveUpid: event.pveUpid ?? null,
    requestId: event.requestId ?? null,
    data: event.data ?? {},
  });
}
