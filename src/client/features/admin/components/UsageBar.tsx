/**
 * How full something is, as a bar (Radix Progress: role progressbar with its value as text for screen
 * readers). Amber from three quarters, red from nine tenths, so a nearly full pool stands out.
 */
import * as Progress from '@radix-ui/react-progress';

export function usageTone(used: number, total: number): 'ok' | 'high' | 'full' {
  const ratio = total > 0 ? used / total : 0;
  if (ratio >= 0.9) return 'full';
  if (ratio >= 0.75) return 'high';
  return 'ok';
}

const toneClass = { ok: 'bg-sky-600', high: 'bg-amber-500', full: 'bg-red-600' } as const;

export function UsageBar({
  label,
  used,
  total,
  valueText,
}: {
  /** What the bar measures, e.g. "Addresses in use in 10.0.0.0/24". */
  label: string;
  used: number;
  total: number;
  /** The value in words, e.g. "12 of 254 addresses in use". */
  valueText: string;
}) {
  const max = Math.max(total, 1);
  const value = Math.min(Math.max(used, 0), max);
  const percent = (value / max) * 100;
  return (
    <Progress.Root
      value={value}
      max={max}
      getValueLabel={() => valueText}
      aria-label={label}
      className="relative h-2 w-full overflow-hidden rounded-full bg-slate-200"
    >
      <Progress.Indicator
        className={`h-full w-full transition-transform motion-reduce:transition-none ${toneClass[usageTone(used, total)]}`}
        style={{ transform: `translateX(-${100 - percent}%)` }}
      />
    </Progress.Root>
  );
}
