/**
 * When Keel tries again and when it gives up, decided here and nowhere else, at three levels:
 *  - one PVE call: repeated at once (with jittered backoff) only when repeating cannot do the work twice;
 *  - one PVE task: a failed task whose exit status says it may pass fails the attempt, not the job;
 *  - one job attempt: retried later with exponential backoff until `maxAttempts`, unless the failure
 *    is permanent or the job is no longer this worker's.
 * Pure: the callers do the waiting and the writing.
 */
import { PveError } from '../pve/errors.ts';

/** A failure the job cannot recover from by waiting: it ends the job at once. */
export class PermanentJobError extends Error {}

/** The job is no longer ours (cancelled or its lease was taken): stop without writing anything. */
export class LeaseLostError extends Error {}

// -- one PVE call -----------------------------------------------------------------------------------

/** PVE (or the network) refused the write before anything happened, so repeating it is safe. */
function refusedBeforeActing(err: PveError): boolean {
  return (
    err.kind === 'transient' && /connection refused|got no worker upid|can't lock file/i.test(err.message)
  );
}

/**
 * Whether a failed PVE call may be sent again at once. `idempotent` calls (reads, setting a config
 * to the same values) repeat on any transient failure; the others only where PVE refused before acting,
 * since repeating an ambiguous clone or start could do it twice.
 */
export function isRepeatableCall(err: unknown, idempotent: boolean): err is PveError {
  if (!(err instanceof PveError)) return false;
  return idempotent ? err.kind === 'transient' : refusedBeforeActing(err);
}

/** Full jitter: a random wait up to the exponential bound, so many workers do not retry in step. */
export function callBackoffMs(attempt: number, baseMs = 500, capMs = 8000, random = Math.random): number {
  return random() * Math.min(capMs, baseMs * 2 ** attempt);
}

// -- one PVE task -----------------------------------------------------------------------------------

/** Exit statuses of failed tasks that may pass on a later attempt: a lock held or a timeout. */
const transientTaskStatus = /got timeout|can't lock|VM is locked/i;

/** The error for a PVE task that ended in failure: worth a later attempt, or the end of the job. */
export function taskFailure(what: string, exitstatus: string): Error {
  return transientTaskStatus.test(exitstatus)
    ? new PveError(0, `${what} failed: ${exitstatus}`, 'transient')
    : new PermanentJobError(`${what} failed: ${exitstatus}`);
}

// -- one job attempt --------------------------------------------------------------------------------

/** Whether a failed attempt is worth another: PVE trouble that passes, our own database's, and the like. */
export function isRetryableError(err: unknown): boolean {
  if (err instanceof PermanentJobError || err instanceof LeaseLostError) return false;
  if (err instanceof PveError) return err.kind === 'transient' || err.kind === 'locked';
  return true;
}

/** Exponential backoff with jitter: 2 s, 4 s, 8 s … (for the default base) capped at 5 minutes. */
export function retryDelayMs(attempt: number, baseMs = 2000, random = Math.random): number {
  const base = Math.min(300_000, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}

export type AttemptOutcome = { retry: true; delayMs: number } | { retry: false };

/** What follows a failed attempt: another one after a delay, or giving up. */
export function afterFailedAttempt(
  err: unknown,
  attempt: { attempts: number; maxAttempts: number },
  baseMs: number,
): AttemptOutcome {
  return isRetryableError(err) && attempt.attempts < attempt.maxAttempts
    ? { retry: true, delayMs: retryDelayMs(attempt.attempts, baseMs) }
    : { retry: false };
}
