/**
 * Every server of every customer, newest first, filtered by status, customer, location, node and a
 * search. The filters live in the address (search params), so a filtered view can be shared, kept as a
 * bookmark and walked with Back; pages come from the API's cursor, one "Show more" at a time.
 */
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useCallback, useEffect, useId, useState } from 'react';
import type { AdminListServersInput, AdminServer } from '../../../../shared/admin.ts';
import { serverStatuses } from '../../../../shared/server-status.ts';
import type { AdminServersSearch } from '../../../app/admin-search.ts';
import { Button } from '../../../components/Button.tsx';
import { inputClass } from '../../../components/Field.tsx';
import { LoadError } from '../../../components/LoadError.tsx';
import { Skeleton } from '../../../components/Skeleton.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { StatusBadge } from '../../../components/StatusBadge.tsx';
import { statusLabels } from '../../../lib/server-status-display.ts';
import { useTRPC, useTRPCClient } from '../../../lib/trpc.ts';
import { CustomerLink } from '../components/CustomerLink.tsx';

const route = getRouteApi('/signedIn/admin/servers');

export const adminServersPageSize = 100;
/** Typing in the search box updates the address once the operator pauses, not on every key. */
export const searchDelayMs = 300;

/** The API's filters for the search params in the address. */
export function listInputOf(search: AdminServersSearch): Omit<AdminListServersInput, 'cursor'> {
  return {
    limit: adminServersPageSize,
    ...(search.status ? { status: search.status } : {}),
    ...(search.customer ? { userId: search.customer } : {}),
    ...(search.location ? { locationId: search.location } : {}),
    ...(search.node ? { node: search.node } : {}),
    ...(search.q ? { query: search.q } : {}),
  };
}

