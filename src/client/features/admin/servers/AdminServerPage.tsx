/**
 * One server as the operator sees it: owner, node and VMID, address, size, suspension, the job under
 * way or the last failure, every action, and the events (with PVE details).
 */
import { useQuery } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import type { AdminServerDetail } from '../../../../shared/admin.ts';
import type { ServerEvent } from '../../../../shared/api.ts';
import { transitionalStatuses } from '../../../../shared/server-status.ts';
import { CopyButton } from '../../../components/CopyButton.tsx';
import { LoadError } from '../../../components/LoadError.tsx';
import { Skeleton } from '../../../components/Skeleton.tsx';
import { StatusBadge } from '../../../components/StatusBadge.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { CustomerLink } from '../components/CustomerLink.tsx';
import { AdminServerActions } from './AdminServerActions.tsx';

const route = getRouteApi('/signedIn/admin/servers/$serverId');

/** While the server or its job is changing, the page asks again this often. */
export const adminPollMs = 2_000;

export function AdminServerPage() {
  const { serverId } = route.useParams();
  const trpc = useTRPC();
  const query = useQuery({
    ...trpc.admin.servers.byId.queryOptions({ id: serverId }),
    refetchInterval: (q) => {
      const server = q.state.data?.server;
      return server && (transitionalStatuses.has(server.status) || server.job) ? adminPollMs : false;
    },
  });
  return (
    <div className="space-y-6">
      <Link
        to="/admin/servers"
        className="inline-flex items-center gap-1 text-sm text-slate-600 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-600"
      >
        <span aria-hidden="true">←</span> All servers
      </Link>
      {query.isPending && <Skeleton className="h-64" />}
      {query.isError && (
        <LoadError
          title="This server could not be loaded."
          error={query.error}
          onRetry={() => void query.refetch()}
        />
      )}
      {query.data && <ServerDetail server={query.data.server} events={query.data.events} />}
    </div>
  );
}

function ServerDetail({ server, events }: { server: AdminServerDetail; events: ServerEvent[] }) {
  return (
    <>
      <header className="flex flex-col gap-4 lg:flex-row lg:items-start lg:justify-between">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-3">
            <h2 className="truncate text-xl font-semibold tracking-tight text-slate-900">{server.name}</h2>
            <StatusBadge status={server.status} />
          </div>
          <p className="mt-1 text-sm text-slate-600">
            Owned by{' '}
            <CustomerLink id={server.owner.id}>{server.owner.name || server.owner.email}</CustomerLink>
            {server.owner.name && <span className="text-slate-500"> · {server.owner.email}</span>}
          </p>
        </div>
        {server.status !== 'terminated' && <AdminServerActions server={server} />}
      </header>

      {server.statusReason && (
        <p
          role="status"
          className={`rounded-xl px-4 py-3 text-sm ${server.status === 'error' ? 'bg-red-50 text-red-900' : 'bg-amber-50 text-amber-900'}`}
        >
          {server.statusReason}
        </p>
      )}
      {server.suspension && (
        <p className="rounded-xl bg-amber-50 px-4 py-3 text-sm text-amber-900">
          Suspended {server.suspension.at.toLocaleString('en-GB')}
          {server.suspension.by && <> by {server.suspension.by.email}</>}
          {server.suspension.reason && <>: “{server.suspension.reason}”</>}.{' '}
          {server.suspension.restore && <>Unsuspending returns it to {server.suspension.restore}.</>}
        </p>
      )}

      <div className="grid items-start gap-6 lg:grid-cols-3">
        <section
          aria-labelledby="admin-server-details"
          className="rounded-2xl border border-slate-200 bg-white p-5 shadow-xs lg:col-span-2"
        >
          <h3 id="admin-server-details" className="text-sm font-semibold text-slate-900">
            Details
          </h3>
          <dl className="mt-4 grid grid-cols-2 gap-x-6 gap-y-4 text-sm sm:grid-cols-3">
            <Detail label="Node">{server.node ?? '—'}</Detail>
            <Detail label="VMID">{server.vmid ?? '—'}</Detail>
            <Detail label="IP address">
              {server.ipAddress ? (
                <span className="inline-flex items-center gap-1 font-mono text-[13px]">
                  {server.ipAddress}
                  <CopyButton value={server.ipAddress} label="Copy IP address" />
                </span>
              ) : (
                '—'
              )}
            </Detail>
            <Detail label="Plan size">
              {server.cpuCores} vCPU ·{' '}
              {server.memoryMb >= 1024 ? `${server.memoryMb / 1024} GB` : `${server.memoryMb} MB`} RAM ·{' '}
              {server.diskGb} GB disk
            </Detail>
            <Detail label="Image">{server.image?.name ?? '—'}</Detail>
            <Detail label="Location">{server.location?.name ?? '—'}</Detail>
            <Detail label="Created">
              <time dateTime={server.createdAt.toISOString()}>
                {server.createdAt.toLocaleString('en-GB')}
              </time>
            </Detail>
            <Detail label="Server ID">
              <span className="block truncate font-mono text-xs text-slate-600" title={server.id}>
                {server.id}
              </span>
            </Detail>
            <Detail label="Audit log">
              <Link
                to="/admin/audit-log"
                search={{ server: server.id }}
                className="text-sky-800 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-sky-600"
              >
                Every event
              </Link>
            </Detail>
          </dl>
          {(server.job ?? server.lastFailure) && (
            <div className="mt-5 space-y-2 border-t border-slate-100 pt-4 text-sm">
              {server.job && (
                <p className="text-slate-700">
                  <span className="font-medium">Job under way:</span> {server.job.kind} ({server.job.state}
                  {server.job.step ? `, step ${server.job.step}` : ''}, attempt {server.job.attempts})
                  {server.job.lastError && (
                    <span className="text-red-800"> — last error: {server.job.lastError}</span>
                  )}
                </p>
              )}
              {server.lastFailure && (
                <p className="text-red-900">
                  <span className="font-medium">Last failed operation:</span> {server.lastFailure.kind}
                  {server.lastFailure.error && <>: {server.lastFailure.error}</>}
                  {server.lastFailure.at && <> ({server.lastFailure.at.toLocaleString('en-GB')})</>}. Retry
                  repeats it.
                </p>
              )}
            </div>
          )}
        </section>

        <section
          aria-labelledby="admin-server-events"
          className="rounded-2xl border border-slate-200 bg-white p-5 shadow-xs"
        >
          <h3 id="admin-server-events" className="text-sm font-semibold text-slate-900">
            Events
          </h3>
          {events.length === 0 ? (
            <p className="mt-3 text-sm text-slate-500">Nothing recorded yet.</p>
          ) : (
            <ol className="mt-3 space-y-3">
              {events.map((event) => (
                <li key={event.id} className="text-sm">
                  <p className="text-slate-800">{event.message}</p>
                  <p className="text-xs text-slate-500">
                    <time dateTime={event.at.toISOString()}>{event.at.toLocaleString('en-GB')}</time> ·{' '}
                    <span className="font-mono">{event.kind}</span>
                  </p>
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>
    </>
  );
}

function Detail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="mt-0.5 text-slate-900">{children}</dd>
    </div>
  );
}
