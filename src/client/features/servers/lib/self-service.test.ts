import { describe, expect, it } from 'vitest';
import { serverStatuses, suspendedByProviderMessage } from '../../../../shared/server-status.ts';
import { biggerPlans, operationBlockedReason } from './self-service.ts';

const plan = (name: string, cpuCores: number, memoryMb: number, diskGb: number) => ({
  name,
  cpuCores,
  memoryMb,
  diskGb,
});

describe('biggerPlans', () => {
  const current = { cpuCores: 2, memoryMb: 4096, diskGb: 80 };
  it.each([
    ['the same size', plan('same', 2, 4096, 80), false],
    ['more cores', plan('cpu', 4, 4096, 80), true],
    ['more memory', plan('mem', 2, 8192, 80), true],
    ['a bigger disk', plan('disk', 2, 4096, 160), true],
    ['bigger everywhere', plan('all', 4, 8192, 160), true],
    ['a smaller disk, however many cores', plan('shrink', 8, 16384, 40), false],
    ['fewer cores', plan('fewer', 1, 8192, 160), false],
    ['less memory', plan('less', 4, 2048, 160), false],
  ])('%s: offered %s', (_what, candidate, offered) => {
    expect(biggerPlans(current, [candidate])).toEqual(offered ? [candidate] : []);
  });

  it('keeps the catalogue order', () => {
    const plans = [plan('b', 4, 8192, 160), plan('s', 1, 1024, 25), plan('a', 2, 8192, 80)];
    expect(biggerPlans(current, plans).map((p) => p.name)).toEqual(['b', 'a']);
  });
});

describe('operationBlockedReason', () => {
  it.each(serverStatuses.map((s) => [s]))('%s', (status) => {
    const reason = operationBlockedReason(status);
    if (status === 'running' || status === 'stopped') expect(reason).toBeNull();
    else if (status === 'suspended') expect(reason).toBe(suspendedByProviderMessage);
    else
      expect(reason).toMatch(/^Not available while the server is [a-z]+; it must be running or stopped\.$/);
  });
});
