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
import { QueryLoadError } from '../../../components/QueryLoadError.tsx';
import * as Sheet from '../../../components/ServerSheet.tsx';
import { Skeleton } from '../../../components/Skeleton.tsx';
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
      <Link to="/admin/servers" className={Sheet.backLinkClass}>
        <span aria-hidden="true">←</span> All servers
      </Link>
      {query.isPending && <Skeleton className="h-64" />}
      <QueryLoadError title="This server could not be loaded." query={query} />
      {query.data && <ServerDetail server={query.data.server} events={query.data.events} />}
    </div>
  );
}

function ServerDetail({ server, events }: { server: AdminServerDetail; events: ServerEvent[] }) {
  return (
    <>
      <Sheet.Heading
        name={server.name}
        status={server.status}
        level="h2"
        subtitle={
          <>
            Owned by{' '}
            <CustomerLink id={server.owner.id}>{server.owner.name || server.owner.email}</CustomerLink>
            {server.owner.name && <span className="text-slate-500"> · {server.owner.email}</span>}
          </>
        }
        actions={<AdminServerActions server={server} />}
      />
      <Sheet.ReasonNote status={server.status} reason={server.statusReason} />
      {server.suspension && (
        <p className="rounded-xl bg-amber-50 px-4 py-3 text-sm text-amber-900">
          Suspended {server.suspension.at.toLocaleString('en-GB')}
          {server.suspension.by && <> by {server.suspension.by.email}</>}
          {server.suspension.reason && <>: “{server.suspension.reason}”</>}.{' '}
          {server.suspension.restore && <>Unsuspending returns it to {server.suspension.restore}.</>}
        </p>
      )}

      <div className="grid items-start gap-6 lg:grid-cols-3">
        <Sheet.Card id="admin-server-details" title="Details" heading="h3" className="lg:col-span-2">
          <Sheet.Details>
            <AdminDetail label="Node">{server.node ?? '—'}</AdminDetail>
            <AdminDetail label="VMID">{server.vmid ?? '—'}</AdminDetail>
            <AdminDetail label="IP address">
              {server.ipAddress ? <Sheet.IpAddress address={server.ipAddress} /> : '—'}
            </AdminDetail>
            <AdminDetail label="Plan size">
              {server.cpuCores} vCPU ·{' '}
              {server.memoryMb >= 1024 ? `${server.memoryMb / 1024} GB` : `${server.memoryMb} MB`} RAM ·{' '}
              {server.diskGb} GB disk
            </AdminDetail>
            <AdminDetail label="Image">{server.image?.name ?? '—'}</AdminDetail>
            <AdminDetail label="Location">{server.location?.name ?? '—'}</AdminDetail>
            <AdminDetail label="Created">
              <time dateTime={server.createdAt.toISOString()}>
                {server.createdAt.toLocaleString('en-GB')}
              </time>
            </AdminDetail>
            <AdminDetail label="Server ID">
              <Sheet.ServerId id={server.id} />
            </AdminDetail>
            <AdminDetail label="Audit log">
              <Link
                to="/admin/audit-log"
                search={{ server: server.id }}
                className="text-sky-800 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-sky-600"
              >
                Every event
              </Link>
            </AdminDetail>
          </Sheet.Details>
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
        </Sheet.Card>

        <Sheet.Card id="admin-server-events" title="Events" heading="h3">
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
        </Sheet.Card>
      </div>
    </>
  );
}

function AdminDetail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Sheet.Detail label={label} gap="mt-0.5">
      {children}
    </Sheet.Detail>
  );
}
