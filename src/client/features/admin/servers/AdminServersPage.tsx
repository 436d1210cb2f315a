/**
 * Every server of every customer, newest first, filtered by status, customer, location, node and a
 * search. The filters live in the address (search params), so a filtered view can be shared, kept as a
 * bookmark and walked with Back; pages come from the API's cursor, one "Show more" at a time.
 */
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useCallback, useEffect, useState } from 'react';
import type { AdminListServersInput, AdminServer } from '../../../../shared/admin.ts';
import { serverStatuses } from '../../../../shared/server-status.ts';
import type { AdminServersSearch } from '../../../app/admin-search.ts';
import { BusyRows } from '../../../components/BusySkeleton.tsx';
import { FilterSelect, SearchBox, type FilterOption } from '../../../components/ListFilters.tsx';
import { ListTable, type ListTableHeader } from '../../../components/ListTable.tsx';
import { QueryLoadError } from '../../../components/QueryLoadError.tsx';
import * as Sheet from '../../../components/ServerSheet.tsx';
import { ShowMoreButton } from '../../../components/ShowMoreButton.tsx';
import { StatusBadge } from '../../../components/StatusBadge.tsx';
import { inlineLinkClass } from '../../../components/link-styles.ts';
import { statusLabels } from '../../../lib/server-status-display.ts';
import { useTRPC, useTRPCClient } from '../../../lib/trpc.ts';
import { AdminServerNameLink } from '../components/AdminServerNameLink.tsx';
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

      {servers.isPending && (
        <BusyRows label="Loading servers" rows={5} bars={['h-4 w-32', 'h-5 w-20 rounded-full', 'h-4 w-40']} />
      )}
      <QueryLoadError title="The servers could not be loaded." query={servers} />
      {rows && rows.length === 0 && (
        <div className="rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-600">
          {filtered ? (
            <>
              No servers match these filters.{' '}
              <Link to="/admin/servers" search={{}} className={inlineLinkClass}>
                Clear the filters
              </Link>
            </>
          ) : (
            'No customer has a server yet.'
          )}
        </div>
      )}
      {rows && rows.length > 0 && <AdminServerTable servers={rows} />}
      <ShowMoreButton list={servers} centred>
        Show more servers
      </ShowMoreButton>
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
      <SearchBox
        label="Search servers"
        className="lg:col-span-1"
        value={typed}
        onValueChange={setTyped}
        placeholder="Name, IP, id or owner"
      />
      <AddressFilter
        label="Status"
        value={search.status ?? ''}
        allLabel="All statuses"
        options={serverStatuses.map((s) => ({ value: s, label: statusLabels[s] }))}
        onChange={(value) => onChange({ status: (value || undefined) as AdminServersSearch['status'] })}
      />
      <AddressFilter
        label="Customer"
        value={search.customer ?? ''}
        allLabel="All customers"
        options={customerOptions}
        onChange={(value) => onChange({ customer: value || undefined })}
      />
      <AddressFilter
        label="Location"
        value={search.location ?? ''}
        allLabel="All locations"
        options={locationOptions}
        onChange={(value) => onChange({ location: value || undefined })}
      />
      <AddressFilter
        label="Node"
        value={search.node ?? ''}
        allLabel="All nodes"
        options={nodeOptions}
        onChange={(value) => onChange({ node: value || undefined })}
      />
    </form>
  );
}

/** A filter from the address that the list does not know (yet) stays selectable, shown as it is. */
function withCurrent(options: FilterOption[], current: string | undefined): FilterOption[] {
  if (!current || options.some((o) => o.value === current)) return options;
  return [...options, { value: current, label: current }];
}

/** A select of the address's filters: "All …" (the empty value) first. */
function AddressFilter({
  label,
  value,
  allLabel,
  options,
  onChange,
}: {
  label: string;
  value: string;
  allLabel: string;
  options: readonly FilterOption[];
  onChange(value: string): void;
}) {
  return (
    <FilterSelect
      label={label}
      value={value}
      options={[{ value: '', label: allLabel }, ...options]}
      onValueChange={onChange}
    />
  );
}

const cell = 'px-4 py-3 align-top';

const serverHeaders: readonly ListTableHeader[] = [
  'Name',
  'Status',
  'Owner',
  { label: 'IP address', from: 'md' },
  { label: 'Location', from: 'lg' },
  { label: 'Size', from: 'lg' },
  { label: 'Created', from: 'sm', align: 'right' },
];

export function AdminServerTable({ servers }: { servers: readonly AdminServer[] }) {
  return (
    <ListTable caption="Servers, newest first" headers={serverHeaders}>
      {servers.map((server) => (
        <tr key={server.id} className="hover:bg-slate-50/70" data-admin-server-row>
          <td className={cell}>
            <AdminServerNameLink server={server} />
          </td>
          <td className={cell}>
            <StatusBadge status={server.status} />
            <Sheet.ReasonLine reason={server.statusReason} />
          </td>
          <td className={cell}>
            <CustomerLink id={server.owner.id}>{server.owner.email}</CustomerLink>
          </td>
          <td className={`hidden font-mono text-[13px] text-slate-800 md:table-cell ${cell}`}>
            {server.ipAddress ?? <span className="font-sans text-slate-400">—</span>}
          </td>
          <td className={`hidden text-slate-700 lg:table-cell ${cell}`}>{server.location?.name ?? '—'}</td>
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
    </ListTable>
  );
}
