/** A yes/no badge for a catalogue entry or an account. */
export function StateBadge({
  tone,
  children,
}: {
  tone: 'good' | 'neutral' | 'warning' | 'bad';
  children: string;
}) {
  const classes = {
    good: 'bg-emerald-50 text-emerald-800 ring-emerald-600/20',
    neutral: 'bg-slate-100 text-slate-700 ring-slate-500/20',
    warning: 'bg-amber-50 text-amber-800 ring-amber-600/25',
    bad: 'bg-red-50 text-red-800 ring-red-600/20',
  }[tone];
  return (
    <span
      className={`inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset ${classes}`}
    >
      {children}
    </span>
  );
}
