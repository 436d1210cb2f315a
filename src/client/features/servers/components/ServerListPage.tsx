import { Link } from '@tanstack/react-router';
import { useEffect, useMemo, useState } from 'react';
import type { Server } from '../../../../shared/api.ts';
import { serverStatuses } from '../../../../shared/server-status.ts';
import { Button } from '../../../components/Button.tsx';
import { LoadError } from '../../../components/LoadError.tsx';
import { CopyButton } from '../../../components/CopyButton.tsx';
import { inputClass } from '../../../components/Field.tsx';
import { Skeleton } from '../../../components/Skeleton.tsx';
import { useServers } from '../hooks/useServers.ts';
import {
  filterServers,
  formatAge,
  formatMemory,
  paginate,
  statusLabels,
  type StatusFilter,
} from '../lib/format.ts';
import { CreateServerDialog } from './CreateServerDialog.tsx';
import { progressSummary } from './ProvisioningProgress.tsx';
import { StatusBadge } from './StatusBadge.tsx';

export const listPageSize = 50;

export function ServerListPage() {
  const servers = useServers();
  const [status, setStatus] = useState<StatusFilter>('all');
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(1);
  const all = servers.data?.servers;
  const filtered = useMemo(() => filterServers(all ?? [], { status, query }), [all, status, query]);
  const shown = paginate(filtered, page, listPageSize);
  useEffect(() => setPage(1), [status, query]);

  const createButton = (
    <Button>
      <svg viewBox="0 0 20 20" className="size-4" aria-hidden="true">
        <path d="M10 4v12M4 10h12" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
      </svg>
      Create server
    </Button>
  );

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Servers</h1>
          <p className="mt-1 text-sm text-slate-600" aria-live="polite">
            {all ? `${all.length.toLocaleString('en')} ${all.length === 1 ? 'server' : 'servers'}` : '\u00a0'}
          </p>
        </div>
        <CreateServerDialog trigger={createButton} />
      </div>

      {servers.isPending && <ListSkeleton />}

      {servers.isError && (
        <LoadError
          title="Your servers could not be loaded."
          error={servers.error}
          onRetry={() => void servers.refetch()}
        />
      )}

      {all && all.length === 0 && (
        <div className="rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-16 text-center">
          <h2 className="text-base font-semibold text-slate-900">No servers yet</h2>
          <p className="mx-auto mt-1 max-w-sm text-sm text-slate-600">
            Create your first server: pick a plan, an image and a location, and it is ready in a minute or
            two.
          </p>
          <div className="mt-6">
            <CreateServerDialog trigger={<Button>Create your first server</Button>} />
          </div>
        </div>
      )}

      {all && all.length > 0 && (
        <section aria-label="Server list" className="space-y-3">
          <div className="flex flex-col gap-2 sm:flex-row">
            <label className="sm:w-72">
              <span className="sr-only">Search servers</span>
              <input
                type="search"
                value={query}
                onChange={(e) => setQuery(e.target.value)}
                placeholder="Search by name or IP"
                className={inputClass}
              />
            </label>
            <label className="sm:w-48">
              <span className="sr-only">Filter by status</span>
              <select
                value={status}
                onChange={(e) => setStatus(e.target.value as StatusFilter)}
                className={inputClass}
              >
                <option value="all">All statuses</option>
                <option value="active">Changing now</option>
                {serverStatuses
                  .filter((s) => s !== 'terminated')
                  .map((s) => (
                    <option key={s} value={s}>
                      {statusLabels[s]}
                    </option>
                  ))}
              </select>
            </label>
          </div>

          {filtered.length === 0 ? (
            <div className="rounded-2xl border border-slate-200 bg-white px-6 py-10 text-center text-sm text-slate-600">
              No servers match.{' '}
              <button
                type="button"
                className="font-medium text-sky-700 underline-offset-2 hover:underline"
                onClick={() => {
                  setQuery('');
                  setStatus('all');
                }}
              >
                Clear the filters
              </button>
            </div>
          ) : (
            <ServerTable servers={shown.items} />
          )}

          {shown.pageCount > 1 && (
            <nav aria-label="Pages" className="flex items-center justify-between text-sm text-slate-600">
              <span>
                {shown.first.toLocaleString('en')}–{shown.last.toLocaleString('en')} of{' '}
                {shown.total.toLocaleString('en')}
              </span>
              <div className="flex gap-2">
                <Button
                  variant="secondary"
                  size="sm"
                  disabled={shown.page <= 1}
                  onClick={() => setPage(shown.page - 1)}
                >
                  Previous
                </Button>
                <Button
                  variant="secondary"
                  size="sm"
                  disabled={shown.page >= shown.pageCount}
                  onClick={() => setPage(shown.page + 1)}
                >
                  Next
                </Button>
              </div>
            </nav>
          )}
        </section>
      )}
    </div>
  );
}

