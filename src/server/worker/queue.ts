/**
 * The durable job queue in PostgreSQL. Claims use FOR UPDATE SKIP LOCKED so any number of workers can
 * share one database; a claimed job carries a lease that its worker renews, and a job whose lease ran
 * out (its worker died) is claimed again and resumes from its last persisted step.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { serverJobs, type JobKind } from '../db/schema.ts';

export const jobsChannel = 'keel_jobs';

export interface ClaimedJob {
  id: number;
  serverId: string;
  kind: JobKind;
  step: string | null;
  progress: Record<string, unknown>;
  attempts: number;
  maxAttempts: number;
  requestId: string | null;
  requestedBy: string | null;
}

export async function claimJob(db: Database, owner: string, leaseMs: number): Promise<ClaimedJob | null> {
  const rows = await db.execute(sql`
    update ${serverJobs}
       set state = 'running', lease_owner = ${owner},
           lease_expires_at = now() + make_interval(secs => ${leaseMs / 1000}),
           attempts = attempts + 1, updated_at = now()
     where id = (
       select id from ${serverJobs}
        where (state = 'queued' and run_after <= now())
           or (state = 'running' and lease_expires_at < now())
        order by run_after, id
        limit 1
        for update skip locked)
    returning id, server_id, kind, step, progress, attempts, max_attempts, request_id, requested_by`);
  const row =
    (rows as unknown as { rows?: Record<string, unknown>[] }).rows?.[0] ??
    (rows as unknown as Record<string, unknown>[])[0];
  if (!row) return null;
  return {
    id: Number(row.id),
    serverId: String(row.server_id),
    kind: row.kind as JobKind,
    step: (row.step as string | null) ?? null,
    progress: (row.progress as Record<string, unknown>) ?? {},
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    requestId: (row.request_id as string | null) ?? null,
    requestedBy: (row.requested_by as string | null) ?? null,
  };
}

const owned = (jobId: number, owner: string) =>
  and(eq(serverJobs.id, jobId), eq(serverJobs.leaseOwner, owner), eq(serverJobs.state, 'running'));

/** Extends the lease; false when the job is no longer this worker's (cancelled, or its lease was taken). */
export async function renewLease(
  db: Database,
  jobId: number,
  owner: string,
  leaseMs: number,
): Promise<boolean> {
  const rows = await db
    .update(serverJobs)
    .set({ leaseExpiresAt: sql`now() + make_interval(secs => ${leaseMs / 1000})` })
    .where(owned(jobId, owner))
    .returning({ id: serverJobs.id });
  return rows.length > 0;
}

/** Persists a finished step before the next one starts, so a resumed job does not repeat it. */
export async function saveProgress(
  db: Database,
  jobId: number,
  owner: string,
  step: string,
  progress: Record<string, unknown>,
): Promise<boolean> {
  const rows = await db
    .update(serverJobs)
    .set({ step, progress })
    .where(owned(jobId, owner))
    .returning({ id: serverJobs.id });
  return rows.length > 0;
}

export async function completeJob(db: Database | Tx, jobId: number, owner: string): Promise<void> {
  await db
    .update(serverJobs)
    .set({
      state: 'succeeded',
      finishedAt: new Date(),
      leaseOwner: null,
      leaseExpiresAt: null,
      lastError: null,
    })
    .where(owned(jobId, owner));
}

/** Exponential backoff with jitter: 2 s, 4 s, 8 s … (for the default base) capped at 5 minutes. Pure. */
export function retryDelayMs(attempt: number, baseMs = 2000, random = Math.random): number {
  const base = Math.min(300_000, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}

export async function scheduleRetry(
  db: Database,
  jobId: number,
  owner: string,
  error: string,
  delayMs: number,
): Promise<void> {
  await db
    .update(serverJobs)
    .set({
      state: 'queued',
      lastError: error,
      leaseOwner: null,
      leaseExpiresAt: null,
      runAfter: sql`now() + make_interval(secs => ${delayMs / 1000})`,
    })
    .where(owned(jobId, owner));
}

export async function failJob(db: Database | Tx, jobId: number, owner: string, error: string): Promise<void> {
  await db
    .update(serverJobs)
    .set({
      state: 'failed',
      lastError: error,
      finishedAt: new Date(),
      leaseOwner: null,
      leaseExpiresAt: null,
    })
    .where(owned(jobId, owner));
}

/** Gives a job back untouched (graceful shutdown): another worker may claim it at once. */
export async function releaseJob(db: Database, jobId: number, owner: string): Promise<void> {
  await db
    .update(serverJobs)
    .set({
      state: 'queued',
      leaseOwner: null,
      leaseExpiresAt: null,
      attempts: sql`greatest(${serverJobs.attempts} - 1, 0)`,
    })
    .where(owned(jobId, owner));
}

export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/** Wakes listening workers when the transaction that queued a job commits. */
export async function notifyJobQueued(tx: Database | Tx): Promise<void> {
  await tx.execute(sql`select pg_notify(${jobsChannel}, '')`);
}
