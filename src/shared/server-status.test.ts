import { describe, expect, it } from 'vitest';
import { canTerminate, serverActions, serverStatuses, transitionFor } from './server-status.ts';

describe('transitionFor', () => {
  it.each([
    ['stopped', 'start', 'starting'],
    ['running', 'shutdown', 'stopping'],
    ['running', 'stop', 'stopping'],
    ['running', 'reboot', 'rebooting'],
    ['stopping', 'stop', 'stopping'],
    ['error', 'start', 'starting'],
    ['error', 'stop', 'stopping'],
    ['running', 'start', null],
    ['stopped', 'reboot', null],
    ['stopped', 'shutdown', null],
    ['provisioning', 'start', null],
    ['suspended', 'start', null],
    ['terminated', 'start', null],
    ['terminating', 'stop', null],
  ] as const)('%s + %s → %s', (status, action, expected) => {
    expect(transitionFor(status, action)).toBe(expected);
  });

  it('never lets a terminated or suspended server act', () => {
    for (const action of serverActions) {
      expect(transitionFor('terminated', action)).toBeNull();
      expect(transitionFor('suspended', action)).toBeNull();
    }
  });

  it('only moves into transitional statuses', () => {
    for (const status of serverStatuses) {
      for (const action of serverActions) {
        const next = transitionFor(status, action);
        if (next) expect(['starting', 'stopping', 'rebooting']).toContain(next);
      }
    }
  });
});

describe('canTerminate', () => {
  it.each([
    ['running', true],
    ['stopped', true],
    ['error', true],
    ['suspended', false],
    ['provisioning', false],
    ['terminating', false],
    ['terminated', false],
  ] as const)('%s → %s', (status, expected) => {
    expect(canTerminate(status)).toBe(expected);
  });
});