function ServerTable({ servers }: { servers: Server[] }) {
  const now = new Date();
  return (
    <div className="overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-xs">
      <table className="w-full text-left text-sm">
        <thead className="border-b border-slate-200 bg-slate-50/80 text-xs font-medium text-slate-500">
          <tr>
            <th scope="col" className="px-4 py-2.5 font-medium">
              Name
            </th>
            <th scope="col" className="px-4 py-2.5 font-medium">
              Status
            </th>
            <th scope="col" className="hidden px-4 py-2.5 font-medium md:table-cell">
              IP address
            </th>
            <th scope="col" className="hidden px-4 py-2.5 font-medium lg:table-cell">
              vCPU / RAM / Disk
            </th>
            <th scope="col" className="hidden px-4 py-2.5 font-medium xl:table-cell">
              Image
            </th>
            <th scope="col" className="hidden px-4 py-2.5 font-medium lg:table-cell">
              Location
            </th>
            <th scope="col" className="hidden px-4 py-2.5 text-right font-medium sm:table-cell">
              Created
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {servers.map((server) => (
            <tr key={server.id} className="group hover:bg-slate-50/70" data-server-row>
              <td className="px-4 py-3 align-top">
                <Link
                  to="/servers/$serverId"
                  params={{ serverId: server.id }}
                  className="font-medium text-slate-900 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-sky-600"
                >
                  {server.name}
                </Link>
                <div className="mt-0.5 text-xs text-slate-500 md:hidden">
                  {server.ipAddress ?? 'No IP yet'} · {server.cpuCores} vCPU · {formatMemory(server.memoryMb)}
                </div>
              </td>
              <td className="px-4 py-3 align-top">
                <StatusBadge status={server.status} />
                {server.progress && (
                  <div className="mt-1 text-xs text-slate-500">{progressSummary(server.progress)}</div>
                )}
                {!server.progress && server.statusReason && (
                  <div className="mt-1 max-w-56 truncate text-xs text-slate-500" title={server.statusReason}>
                    {server.statusReason}
                  </div>
                )}
              </td>
              <td className="hidden px-4 py-2 align-top md:table-cell">
                {server.ipAddress ? (
                  <span className="inline-flex items-center gap-1 font-mono text-[13px] text-slate-800">
                    {server.ipAddress}
                    <CopyButton value={server.ipAddress} label={`Copy IP address of ${server.name}`} />
                  </span>
                ) : (
                  <span className="inline-block py-1 text-slate-400">—</span>
                )}
              </td>
              <td className="hidden px-4 py-3 align-top text-slate-700 lg:table-cell">
                {server.cpuCores} vCPU · {formatMemory(server.memoryMb)} · {server.diskGb} GB
              </td>
              <td className="hidden px-4 py-3 align-top text-slate-700 xl:table-cell">
                {server.image?.name ?? '—'}
              </td>
              <td className="hidden px-4 py-3 align-top text-slate-700 lg:table-cell">
                {server.location?.name ?? '—'}
              </td>
              <td className="hidden px-4 py-3 text-right align-top whitespace-nowrap text-slate-500 sm:table-cell">
                <time dateTime={server.createdAt.toISOString()} title={server.createdAt.toLocaleString()}>
                  {formatAge(server.createdAt, now)}
                </time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ListSkeleton() {
  return (
    <div
      aria-busy="true"
      aria-label="Loading your servers"
      className="overflow-hidden rounded-2xl border border-slate-200 bg-white"
    >
      {Array.from({ length: 5 }, (_, i) => (
        <div key={i} className="flex items-center gap-6 border-b border-slate-100 px-4 py-4 last:border-0">
          <Skeleton className="h-4 w-32" />
          <Skeleton className="h-5 w-20 rounded-full" />
          <Skeleton className="hidden h-4 w-28 md:block" />
          <Skeleton className="hidden h-4 w-40 lg:block" />
        </div>
      ))}
    </div>
  );
}
