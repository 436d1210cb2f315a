/**
 * The audit log across everything, newest first: filtered by customer, server, actor, kind (or a
 * prefix such as `server.*`) and time, as the API offers; the filters live in the address. Each event
 * links to its server and to the people in it. Older events come one page at a time from the cursor.
 */
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useEffect, useState, type FormEvent } from 'react';
import type { AdminAuditInput, AuditEventView } from '../../../../shared/admin.ts';
import type { AdminAuditSearch } from '../../../app/admin-search.ts';
import { Button } from '../../../components/Button.tsx';
import { Field, inputClass } from '../../../components/Field.tsx';
import { ListTable } from '../../../components/ListTable.tsx';
import { QueryLoadError } from '../../../components/QueryLoadError.tsx';
import { ShowMoreButton } from '../../../components/ShowMoreButton.tsx';
import { Skeleton } from '../../../components/Skeleton.tsx';
import { useTRPC, useTRPCClient } from '../../../lib/trpc.ts';
import { CustomerLink } from '../components/CustomerLink.tsx';

const route = getRouteApi('/signedIn/admin/audit-log');

export const auditPageSize = 100;

/** The API's filters for the search params in the address. */
export function auditInputOf(search: AdminAuditSearch): Omit<AdminAuditInput, 'cursor'> {
  return {
    limit: auditPageSize,
    ...(search.customer ? { userId: search.customer } : {}),
    ...(search.server ? { serverId: search.server } : {}),
    ...(search.actor ? { actorId: search.actor } : {}),
    ...(search.kind ? { kind: search.kind } : {}),
    ...(search.before ? { before: new Date(search.before) } : {}),
  };
}

