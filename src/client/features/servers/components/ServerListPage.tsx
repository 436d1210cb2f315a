import { Link } from '@tanstack/react-router';
import { useEffect, useMemo, useState } from 'react';
import type { Server } from '../../../../shared/api.ts';
import { serverStatuses } from '../../../../shared/server-status.ts';
import { BusyRows } from '../../../components/BusySkeleton.tsx';
import { Button } from '../../../components/Button.tsx';
import { CopyButton } from '../../../components/CopyButton.tsx';
import { FilterSelect, SearchBox, type FilterOption } from '../../../components/ListFilters.tsx';
import { ListTable, type ListTableHeader } from '../../../components/ListTable.tsx';
import { QueryLoadError } from '../../../components/QueryLoadError.tsx';
import * as Sheet from '../../../components/ServerSheet.tsx';
import { inlineLinkClass, nameLinkClass } from '../../../components/link-styles.ts';
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

const statusFilterOptions: readonly FilterOption[] = [
  { value: 'all', label: 'All statuses' },
  { value: 'active', label: 'Changing now' },
  ...serverStatuses.filter((s) => s !== 'terminated').map((s) => ({ value: s, label: statusLabels[s] })),
];

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

      {servers.isPending && (
        <BusyRows
          label="Loading your servers"
          rows={5}
          bars={['h-4 w-32', 'h-5 w-20 rounded-full', 'hidden h-4 w-28 md:block', 'hidden h-4 w-40 lg:block']}
        />
      )}

      <QueryLoadError title="Your servers could not be loaded." query={servers} />

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
            <SearchBox
              label="Search servers"
              className="sm:w-72"
              value={query}
              onValueChange={setQuery}
              placeholder="Search by name or IP"
            />
            <FilterSelect
              label="Filter by status"
              className="sm:w-48"
              value={status}
              options={statusFilterOptions}
              onValueChange={(value) => setStatus(value as StatusFilter)}
            />
          </div>

          {filtered.length === 0 ? (
            <div className="rounded-2xl border border-slate-200 bg-white px-6 py-10 text-center text-sm text-slate-600">
              No servers match.{' '}
              <button
                type="button"
                className={inlineLinkClass}
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

const serverHeaders: readonly ListTableHeader[] = [
  'Name',
  'Status',
  { label: 'IP address', from: 'md' },
  { label: 'vCPU / RAM / Disk', from: 'lg' },
  { label: 'Image', from: 'xl' },
  { label: 'Location', from: 'lg' },
  { label: 'Created', from: 'sm', align: 'right' },
];

function ServerTable({ servers }: { servers: Server[] }) {
  const now = new Date();
  return (
    <ListTable
      headers={serverHeaders}
      frameClassName="overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-xs"
    >
      {servers.map((server) => (
        <tr key={server.id} className="group hover:bg-slate-50/70" data-server-row>
          <td className="px-4 py-3 align-top">
            <Link to="/servers/$serverId" params={{ serverId: server.id }} className={nameLinkClass}>
              {server.name}
            </Link>
            <div className="mt-0.5 text-xs text-slate-500 md:hidden">
              {server.ipAddress ?? 'No IP yet'} · {server.cpuCores} vCPU · {formatMemory(server.memoryMb)}
            </div>
          </td>
          <td className="px-4 py-3 align-top">
            <StatusBadge status={server.status} />
            {server.progress ? (
              <div className="mt-1 text-xs text-slate-500">{progressSummary(server.progress)}</div>
            ) : (
              <Sheet.ReasonLine reason={server.statusReason} />
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
    </ListTable>
  );
}
