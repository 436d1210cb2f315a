/** Grey placeholders while something loads, announced as busy under a label. */
import { Skeleton } from './Skeleton.tsx';

/** One bar per class list, stacked (`className` lays them out). */
export function BusySkeleton({
  label,
  bars,
  className,
}: {
  label: string;
  bars: readonly string[];
  className: string;
}) {
  return (
    <div aria-busy="true" aria-label={label} className={className}>
      {bars.map((bar, i) => (
        <Skeleton key={i} className={bar} />
      ))}
    </div>
  );
}

/** A list's placeholder: `rows` rows in a card, each with one bar per class list. */
export function BusyRows({ label, rows, bars }: { label: string; rows: number; bars: readonly string[] }) {
  return (
    <div
      aria-busy="true"
      aria-label={label}
      className="overflow-hidden rounded-2xl border border-slate-200 bg-white"
    >
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="flex items-center gap-6 border-b border-slate-100 px-4 py-4 last:border-0">
          {bars.map((bar, j) => (
            <Skeleton key={j} className={bar} />
          ))}
        </div>
      ))}
    </div>
  );
}
