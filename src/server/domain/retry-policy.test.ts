import { describe, expect, it } from 'vitest';
import { PveError } from '../pve/errors.ts';
import {
  afterFailedAttempt,
  callBackoffMs,
  isRepeatableCall,
  isRetryableError,
  LeaseLostError,
  PermanentJobError,
  retryDelayMs,
  taskFailure,
} from './retry-policy.ts';

describe('retryDelayMs', () => {
  it('doubles per attempt within half-to-full jitter', () => {
    expect(retryDelayMs(1, 2000, () => 0)).toBe(1000);
    expect(retryDelayMs(1, 2000, () => 1)).toBe(2000);
    expect(retryDelayMs(3, 2000, () => 1)).toBe(8000);
    expect(retryDelayMs(3, 2000, () => 0)).toBe(4000);
  });

  it('is capped at five minutes', () => {
    expect(retryDelayMs(30, 2000, () => 1)).toBe(300_000);
  });
});

describe('callBackoffMs', () => {
  it('waits up to the doubling bound, capped', () => {
    expect(callBackoffMs(0, 500, 8000, () => 1)).toBe(500);
    expect(callBackoffMs(3, 500, 8000, () => 1)).toBe(4000);
    expect(callBackoffMs(10, 500, 8000, () => 1)).toBe(8000);
    expect(callBackoffMs(3, 500, 8000, () => 0)).toBe(0);
  });
});

const pve = (message: string, kind: PveError['kind']) => new PveError(500, message, kind);

describe('isRepeatableCall', () => {
  it.each([
    ['a read that timed out', pve('got timeout', 'transient'), true, true],
    ['a read PVE refused for good', pve('Permission check failed', 'permanent'), true, false],
    ['a write refused before acting', pve('connection refused', 'transient'), false, true],
    [
      'a write whose lock was busy',
      pve("can't lock file '/var/lock/x' - got timeout", 'transient'),
      false,
      true,
    ],
    ['a write that timed out mid-way', pve('no answer within 30000 ms', 'transient'), false, false],
    ['anything that is not a PVE error', new Error('boom'), true, false],
  ])('%s → %s', (_what, err, idempotent, expected) => {
    expect(isRepeatableCall(err, idempotent)).toBe(expected);
  });
});

describe('taskFailure', () => {
  it('lets a lock or timeout pass and ends the job on anything else', () => {
    expect(taskFailure('Start', "can't lock file - got timeout")).toBeInstanceOf(PveError);
    expect(taskFailure('Start', 'VM is locked (backup)')).toBeInstanceOf(PveError);
    const permanent = taskFailure('Start', 'unable to find configuration file');
    expect(permanent).toBeInstanceOf(PermanentJobError);
    expect(permanent.message).toBe('Start failed: unable to find configuration file');
  });
});

describe('isRetryableError and afterFailedAttempt', () => {
  it.each([
    ['a transient PVE error', pve('got timeout', 'transient'), true],
    ['a locked VM', pve('VM is locked (clone)', 'locked'), true],
    ['a permanent PVE error', pve('bad parameter', 'permanent'), false],
    ['a permanent job error', new PermanentJobError('no VM'), false],
    ['a lost lease', new LeaseLostError('taken'), false],
    [
      'trouble with our own database',
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      true,
    ],
  ])('%s → retryable %s', (_what, err, retryable) => {
    expect(isRetryableError(err)).toBe(retryable);
  });

  it('gives up after the last attempt, and at once on a permanent failure', () => {
    const transient = pve('got timeout', 'transient');
    expect(afterFailedAttempt(transient, { attempts: 2, maxAttempts: 5 }, 2000)).toMatchObject({
      retry: true,
    });
    expect(afterFailedAttempt(transient, { attempts: 5, maxAttempts: 5 }, 2000)).toEqual({ retry: false });
    expect(afterFailedAttempt(new PermanentJobError('x'), { attempts: 1, maxAttempts: 5 }, 2000)).toEqual({
      retry: false,
    });
  });
});
