import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './queue.ts';

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
