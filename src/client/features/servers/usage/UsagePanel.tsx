/**
 * The server's usage graphs: CPU, memory, network and disk over the last hour, day, week or month, from
 * Proxmox VE's averages. A chunk of its own (with uPlot), loaded when the tab opens.
 */
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { Server } from '../../../../shared/api.ts';
import { usageTimeframes, type UsageTimeframe } from '../../../../shared/usage.ts';
import { LoadError } from '../../../components/LoadError.tsx';
import { Skeleton } from '../../../components/Skeleton.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { alignedColumns, charts, summary } from './series.ts';
import { UsageChart } from './UsageChart.tsx';

const labels: Record<UsageTimeframe, string> = { hour: 'Hour', day: 'Day', week: 'Week', month: 'Month' };

export default function UsagePanel({ server }: { server: Server }) {
  const trpc = useTRPC();
  const [timeframe, setTimeframe] = useState<UsageTimeframe>('hour');
  const hasVm = server.status !== 'provisioning' && server.status !== 'terminated';
  const query = useQuery({
    ...trpc.servers.usage.queryOptions({ id: server.id, timeframe }),
    enabled: hasVm,
    // PVE records a point a minute (every 30 minutes for a week or a month).
    refetchInterval: timeframe === 'hour' || timeframe === 'day' ? 60_000 : 10 * 60_000,
    placeholderData: (previous) => previous,
  });
  const points = query.data?.points;
  const columns = useMemo(() => (points ? charts.map((spec) => alignedColumns(points, spec)) : []), [points]);

  return (
    <section aria-label="Usage" className="space-y-4">
      <div
        role="group"
        aria-label="Time frame"
        className="inline-flex rounded-lg border border-slate-300 p-0.5"
      >
        {usageTimeframes.map((t) => (
          <button
            key={t}
            type="button"
            aria-pressed={t === timeframe}
            onClick={() => setTimeframe(t)}
            className="rounded-md px-3 py-1 text-sm text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-sky-600 aria-pressed:bg-slate-900 aria-pressed:text-white"
          >
            {labels[t]}
          </button>
        ))}
      </div>
      {!hasVm && <p className="text-sm text-slate-600">Usage shows once the server is set up.</p>}
      {hasVm && query.isPending && <Skeleton className="h-64" />}
      {query.isError && (
        <LoadError
          title="The usage could not be loaded."
          error={query.error}
          onRetry={() => void query.refetch()}
        />
      )}
      {points && (
        <div className="grid gap-4 lg:grid-cols-2">
          {charts.map((spec, i) => (
            <figure key={spec.id} className="rounded-2xl border border-slate-200 bg-white p-4 shadow-xs">
              <figcaption className="mb-2">
                <h3 className="text-sm font-semibold text-slate-900">{spec.title}</h3>
                <p className="text-xs text-slate-500">{summary(points, spec)}</p>
              </figcaption>
              <UsageChart spec={spec} data={columns[i]!} />
            </figure>
          ))}
        </div>
      )}
    </section>
  );
}
