import { describe, expect, it } from 'vitest';
import { usagePointSchema, type UsagePoint } from '../../../../shared/usage.ts';
import { alignedColumns, charts, formatBytes, formatValue, summary } from './series.ts';

/** Every figure of a point unrecorded (null), as PVE answers before the VM existed. */
const noFigures = Object.fromEntries(
  Object.keys(usagePointSchema.shape)
    .filter((key) => key !== 'time')
    .map((key) => [key, null]),
) as Omit<UsagePoint, 'time'>;
const point = (seconds: number, figures: Partial<UsagePoint> = {}): UsagePoint => ({
  ...noFigures,
  time: new Date(seconds * 1000),
  ...figures,
});
const chart = (id: string) => charts.find((c) => c.id === id)!;

describe('alignedColumns', () => {
  it('gives uPlot seconds and one column per line, keeping gaps as null', () => {
    const points = [point(60), point(120, { netInBytesPerSecond: 5, netOutBytesPerSecond: 7 })];
    expect(alignedColumns(points, chart('network'))).toEqual([
      [60, 120],
      [null, 5],
      [null, 7],
    ]);
    expect(alignedColumns([point(60, { cpu: 0.25 })], chart('cpu'))).toEqual([[60], [25]]);
  });
});

describe('formatting', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1536, '1.5 KB'],
    [10 * 1024 * 1024, '10 MB'],
    [2.25 * 1024 ** 3, '2.25 GB'],
  ])('formatBytes(%d) = %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));

  it.each([
    [25, 'percent', '25 %'],
    [2.5, 'percent', '2.5 %'],
    [2048, 'rate', '2 KB/s'],
    [1024 ** 3, 'bytes', '1 GB'],
  ] as const)('formatValue(%d, %s) = %s', (v, unit, text) => expect(formatValue(v, unit)).toBe(text));
});

describe('summary', () => {
  it('gives the average and peak of each line over the recorded points', () => {
    const points = [point(0), point(60, { cpu: 0.1 }), point(120, { cpu: 0.3 })];
    expect(summary(points, chart('cpu'))).toBe('CPU: average 20 %, peak 30 %');
  });

  it('says so when nothing is recorded', () => {
    expect(summary([point(0)], chart('disk'))).toBe('Nothing recorded in this period yet.');
  });
});
