import { describe, expect, it } from 'vitest';
import type { JobKind } from '../db/schema.ts';
import type { ServerStatus } from '../../shared/server-status.ts';
import { adminTerminateDecision, retryDecision, suspendDecision, unsuspendDecision } from './suspension.ts';

describe('suspendDecision', () => {
  const cases: [ServerStatus, JobKind | null, ReturnType<typeof suspendDecision>][] = [
    ['running', null, { ok: true, restore: 'running', cancelJob: false }],
    ['stopped', null, { ok: true, restore: 'stopped', cancelJob: false }],
    // A power action under way is superseded; the state it was heading for is restored later.
    ['starting', 'start', { ok: true, restore: 'running', cancelJob: true }],
    ['rebooting', 'reboot', { ok: true, restore: 'running', cancelJob: true }],
    ['stopping', 'shutdown', { ok: true, restore: 'stopped', cancelJob: true }],
    ['stopping', 'stop', { ok: true, restore: 'stopped', cancelJob: true }],
    // In error the VM may be either: the job finds out.
    ['error', null, { ok: true, restore: null, cancelJob: false }],
  ];
  it.each(cases)('%s with job %s', (status, job, expected) => {
    expect(suspendDecision(status, job)).toEqual(expected);
  });

  it.each([
    ['suspended', null, 'already suspended'],
    ['provisioning', 'provision', 'still being provisioned'],
    ['terminating', 'terminate', 'nothing to suspend'],
    ['terminated', null, 'nothing to suspend'],
    ['running', 'terminate', 'Another operation (terminate)'],
  ] as [ServerStatus, JobKind | null, string][])('refuses %s (job %s)', (status, job, text) => {
    const decision = suspendDecision(status, job);
    expect(decision.ok).toBe(false);
    expect(!decision.ok && decision.reason).toContain(text);
  });
});

describe('unsuspendDecision', () => {
  it('returns a server to the power state it had when suspended', () => {
    expect(unsuspendDecision('suspended', 'running', null)).toEqual({
      ok: true,
      status: 'starting',
      job: 'start',
    });
    expect(unsuspendDecision('suspended', 'stopped', null)).toEqual({
      ok: true,
      status: 'stopped',
      job: null,
    });
    // Never learned (suspended from error with no VM): it comes back stopped, never started unasked.
    expect(unsuspendDecision('suspended', null, null)).toEqual({ ok: true, status: 'stopped', job: null });
  });

  it('refuses a server that is not suspended, or whose suspension is still stopping it', () => {
    expect(unsuspendDecision('running', 'running', null)).toMatchObject({ ok: false });
    const busy = unsuspendDecision('suspended', 'running', 'suspend');
    expect(busy).toMatchObject({ ok: false });
    expect(!busy.ok && busy.reason).toContain('still being carried out');
  });
});

describe('retryDecision', () => {
  it.each([
    ['provision', 'provisioning'],
    ['start', 'starting'],
    ['shutdown', 'stopping'],
    ['stop', 'stopping'],
    ['reboot', 'rebooting'],
    ['terminate', 'terminating'],
  ] as [JobKind, ServerStatus][])('repeats a failed %s (server %s while it runs)', (job, status) => {
    expect(retryDecision('error', job)).toEqual({ ok: true, status, job });
  });

  it('has nothing to repeat without a failed job, or outside error', () => {
    expect(retryDecision('error', null)).toMatchObject({ ok: false });
    expect(retryDecision('error', 'suspend')).toMatchObject({ ok: false });
    expect(retryDecision('running', 'start')).toMatchObject({ ok: false });
  });
});

describe('adminTerminateDecision', () => {
  it('terminates a suspended server and cuts short power and suspension jobs', () => {
    expect(adminTerminateDecision('suspended', null)).toEqual({ ok: true, cancelJob: false });
    expect(adminTerminateDecision('suspended', 'suspend')).toEqual({ ok: true, cancelJob: true });
    expect(adminTerminateDecision('stopping', 'shutdown')).toEqual({ ok: true, cancelJob: true });
    expect(adminTerminateDecision('error', null)).toEqual({ ok: true, cancelJob: false });
  });

  it('waits for provisioning and does not terminate twice', () => {
    expect(adminTerminateDecision('provisioning', 'provision')).toMatchObject({ ok: false });
    expect(adminTerminateDecision('error', 'provision')).toMatchObject({ ok: false });
    expect(adminTerminateDecision('terminating', 'terminate')).toMatchObject({ ok: false });
    expect(adminTerminateDecision('terminated', null)).toMatchObject({ ok: false });
  });
});
