import { describe, expect, it } from 'vitest';
import { pollUntil } from './poll-until.ts';

describe('pollUntil', () => {
  it('returns the first answer that is not undefined, null included', async () => {
    const answers = [undefined, undefined, null];
    let looks = 0;
    const result = await pollUntil(async () => answers[looks++], { timeoutMs: 10_000, intervalMs: 1 });
    expect(result).toBeNull();
    expect(looks).toBe(3);
  });

  it('returns undefined once the time is up, after at least one look', async () => {
    let looks = 0;
    const result = await pollUntil(
      async () => {
        looks++;
        return undefined;
      },
      { timeoutMs: 0, intervalMs: 1 },
    );
    expect(result).toBeUndefined();
    expect(looks).toBe(1);
  });

  it('stops when beforeEach throws, and passes errors of a look on', async () => {
    let looks = 0;
    await expect(
      pollUntil(async () => undefined, {
        timeoutMs: 10_000,
        intervalMs: 1,
        beforeEach: () => {
          if (++looks > 2) throw new Error('lease lost');
        },
      }),
    ).rejects.toThrow('lease lost');
    await expect(
      pollUntil(
        async () => {
          throw new Error('PVE said no');
        },
        { timeoutMs: 10_000, intervalMs: 1 },
      ),
    ).rejects.toThrow('PVE said no');
  });

  it('pauses before the first look when asked', async () => {
    const started = Date.now();
    let firstLookAt = 0;
    await pollUntil(
      async () => {
        firstLookAt = Date.now();
        return true;
      },
      { timeoutMs: 10_000, intervalMs: 30, pauseFirst: true },
    );
    expect(firstLookAt - started).toBeGreaterThanOrEqual(25);
  });
});