/** `<input type="datetime-local">` speaks local time without a zone; the address keeps UTC. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function AuditLogPage() {
  const trpc = useTRPC();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const client = useTRPCClient();
  const input = auditInputOf(search);
  // The cursor is added by hand: tRPC's infinite options would also send a `direction`, which the
  // API's strict input refuses.
  const events = useInfiniteQuery({
    queryKey: trpc.admin.audit.list.infiniteQueryKey(input),
    queryFn: ({ pageParam, signal }) =>
      client.admin.audit.list.query({ ...input, ...(pageParam ? { cursor: pageParam } : {}) }, { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    placeholderData: keepPreviousData,
  });
  const rows = events.data?.pages.flatMap((page) => page.events);

  return (
    <section aria-labelledby="audit-title" className="space-y-4">
      <h2 id="audit-title" className="text-lg font-semibold text-slate-900">
        Audit log
      </h2>
      <AuditFilters search={search} onApply={(next) => void navigate({ search: next })} />
      {events.isPending && <Skeleton className="h-48" />}
      <QueryLoadError title="The audit log could not be loaded." query={events} />
      {rows && rows.length === 0 && (
        <p className="rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-600">
          No events match.
        </p>
      )}
      {rows && rows.length > 0 && <AuditTable events={rows} />}
      <ShowMoreButton list={events} centred>
        Show older events
      </ShowMoreButton>
    </section>
  );
}

function AuditFilters({
  search,
  onApply,
}: {
  search: AdminAuditSearch;
  onApply(next: AdminAuditSearch): void;
}) {
  const trpc = useTRPC();
  const people = useQuery(trpc.admin.users.list.queryOptions({ limit: 500 }));
  const [draft, setDraft] = useState(search);
  useEffect(() => setDraft(search), [search]);
  const users = people.data?.users ?? [];
  const option = (id: string | undefined) =>
    id && !users.some((u) => u.id === id)
      ? [
          <option key={id} value={id}>
            {id}
          </option>,
        ]
      : [];

  function submit(event: FormEvent) {
    event.preventDefault();
    const next: AdminAuditSearch = {};
    if (draft.customer) next.customer = draft.customer;
    if (draft.actor) next.actor = draft.actor;
    if (draft.server?.trim()) next.server = draft.server.trim();
    if (draft.kind?.trim()) next.kind = draft.kind.trim();
    if (draft.before) next.before = draft.before;
    onApply(next);
  }

  return (
    <form role="search" aria-label="Filter the audit log" onSubmit={submit} className="space-y-3">
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5">
        <Field label="Customer">
          {(props) => (
            <select
              {...props}
              value={draft.customer ?? ''}
              onChange={(e) => setDraft({ ...draft, customer: e.target.value || undefined })}
              className={inputClass}
            >
              <option value="">Any customer</option>
              {users
                .filter((u) => u.role === 'customer')
                .map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.email}
                  </option>
                ))}
              {option(draft.customer)}
            </select>
          )}
        </Field>
        <Field label="Done by">
          {(props) => (
            <select
              {...props}
              value={draft.actor ?? ''}
              onChange={(e) => setDraft({ ...draft, actor: e.target.value || undefined })}
              className={inputClass}
            >
              <option value="">Anyone, Keel included</option>
              {users.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.email}
                  {u.role === 'admin' ? ' (operator)' : ''}
                </option>
              ))}
              {option(draft.actor)}
            </select>
          )}
        </Field>
        <Field label="Server ID">
          {(props) => (
            <input
              {...props}
              value={draft.server ?? ''}
              onChange={(e) => setDraft({ ...draft, server: e.target.value || undefined })}
              spellCheck={false}
              className={`${inputClass} font-mono`}
            />
          )}
        </Field>
        <Field label="Kind" hint="An event kind, or a prefix ending in *, e.g. server.*">
          {(props) => (
            <input
              {...props}
              value={draft.kind ?? ''}
              onChange={(e) => setDraft({ ...draft, kind: e.target.value || undefined })}
              spellCheck={false}
              className={`${inputClass} font-mono`}
            />
          )}
        </Field>
        <Field label="Before">
          {(props) => (
            <input
              {...props}
              type="datetime-local"
              value={toLocalInput(draft.before)}
              onChange={(e) => setDraft({ ...draft, before: fromLocalInput(e.target.value) })}
              className={inputClass}
            />
          )}
        </Field>
      </div>
      <div className="flex gap-2">
        <Button type="submit" size="sm">
          Filter
        </Button>
        <Button type="button" variant="secondary" size="sm" onClick={() => onApply({})}>
          Clear
        </Button>
      </div>
    </form>
  );
}

const cell = 'px-4 py-3 align-top';

function AuditTable({ events }: { events: readonly AuditEventView[] }) {
  return (
    <ListTable caption="Audit events, newest first" headers={['Time', 'Event', 'Server', 'Owner', 'Done by']}>
      {events.map((event) => (
        <tr key={event.id} data-audit-row>
          <td className={`${cell} whitespace-nowrap text-slate-600`}>
            <time dateTime={event.at.toISOString()}>{event.at.toLocaleString('en-GB')}</time>
          </td>
          <td className={cell}>
            <p className="text-slate-900">{event.message}</p>
            <p className="font-mono text-xs text-slate-500">
              {event.kind}
              {event.pveUpid && <span title={event.pveUpid}> · PVE task</span>}
            </p>
          </td>
          <td className={cell}>
            {event.server ? (
              <Link
                to="/admin/servers/$serverId"
                params={{ serverId: event.server.id }}
                className="font-medium text-sky-800 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-sky-600"
              >
                {event.server.name}
              </Link>
            ) : (
              <span className="text-slate-400">—</span>
            )}
          </td>
          <td className={cell}>
            {event.owner ? (
              <CustomerLink id={event.owner.id}>{event.owner.email}</CustomerLink>
            ) : (
              <span className="text-slate-400">—</span>
            )}
          </td>
          <td className={cell}>
            {event.actor ? (
              <CustomerLink id={event.actor.id}>{event.actor.email}</CustomerLink>
            ) : (
              <span className="text-slate-600">Keel</span>
            )}
          </td>
        </tr>
      ))}
    </ListTable>
  );
}
