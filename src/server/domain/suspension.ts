/**
 * An operator's decisions on a server, pure: when a server may be suspended and what power state it
 * returns to when the suspension is lifted, what "retry" repeats for a server in `error`, and when an
 * operator may terminate. The services lock the row, ask here, and write what these answer.
 */
import type { JobKind } from '../db/schema.ts';
import type { ServerStatus } from '../../shared/server-status.ts';

/** The power state a suspended server goes back to when it is unsuspended. */
export type PowerState = 'running' | 'stopped';

/** Jobs a suspension may cut short: the VM is stopped by the suspension anyway. */
const supersededBySuspension: readonly JobKind[] = ['start', 'shutdown', 'stop', 'reboot'];

export type SuspendDecision =
  | {
      ok: true;
      /**
       * The power state to restore on unsuspend, when the status says it; null for a server in `error`,
       * whose VM may be either: the suspend job records what it finds.
       */
      restore: PowerState | null;
      /** The active job to cancel first, if any. */
      cancelJob: boolean;
    }
  | { ok: false; reason: string };

/**
 * Whether a server in `status`, with an active job of `activeJob` (or none), may be suspended. A
 * power action under way is superseded and the state it was heading for is the one restored later
 * (the customer asked for it); provisioning and termination own the VM until they end.
 */
export function suspendDecision(status: ServerStatus, activeJob: JobKind | null): SuspendDecision {
  if (status === 'suspended') return { ok: false, reason: 'This server is already suspended.' };
  if (status === 'provisioning')
    return { ok: false, reason: 'This server is still being provisioned; suspend it once it is running.' };
  if (status === 'terminating' || status === 'terminated')
    return { ok: false, reason: `This server is ${status}; there is nothing to suspend.` };
  if (status === 'reinstalling' || status === 'resizing')
    return { ok: false, reason: `This server is ${status}; suspend it once that has ended.` };
  const cancelJob = activeJob !== null;
  if (activeJob !== null && !supersededBySuspension.includes(activeJob))
    return { ok: false, reason: `Another operation (${activeJob}) is still in progress on this server.` };
  const restore: Record<
    Exclude<
      ServerStatus,
      'suspended' | 'provisioning' | 'terminating' | 'terminated' | 'reinstalling' | 'resizing'
    >,
    PowerState | null
  > = {
    running: 'running',
    starting: 'running',
    rebooting: 'running',
    stopped: 'stopped',
    stopping: 'stopped',
    error: null,
  };
  return { ok: true, restore: restore[status], cancelJob };
}

export type UnsuspendDecision =
  | { ok: true; status: 'starting'; job: 'start' }
  | { ok: true; status: 'stopped'; job: null }
  | { ok: false; reason: string };

/**
 * Lifting a suspension: back to the power state the server had when it was suspended. A server whose
 * earlier state was never learned (suspended from `error`, VM not found running) comes back stopped.
 */
export function unsuspendDecision(
  status: ServerStatus,
  restore: PowerState | null,
  activeJob: JobKind | null,
): UnsuspendDecision {
  if (status !== 'suspended') return { ok: false, reason: `This server is ${status}, not suspended.` };
  if (activeJob !== null)
    return {
      ok: false,
      reason: `The suspension is still being carried out (${activeJob}); unsuspend once the VM has stopped.`,
    };
  return restore === 'running'
    ? { ok: true, status: 'starting', job: 'start' }
    : { ok: true, status: 'stopped', job: null };
}

export type RetryDecision = { ok: true; status: ServerStatus; job: JobKind } | { ok: false; reason: string };

const statusWhileRetrying: Partial<Record<JobKind, ServerStatus>> = {
  provision: 'provisioning',
  start: 'starting',
  shutdown: 'stopping',
  stop: 'stopping',
  reboot: 'rebooting',
  terminate: 'terminating',
};

/** "Retry" on a server in `error`: the operation that failed, queued again from its start. */
export function retryDecision(status: ServerStatus, failedJob: JobKind | null): RetryDecision {
  if (status !== 'error')
    return { ok: false, reason: `Only a server in error can be retried; this one is ${status}.` };
  const next = failedJob ? statusWhileRetrying[failedJob] : undefined;
  if (!failedJob || !next)
    return {
      ok: false,
      reason:
        'No failed operation to repeat: this server went to error outside a job (its VM was found gone). Start or terminate it instead.',
    };
  return { ok: true, status: next, job: failedJob };
}

/** Jobs an operator's termination cuts short; provisioning must end first (it may be creating the VM). */
const supersededByTermination: readonly JobKind[] = [
  'start',
  'shutdown',
  'stop',
  'reboot',
  'suspend',
  'enforce_suspension',
];

export type TerminateDecision = { ok: true; cancelJob: boolean } | { ok: false; reason: string };

/** An operator may terminate any settled server, a suspended one included, cutting short a power job. */
export function adminTerminateDecision(status: ServerStatus, activeJob: JobKind | null): TerminateDecision {
  if (status === 'terminating' || status === 'terminated')
    return { ok: false, reason: `This server is already ${status}.` };
  if (status === 'provisioning' || activeJob === 'provision')
    return { ok: false, reason: 'This server is still being provisioned; terminate it once that has ended.' };
  if (activeJob !== null && !supersededByTermination.includes(activeJob))
    return { ok: false, reason: `Another operation (${activeJob}) is still in progress on this server.` };
  return { ok: true, cancelJob: activeJob !== null };
}
