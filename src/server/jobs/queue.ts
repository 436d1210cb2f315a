/**
 * The durable job queue in PostgreSQL: every statement on `server_jobs` is here, and nowhere else.
 * Services enqueue (in the transaction that changes the server), the worker claims, renews, saves
 * steps and finishes. Claims use FOR UPDATE SKIP LOCKED so any number of workers can share one
 * database; a claimed job carries a lease that its worker renews, and a job whose lease ran out (its
 * worker died) is claimed again and resumes from its last persisted step.
 */
import { and, desc, eq, inArray, lt, lte, ne, notExists, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { auditInsert, type AuditEvent } from '../db/audit.ts';
import { executeRows, type Database, type Tx } from '../db/client.ts';
import { serverJobs, type JobKind } from '../db/schema.ts';

export const jobsChannel = 'keel_jobs';

/** A server has at most one job in these states (a unique index holds it). */
export const activeJobStates = ['queued', 'running'] as const;

const claimedColumns = {
  id: serverJobs.id,
  serverId: serverJobs.serverId,
  kind: serverJobs.kind,
  step: serverJobs.step,
  progress: serverJobs.progress,
  attempts: serverJobs.attempts,
  maxAttempts: serverJobs.maxAttempts,
  requestId: serverJobs.requestId,
  requestedBy: serverJobs.requestedBy,
};

/** What a worker holds while it runs a job. */
export type ClaimedJob = Pick<typeof serverJobs.$inferSelect, keyof typeof claimedColumns>;

const leaseUntil = (leaseMs: number) => sql`now() + make_interval(secs => ${leaseMs / 1000})`;

const owned = (jobId: number, owner: string) =>
  and(eq(serverJobs.id, jobId), eq(serverJobs.leaseOwner, owner), eq(serverJobs.state, 'running'));

// -- services: enqueue and inspect --------------------------------------------------------------------

export interface NewJob {
  serverId: string;
  kind: JobKind;
  requestedBy: string | null;
  requestId: string | null;
  /** What the job needs to know from the start (the image of a reinstall, a snapshot's name, …). */
  progress?: Record<string, unknown>;
}

/** Queues a job in the caller's transaction; listening workers wake when it commits. */
export async function enqueueJob(tx: Database | Tx, job: NewJob): Promise<number> {
  const [row] = await tx.insert(serverJobs).values(job).returning({ id: serverJobs.id });
  await notifyJobQueued(tx);
  return row!.id;
}

/** Wakes listening workers when the transaction that queued a job commits. */
export async function notifyJobQueued(tx: Database | Tx): Promise<void> {
  await tx.execute(sql`select pg_notify(${jobsChannel}, '')`);
}

/** The server's queued or running job, if any: what it is, where it stands, its last attempt's error. */
export async function activeJobOf(db: Database | Tx, serverId: string) {
  const [job] = await db
    .select({
      id: serverJobs.id,
      kind: serverJobs.kind,
      state: serverJobs.state,
      step: serverJobs.step,
      attempts: serverJobs.attempts,
      lastError: serverJobs.lastError,
    })
    .from(serverJobs)
    .where(and(eq(serverJobs.serverId, serverId), inArray(serverJobs.state, activeJobStates)))
    .limit(1);
  return job;
}

/** The persisted progress of every job the server has had: the nodes and VMIDs they placed and made. */
export function jobProgressOf(
  db: Database | Tx,
  serverId: string,
): Promise<{ progress: Record<string, unknown> }[]> {
  return db
    .select({ progress: serverJobs.progress })
    .from(serverJobs)
    .where(eq(serverJobs.serverId, serverId));
}

/** The last job of the server that failed for good, unless a later one (not cancelled) ran after it. */
export async function lastFailedJob(db: Database | Tx, serverId: string) {
  const [last] = await db
    .select({
      kind: serverJobs.kind,
      state: serverJobs.state,
      error: serverJobs.lastError,
      at: serverJobs.finishedAt,
    })
    .from(serverJobs)
    .where(and(eq(serverJobs.serverId, serverId), ne(serverJobs.state, 'cancelled')))
    .orderBy(desc(serverJobs.id))
    .limit(1);
  return last?.state === 'failed' ? last : null;
}

/** `NOT EXISTS (an active job of the server in column serverId)`, for queries over many servers. */
export function hasNoActiveJob(db: Database | Tx, serverId: PgColumn | string): SQL {
  return notExists(
    db
      .select({ one: sql`1` })
      .from(serverJobs)
      .where(and(eq(serverJobs.serverId, serverId), inArray(serverJobs.state, activeJobStates))),
  );
}

/** Ends a job that has not finished because a newer request replaces it. */
export async function cancelJob(tx: Database | Tx, jobId: number, reason: string): Promise<void> {
  await tx
    .update(serverJobs)
    .set({ state: 'cancelled', finishedAt: new Date(), lastError: reason })
    .where(eq(serverJobs.id, jobId));
}

// -- monitoring ----------------------------------------------------------------------------------------

/**
 * What /metrics shows of the queue, in one statement over the claim index's partial range (only
 * queued and running rows), so a scrape costs what the live queue is, not the job history. The age
 * is counted from `run_after`: a job delayed for a retry is not waiting before it is due.
 */
export async function queueStats(
  db: Database,
): Promise<{ queued: number; running: number; oldestQueuedAgeSeconds: number }> {
  const [row] = await db
    .select({
      queued: sql<number>`count(*) filter (where ${serverJobs.state} = 'queued')::int`,
      running: sql<number>`count(*) filter (where ${serverJobs.state} = 'running')::int`,
      oldest: sql<number>`coalesce(extract(epoch from now() - min(${serverJobs.runAfter}) filter (where ${serverJobs.state} = 'queued' and ${serverJobs.runAfter} <= now())), 0)::float8`,
    })
    .from(serverJobs)
    // Spelled as the partial index's predicate, literally: a bound parameter would not prove it.
    .where(sql`${serverJobs.state} in ('queued', 'running')`);
  return {
    queued: Number(row?.queued ?? 0),
    running: Number(row?.running ?? 0),
    oldestQueuedAgeSeconds: Math.max(0, Number(row?.oldest ?? 0)),
  };
}

// -- the worker: claim, hold, finish -------------------------------------------------------------------

export async function claimJob(db: Database, owner: string, leaseMs: number): Promise<ClaimedJob | null> {
  const next = db
    .select({ id: serverJobs.id })
    .from(serverJobs)
    .where(
      or(
        and(eq(serverJobs.state, 'queued'), lte(serverJobs.runAfter, sql`now()`)),
        and(eq(serverJobs.state, 'running'), lt(serverJobs.leaseExpiresAt, sql`now()`)),
      ),
    )
    .orderBy(serverJobs.runAfter, serverJobs.id)
    .limit(1)
    .for('update', { skipLocked: true });
  const [job] = await db
    .update(serverJobs)
    .set({
      state: 'running',
      leaseOwner: owner,
      leaseExpiresAt: leaseUntil(leaseMs),
      attempts: sql`${serverJobs.attempts} + 1`,
      updatedAt: sql`now()`,
    })
    .where(eq(serverJobs.id, next))
    .returning(claimedColumns);
  return job ?? null;
}

/**
 * Extends the leases of the jobs this worker holds, in one statement; answers the ids still its own
 * (a job missing from the answer was cancelled, or its lease was taken).
 */
export async function renewLeases(
  db: Database,
  jobIds: number[],
  owner: string,
  leaseMs: number,
): Promise<Set<number>> {
  const rows = await db
    .update(serverJobs)
    .set({ leaseExpiresAt: leaseUntil(leaseMs) })
    .where(
      and(inArray(serverJobs.id, jobIds), eq(serverJobs.state, 'running'), eq(serverJobs.leaseOwner, owner)),
    )
    .returning({ id: serverJobs.id });
  return new Set(rows.map((r) => r.id));
}

/**
 * Persists a finished step before the next one starts, so a resumed job does not repeat it. The step's
 * audit events, if any, are written by the same statement (in their order, before the step's row is
 * updated; written even when the job is no longer this worker's, as a separate insert would be).
 */
export async function saveProgress(
  db: Database,
  jobId: number,
  owner: string,
  step: string,
  progress: Record<string, unknown>,
  audits: readonly AuditEvent[] = [],
): Promise<boolean> {
  const update = db
    .update(serverJobs)
    .set({ step, progress })
    .where(owned(jobId, owner))
    .returning({ id: serverJobs.id });
  if (audits.length === 0) return (await update).length > 0;
  const rows = await executeRows<{ id: number }>(
    db,
    sql`with step_audit as (${auditInsert(db, audits).getSQL()}) ${update.getSQL()}`,
  );
  return rows.length > 0;
}

/** Marks the job done; false (and nothing written) when it is no longer this worker's. */
export async function completeJob(db: Database | Tx, jobId: number, owner: string): Promise<boolean> {
  const rows = await db
    .update(serverJobs)
    .set({
      state: 'succeeded',
      finishedAt: new Date(),
      leaseOwner: null,
      leaseExpiresAt: null,
      lastError: null,
    })
    .where(owned(jobId, owner))
    .returning({ id: serverJobs.id });
  return rows.length > 0;
}

/** Marks the job failed for good; false (and nothing written) when it is no longer this worker's. */
export async function failJob(
  db: Database | Tx,
  jobId: number,
  owner: string,
  error: string,
): Promise<boolean> {
  const rows = await db
    .update(serverJobs)
    .set({
      state: 'failed',
      lastError: error,
      finishedAt: new Date(),
      leaseOwner: null,
      leaseExpiresAt: null,
    })
    .where(owned(jobId, owner))
    .returning({ id: serverJobs.id });
  return rows.length > 0;
}

/** Queues the job again after `delayMs`, keeping its attempts and its last persisted step. */
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

/** Removes keys from a job's progress (a password hash once it has done its work), whoever holds it. */
export async function dropProgressKeys(
  db: Database | Tx,
  jobId: number,
  keys: readonly string[],
): Promise<void> {
  let progress = sql`${serverJobs.progress}`;
  for (const key of keys) progress = sql`(${progress}) - ${key}::text`;
  await db.update(serverJobs).set({ progress }).where(eq(serverJobs.id, jobId));
}