export function AdminServersPage() {
  const trpc = useTRPC();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const client = useTRPCClient();
  const input = listInputOf(search);
  // The cursor is added by hand: tRPC's infinite options would also send a `direction`, which the
  // API's strict input refuses.
  const servers = useInfiniteQuery({
    queryKey: trpc.admin.servers.list.infiniteQueryKey(input),
    queryFn: ({ pageParam, signal }) =>
      client.admin.servers.list.query({ ...input, ...(pageParam ? { cursor: pageParam } : {}) }, { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    placeholderData: keepPreviousData,
  });
  const rows = servers.data?.pages.flatMap((page) => page.servers);
  const filtered = Object.keys(search).length > 0;

  const setFilter = useCallback(
    (patch: Partial<AdminServersSearch>) =>
      void navigate({
        // Filters set back to "all" leave the address, so it shows only the ones in use.
        search: (previous) =>
          Object.fromEntries(
            Object.entries({ ...previous, ...patch }).filter(([, value]) => value),
          ) as AdminServersSearch,
        replace: true,
      }),
    [navigate],
  );

  return (
    <section aria-labelledby="admin-servers-title" className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <h2 id="admin-servers-title" className="text-lg font-semibold text-slate-900">
          Servers
        </h2>
        <p className="text-sm text-slate-600" aria-live="polite">
          {rows ? shownCount(rows.length, servers.hasNextPage) : '\u00a0'}
        </p>
      </div>

      <ServerFilters search={search} onChange={setFilter} />

      {servers.isPending && <ListSkeleton />}
      {servers.isError && (
        <LoadError
          title="The servers could not be loaded."
          error={servers.error}
          onRetry={() => void servers.refetch()}
        />
      )}
      {rows && rows.length === 0 && (
        <div className="rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-600">
          {filtered ? (
            <>
              No servers match these filters.{' '}
              <Link
                to="/admin/servers"
                search={{}}
                className="font-medium text-sky-700 underline-offset-2 hover:underline"
              >
                Clear the filters
              </Link>
            </>
          ) : (
            'No customer has a server yet.'
          )}
        </div>
      )}
      {rows && rows.length > 0 && <AdminServerTable servers={rows} />}
      {servers.hasNextPage && (
        <div className="flex justify-center">
          <Button
            variant="secondary"
            size="sm"
            disabled={servers.isFetchingNextPage}
            onClick={() => void servers.fetchNextPage()}
          >
            {servers.isFetchingNextPage && <Spinner />}
            Show more servers
          </Button>
        </div>
      )}
    </section>
  );
}

function shownCount(count: number, more: boolean): string {
  const servers = `${count.toLocaleString('en')} ${count === 1 ? 'server' : 'servers'}`;
  return more ? `First ${servers} shown` : servers;
}

function ServerFilters({
  search,
  onChange,
}: {
  search: AdminServersSearch;
  onChange(patch: Partial<AdminServersSearch>): void;
}) {
  const trpc = useTRPC();
  const customers = useQuery(trpc.admin.users.list.queryOptions({ role: 'customer', limit: 500 }));
  const locations = useQuery(trpc.adminCatalogue.locations.list.queryOptions({ limit: 500 }));
  const nodes = useQuery(trpc.adminPve.nodes.queryOptions());
  const [typed, setTyped] = useState(search.q ?? '');
  const searchId = useId();

  // The address changed from elsewhere (Back, a link): the box follows it.
  useEffect(() => setTyped(search.q ?? ''), [search.q]);
  useEffect(() => {
    if (typed.trim() === (search.q ?? '')) return;
    const timer = setTimeout(() => onChange({ q: typed.trim() || undefined }), searchDelayMs);
    return () => clearTimeout(timer);
  }, [typed, search.q, onChange]);

  const customerOptions = withCurrent(
    (customers.data?.users ?? []).map((u) => ({
      value: u.id,
      label: u.name ? `${u.name} (${u.email})` : u.email,
    })),
    search.customer,
  );
  const locationOptions = withCurrent(
    (locations.data?.locations ?? []).map((l) => ({ value: l.id, label: l.name })),
    search.location,
  );
  const nodeOptions = withCurrent(
    (nodes.data?.nodes ?? []).map((n) => ({ value: n.name, label: n.name })),
    search.node,
  );

  return (
    <form
      role="search"
      aria-label="Filter servers"
      className="grid gap-2 sm:grid-cols-2 lg:grid-cols-5"
      onSubmit={(event) => {
        event.preventDefault();
        onChange({ q: typed.trim() || undefined });
      }}
    >
      <div className="lg:col-span-1">
        <label htmlFor={searchId} className="sr-only">
          Search servers
        </label>
        <input
          id={searchId}
          type="search"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          placeholder="Name, IP, id or owner"
          className={inputClass}
        />
      </div>
      <FilterSelect
        label="Status"
        value={search.status ?? ''}
        allLabel="All statuses"
        options={serverStatuses.map((s) => ({ value: s, label: statusLabels[s] }))}
        onChange={(value) => onChange({ status: (value || undefined) as AdminServersSearch['status'] })}
      />
      <FilterSelect
        label="Customer"
        value={search.customer ?? ''}
        allLabel="All customers"
        options={customerOptions}
        onChange={(value) => onChange({ customer: value || undefined })}
      />
      <FilterSelect
        label="Location"
        value={search.location ?? ''}
        allLabel="All locations"
        options={locationOptions}
        onChange={(value) => onChange({ location: value || undefined })}
      />
      <FilterSelect
        label="Node"
        value={search.node ?? ''}
        allLabel="All nodes"
        options={nodeOptions}
        onChange={(value) => onChange({ node: value || undefined })}
      />
    </form>
  );
}

interface Option {
  value: string;
  label: string;
}

/** A filter from the address that the list does not know (yet) stays selectable, shown as it is. */
function withCurrent(options: Option[], current: string | undefined): Option[] {
  if (!current || options.some((o) => o.value === current)) return options;
  return [...options, { value: current, label: current }];
}

function FilterSelect({
  label,
  value,
  allLabel,
  options,
  onChange,
}: {
  label: string;
  value: string;
  allLabel: string;
  options: readonly Option[];
  onChange(value: string): void;
}) {
  return (
    <label>
      <span className="sr-only">{label}</span>
      <select value={value} onChange={(e) => onChange(e.target.value)} className={inputClass}>
        <option value="">{allLabel}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

const cell = 'px-4 py-3 align-top';
const head = 'px-4 py-2.5 font-medium';

export function AdminServerTable({ servers }: { servers: readonly AdminServer[] }) {
  return (
    <div className="overflow-x-auto rounded-2xl border border-slate-200 bg-white shadow-xs">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Servers, newest first</caption>
        <thead className="border-b border-slate-200 bg-slate-50/80 text-xs font-medium text-slate-500">
          <tr>
            <th scope="col" className={head}>
              Name
            </th>
            <th scope="col" className={head}>
              Status
            </th>
            <th scope="col" className={head}>
              Owner
            </th>
            <th scope="col" className={`hidden md:table-cell ${head}`}>
              IP address
            </th>
            <th scope="col" className={`hidden lg:table-cell ${head}`}>
              Location
            </th>
            <th scope="col" className={`hidden lg:table-cell ${head}`}>
              Size
            </th>
            <th scope="col" className={`hidden text-right sm:table-cell ${head}`}>
              Created
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {servers.map((server) => (
            <tr key={server.id} className="hover:bg-slate-50/70" data-admin-server-row>
              <td className={cell}>
                <Link
                  to="/admin/servers/$serverId"
                  params={{ serverId: server.id }}
                  className="font-medium text-slate-900 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-sky-600"
                >
                  {server.name}
                </Link>
              </td>
              <td className={cell}>
                <StatusBadge status={server.status} />
                {server.statusReason && (
                  <div className="mt-1 max-w-56 truncate text-xs text-slate-500" title={server.statusReason}>
                    {server.statusReason}
                  </div>
                )}
              </td>
              <td className={cell}>
                <CustomerLink id={server.owner.id}>{server.owner.email}</CustomerLink>
              </td>
              <td className={`hidden font-mono text-[13px] text-slate-800 md:table-cell ${cell}`}>
                {server.ipAddress ?? <span className="font-sans text-slate-400">—</span>}
              </td>
              <td className={`hidden text-slate-700 lg:table-cell ${cell}`}>
                {server.location?.name ?? '—'}
              </td>
              <td className={`hidden whitespace-nowrap text-slate-700 lg:table-cell ${cell}`}>
                {server.cpuCores} vCPU ·{' '}
                {server.memoryMb >= 1024 ? `${server.memoryMb / 1024} GB` : `${server.memoryMb} MB`} ·{' '}
                {server.diskGb} GB
              </td>
              <td className={`hidden text-right whitespace-nowrap text-slate-500 sm:table-cell ${cell}`}>
                <time dateTime={server.createdAt.toISOString()}>
                  {server.createdAt.toLocaleDateString('en-GB')}
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
      aria-label="Loading servers"
      className="overflow-hidden rounded-2xl border border-slate-200 bg-white"
    >
      {Array.from({ length: 5 }, (_, i) => (
        <div key={i} className="flex items-center gap-6 border-b border-slate-100 px-4 py-4 last:border-0">
          <Skeleton className="h-4 w-32" />
          <Skeleton className="h-5 w-20 rounded-full" />
          <Skeleton className="h-4 w-40" />
        </div>
      ))}
    </div>
  );
}
