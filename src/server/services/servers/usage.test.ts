import { describe, expect, it } from 'vitest';
import { usagePointSchema } from '../../../shared/usage.ts';
import { stepOf, usageFromRrd } from './usage.ts';

/** Every figure of a point (all but its time), each unrecorded. */
const noFigures = Object.fromEntries(
  Object.keys(usagePointSchema.shape)
    .filter((key) => key !== 'time')
    .map((key) => [key, null]),
);

describe('usageFromRrd', () => {
  it.each([
    [
      'a recorded row',
      {
        time: 1_700_000_040,
        cpu: 0.25,
        maxcpu: 2,
        mem: 1e9,
        maxmem: 2e9,
        netin: 10,
        netout: 20,
        diskread: 30,
        diskwrite: 40,
      },
      {
        cpu: 0.25,
        memoryBytes: 1e9,
        memoryTotalBytes: 2e9,
        netInBytesPerSecond: 10,
        netOutBytesPerSecond: 20,
        diskReadBytesPerSecond: 30,
        diskWriteBytesPerSecond: 40,
      },
    ],
    ['a row from before the VM existed: only its time', { time: 1_700_000_040 }, noFigures],
    [
      'a cpu figure over 1 (a rounding of PVE) is clamped, NaN is no figure',
      { time: 1_700_000_040, cpu: 1.0000001, netin: Number.NaN },
      { cpu: 1, netInBytesPerSecond: null },
    ],
  ])('%s', (_name, row, expected) => {
    const [point] = usageFromRrd([row]);
    expect(point).toMatchObject({ time: new Date(row.time * 1000), ...expected });
  });

  it('puts the rows oldest first', () => {
    const points = usageFromRrd([{ time: 180 }, { time: 60 }, { time: 120 }]);
    expect(points.map((p) => p.time.getTime() / 1000)).toEqual([60, 120, 180]);
  });
});

describe('stepOf', () => {
  it.each([
    [[60, 120], 'hour', 60],
    [[0, 1800], 'week', 1800],
    [[], 'hour', 60],
    [[], 'day', 60],
    [[], 'week', 1800],
    [[], 'month', 1800],
  ] as const)('%j in a %s → %i s', (times, timeframe, step) => {
    expect(stepOf(usageFromRrd(times.map((time) => ({ time }))), timeframe)).toBe(step);
  });
});
