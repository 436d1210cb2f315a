/**
 * The operator's customer accounts: search by email or name (the query is in the address, `?q=`),
 * newest first, 50 at a time, and a way to create one.
 */
import { useInfiniteQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import type { AdminUser } from '../../../../shared/users.ts';
import { Button } from '../../../components/Button.tsx';
import { SearchBox } from '../../../components/ListFilters.tsx';
import { QueryLoadError } from '../../../components/QueryLoadError.tsx';
import { ShowMoreButton } from '../../../components/ShowMoreButton.tsx';
import { nameLinkClass } from '../../../components/link-styles.ts';
import { useTRPC, useTRPCClient } from '../../../lib/trpc.ts';
import { ListTable } from '../../../components/ListTable.tsx';
import { EmptyState, TableSkeleton, cellClass } from '../components/DataTable.tsx';
import { SectionHeader } from '../components/SectionHeader.tsx';
import { AccountStateBadge } from './AccountStateBadge.tsx';
import { CreateCustomerDialog } from './CreateCustomerDialog.tsx';

export const customersPageSize = 50;
/** Typing pauses this long before the search runs, so each key press is not a request. */
const searchDelayMs = 250;

export function CustomersPage() {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const search: { q?: unknown } = useSearch({ strict: false });
  const query = typeof search.q === 'string' ? search.q : '';
  const [typed, setTyped] = useState(query);

  useEffect(() => {
    if (typed.trim() === query) return;
    const timer = setTimeout(() => {
      const q = typed.trim();
      void navigate({ to: '/admin/customers', search: q ? { q } : {}, replace: true });
    }, searchDelayMs);
    return () => clearTimeout(timer);
  }, [typed, query, navigate]);

  // Pages fetched by hand: tRPC's infinite-query helper adds a `direction` the API's strict input refuses.
  const client = useTRPCClient();
  const input = { limit: customersPageSize, ...(query ? { query } : {}) };
  const users = useInfiniteQuery({
    queryKey: trpc.admin.users.list.infiniteQueryKey(input),
    queryFn: ({ pageParam }) =>
      client.admin.users.list.query({ ...input, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  const all = users.data?.pages.flatMap((page) => page.users);

  return (
    <section aria-labelledby="customers-title" className="space-y-4">
      <SectionHeader
        id="customers-title"
        title="Customers"
        action={<CreateCustomerDialog trigger={<Button size="sm">New customer</Button>} />}
      >
        Accounts, newest first. Open one for its servers, quota and access.
      </SectionHeader>

      <form role="search" onSubmit={(e) => e.preventDefault()} className="sm:w-96">
        <SearchBox
          label="Search customers"
          value={typed}
          onValueChange={setTyped}
          placeholder="Search by email or name"
        />
      </form>

      {users.isPending && <TableSkeleton label="Loading customers" />}
      <QueryLoadError title="The customers could not be loaded." query={users} />
      {all && all.length === 0 && (
        <EmptyState title={query ? 'No customer matches' : 'No customers yet'}>
          {query
            ? `Nobody’s email or name contains “${query}”.`
            : 'Create the first account with New customer.'}
        </EmptyState>
      )}
      {all && all.length > 0 && <CustomerTable users={all} />}
      <ShowMoreButton list={users}>Show more</ShowMoreButton>
    </section>
  );
}

function CustomerTable({ users }: { users: AdminUser[] }) {
  return (
    <ListTable
      caption="Customers"
      headers={['Account', 'Role', 'State', 'Quota (servers / vCPU / memory)', 'Created']}
    >
      {users.map((user) => (
        <tr key={user.id}>
          <td className={cellClass}>
            <Link
              to="/admin/customers/$customerId"
              params={{ customerId: user.id }}
              className={nameLinkClass}
            >
              {user.email}
            </Link>
            {user.name && <div className="text-xs text-slate-500">{user.name}</div>}
          </td>
          <td className={`${cellClass} text-slate-700`}>
            {user.role === 'admin' ? 'Administrator' : 'Customer'}
          </td>
          <td className={cellClass}>
            <AccountStateBadge disabled={user.disabled} />
          </td>
          <td className={`${cellClass} text-slate-700`}>
            {user.effectiveQuota.maxServers} / {user.effectiveQuota.maxCores} /{' '}
            {user.effectiveQuota.maxMemoryMb} MB
          </td>
          <td className={`${cellClass} whitespace-nowrap text-slate-500`}>
            <time dateTime={user.createdAt.toISOString()}>{user.createdAt.toLocaleDateString('en')}</time>
          </td>
        </tr>
      ))}
    </ListTable>
  );
}
