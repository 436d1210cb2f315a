/**
 * How much of something is in use, as a bar: a node's CPU, memory or storage, a pool's addresses.
 * Radix Progress gives it the progressbar role with the figure as its value text, so a screen reader
 * hears "Memory, 4 GiB of 16 GiB" rather than a bare number. Amber from three quarters, red from
 * nine tenths, so something nearly full stands out.
 */
import * as Progress from '@radix-ui/react-progress';
import { useId } from 'react';

/** Green while there is room, amber from 75 %, red from 90 %. */
function toneOf(ratio: number): string {
  if (ratio >= 0.9) return 'bg-red-600';
  if (ratio >= 0.75) return 'bg-amber-500';
  return 'bg-emerald-500';
}

export function UsageBar({
  label,
  value,
  max,
  valueText,
  captioned = false,
}: {
  /** What the bar measures, e.g. "Addresses in use in 10.0.0.0/24". */
  label: string;
  /** How much is in use, out of max; null when it is not known (no bar is drawn, no value announced). */
  value: number | null;
  max: number;
  /** The value in words, e.g. "12 of 254 addresses in use". */
  valueText: string;
  /** Show the label and the value text above the bar; without it both are only announced. */
  captioned?: boolean;
}) {
  const id = useId();
  const top = Math.max(max, 1);
  const shown = value === null ? null : Math.min(Math.max(value, 0), top);
  const bar = (
    <Progress.Root
      value={shown}
      max={top}
      getValueLabel={() => valueText}
      {...(captioned ? { 'aria-labelledby': id } : { 'aria-label': label })}
      className="h-2 w-full overflow-hidden rounded-full bg-slate-200"
    >
      <Progress.Indicator
        className={`h-full rounded-full transition-[width] motion-reduce:transition-none ${shown === null ? 'bg-transparent' : toneOf(shown / top)}`}
        style={{ width: `${shown === null ? 0 : (shown / top) * 100}%` }}
      />
    </Progress.Root>
  );
  if (!captioned) return bar;
  return (
    <div className="space-y-1">
      <div className="flex items-baseline justify-between gap-3 text-sm">
        <span id={id} className="font-medium text-slate-800">
          {label}
        </span>
        <span className="text-xs text-slate-600 tabular-nums">{valueText}</span>
      </div>
      {bar}
    </div>
  );
}
