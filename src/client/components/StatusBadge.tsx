import { transitionalStatuses, type ServerStatus } from '../../shared/server-status.ts';
import { statusLabels, statusTones, type StatusTone } from '../lib/server-status-display.ts';
import { Spinner } from './Spinner.tsx';

const toneClasses: Record<StatusTone, { badge: string; dot: string }> = {
  good: { badge: 'bg-emerald-50 text-emerald-800 ring-emerald-600/20', dot: 'bg-emerald-500' },
  neutral: { badge: 'bg-slate-100 text-slate-700 ring-slate-500/20', dot: 'bg-slate-400' },
  busy: { badge: 'bg-sky-50 text-sky-800 ring-sky-600/20', dot: 'bg-sky-500' },
  warning: { badge: 'bg-amber-50 text-amber-800 ring-amber-600/25', dot: 'bg-amber-500' },
  bad: { badge: 'bg-red-50 text-red-800 ring-red-600/20', dot: 'bg-red-600' },
};

/** Status in colour and in words; a spinner while work is under way. */
export function StatusBadge({ status }: { status: ServerStatus }) {
  const tone = toneClasses[statusTones[status]];
  return (
    <span
      className={`inline-flex items-center gap-1.5 rounded-full px-2.5 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset ${tone.badge}`}
    >
      {transitionalStatuses.has(status) ? (
        <Spinner className="size-3" />
      ) : (
        <span aria-hidden="true" className={`size-1.5 rounded-full ${tone.dot}`} />
      )}
      {statusLabels[status]}
    </span>
  );
}
