/**
 * A labelled bar for how much of something is in use (a node's CPU, memory or storage, a pool's
 * addresses). Radix Progress gives it the progressbar role with the figure as its value text, so a
 * screen reader hears "Memory, 4 GiB of 16 GiB" rather than a bare percentage.
 */
import * as Progress from '@radix-ui/react-progress';
import { useId } from 'react';

/** Green while there is room, amber from 75 %, red from 90 %. */
function toneOf(fraction: number): string {
  if (fraction >= 0.9) return 'bg-red-600';
  if (fraction >= 0.75) return 'bg-amber-500';
  return 'bg-emerald-500';
}

export function CapacityBar({
  label,
  fraction,
  text,
}: {
  label: string;
  fraction: number | null;
  text: string;
}) {
  const id = useId();
  const percent = fraction === null ? null : Math.round(fraction * 100);
  return (
    <div className="space-y-1">
      <div className="flex items-baseline justify-between gap-3 text-sm">
        <span id={id} className="font-medium text-slate-800">
          {label}
        </span>
        <span className="text-xs text-slate-600 tabular-nums">{text}</span>
      </div>
      <Progress.Root
        value={percent}
        max={100}
        aria-labelledby={id}
        getValueLabel={() => text}
        className="h-2 w-full overflow-hidden rounded-full bg-slate-100"
      >
        <Progress.Indicator
          className={`h-full rounded-full transition-[width] ${percent === null ? 'bg-transparent' : toneOf(fraction!)}`}
          style={{ width: `${percent ?? 0}%` }}
        />
      </Progress.Root>
    </div>
  );
}
