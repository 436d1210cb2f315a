/**
 * The usage graphs' data: Keel's points → uPlot's aligned columns (seconds, then one column per line,
 * null where PVE has no sample), the summary line under each graph, and the axis units.
 */
import type { UsagePoint } from '../../../../shared/usage.ts';

export interface ChartSpec {
  id: string;
  title: string;
  unit: 'percent' | 'bytes' | 'rate';
  lines: { label: string; value: (p: UsagePoint) => number | null; colour: string }[];
}

/** A line that draws one of the point's figures as it is. */
function figure(
  label: string,
  key: Exclude<keyof UsagePoint, 'time'>,
  colour: string,
): ChartSpec['lines'][number] {
  return { label, value: (p) => p[key], colour };
}

export const charts: ChartSpec[] = [
  {
    id: 'cpu',
    title: 'CPU',
    unit: 'percent',
    lines: [{ label: 'CPU', value: (p) => (p.cpu === null ? null : p.cpu * 100), colour: '#0284c7' }],
  },
  {
    id: 'memory',
    title: 'Memory',
    unit: 'bytes',
    lines: [figure('Used', 'memoryBytes', '#7c3aed')],
  },
  {
    id: 'network',
    title: 'Network',
    unit: 'rate',
    lines: [figure('In', 'netInBytesPerSecond', '#059669'), figure('Out', 'netOutBytesPerSecond', '#d97706')],
  },
  {
    id: 'disk',
    title: 'Disk',
    unit: 'rate',
    lines: [
      figure('Read', 'diskReadBytesPerSecond', '#2563eb'),
      figure('Write', 'diskWriteBytesPerSecond', '#db2777'),
    ],
  },
];

export type AlignedColumns = [number[], ...(number | null)[][]];

export function alignedColumns(points: readonly UsagePoint[], spec: ChartSpec): AlignedColumns {
  return [
    points.map((p) => Math.floor(p.time.getTime() / 1000)),
    ...spec.lines.map((line) => points.map((p) => line.value(p))),
  ];
}

const units = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 KB" (decimal prefixes of 1024, as the rest of the dashboard shows memory). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value >= 100 || unit === 0 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits).replace(/\.0+$|(\.\d*?)0+$/, '$1')} ${units[unit]}`;
}

export function formatValue(value: number, unit: ChartSpec['unit']): string {
  if (unit === 'percent') return `${value >= 10 ? value.toFixed(0) : value.toFixed(1).replace(/\.0$/, '')} %`;
  if (unit === 'bytes') return formatBytes(value);
  return `${formatBytes(value)}/s`;
}

/** "In: average 12 KB/s, peak 30 KB/s · Out: …", or that there is nothing recorded yet. */
export function summary(points: readonly UsagePoint[], spec: ChartSpec): string {
  const parts = spec.lines.map((line) => {
    const values = points.map(line.value).filter((v): v is number => v !== null);
    if (values.length === 0) return null;
    const average = values.reduce((a, b) => a + b, 0) / values.length;
    const peak = Math.max(...values);
    return `${line.label}: average ${formatValue(average, spec.unit)}, peak ${formatValue(peak, spec.unit)}`;
  });
  if (parts.every((p) => p === null)) return 'Nothing recorded in this period yet.';
  return parts.filter(Boolean).join(' · ');
}
