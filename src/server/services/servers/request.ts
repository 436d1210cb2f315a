/** A customer's request to change a server: the job that carries it out and its line in the audit trail. */
import { recordAudit } from '../../db/audit.ts';
import type { Tx } from '../../db/client.ts';
import type { JobKind } from '../../db/schema.ts';
import { enqueueJob } from '../../jobs/queue.ts';

/** Who asked, carried to the job and the audit trail. */
export interface RequestInfo {
  userId: string;
  requestId: string;
}

/** Queues the job and records the request, in the caller's transaction (the one that changed the server). */
export async function queueRequestedJob(
  tx: Tx,
  info: RequestInfo,
  serverId: string,
  kind: JobKind,
  audit: { kind: string; message: string; data?: Record<string, unknown> },
  params?: Record<string, unknown>,
): Promise<number> {
  const jobId = await enqueueJob(tx, {
    serverId,
    kind,
    requestedBy: info.userId,
    requestId: info.requestId,
    ...(params ? { progress: params } : {}),
  });
  await recordAudit(tx, {
    ...audit,
    serverId,
    jobId,
    actorUserId: info.userId,
    requestId: info.requestId,
  });
  return jobId;
}
