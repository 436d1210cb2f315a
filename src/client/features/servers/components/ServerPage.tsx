import { Link } from '@tanstack/react-router';
import { lazy, Suspense, type ReactNode } from 'react';
import type { Server, ServerEvent } from '../../../../shared/api.ts';
import { LoadError } from '../../../components/LoadError.tsx';
import { CopyButton } from '../../../components/CopyButton.tsx';
import { Skeleton } from '../../../components/Skeleton.tsx';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../../components/Tabs.tsx';
import { useServer } from '../hooks/useServers.ts';
import { formatAge, formatMemory } from '../lib/format.ts';
import { ProvisioningProgress } from './ProvisioningProgress.tsx';
import { ServerActions } from './ServerActions.tsx';
import { StatusBadge } from './StatusBadge.tsx';

// The console (noVNC) and the graphs (uPlot) are chunks of their own, fetched when their tab opens.
const ConsolePanel = lazy(() => import('../console/ConsolePanel.tsx'));
const UsagePanel = lazy(() => import('../usage/UsagePanel.tsx'));
// Snapshots and Settings bring forms, dialogs and the API's schemas; they too load with their tab.
const SnapshotsPanel = lazy(() => import('../snapshots/SnapshotsPanel.tsx'));
const SettingsPanel = lazy(() => import('../settings/SettingsPanel.tsx'));

export function ServerPage({ id }: { id: string }) {
  const query = useServer(id);
  return (
    <div className="space-y-6">
      <Link
        to="/servers"
        activeOptions={{ exact: true }}
        className="inline-flex items-center gap-1 text-sm text-slate-600 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-600"
      >
        <span aria-hidden="true">←</span> All servers
      </Link>
      {query.isPending && <PageSkeleton />}
      {query.isError && (
        <LoadError
          title="This server could not be loaded."
          error={query.error}
          onRetry={() => void query.refetch()}
        />
      )}
      {query.data && <ServerDetails server={query.data.server} events={query.data.events ?? []} />}
    </div>
  );
}

function ServerDetails({ server, events }: { server: Server; events: ServerEvent[] }) {
  const now = new Date();
  return (
    <>
      <header className="flex flex-col gap-4 lg:flex-row lg:items-start lg:justify-between">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-3">
            <h1 className="truncate text-2xl font-semibold tracking-tight text-slate-900">{server.name}</h1>
            <StatusBadge status={server.status} />
          </div>
          <p className="mt-1 text-sm text-slate-600">
            {server.image?.name ?? 'Unknown image'} · {server.location?.name ?? 'Unknown location'}
          </p>
        </div>
        {server.status !== 'terminated' && <ServerActions server={server} />}
      </header>

      {server.statusReason && (
        <p
          role="status"
          className={`rounded-xl px-4 py-3 text-sm ${server.status === 'error' ? 'bg-red-50 text-red-900' : 'bg-amber-50 text-amber-900'}`}
        >
          {server.statusReason}
        </p>
      )}
      {server.status === 'terminated' && (
        <p className="rounded-xl bg-slate-100 px-4 py-3 text-sm text-slate-700">
          This server has been terminated and its disk deleted.
        </p>
      )}

      {server.progress && <ProvisioningProgress progress={server.progress} />}

      <Tabs defaultValue="overview">
        <TabsList label="Server sections">
          <TabsTrigger value="overview">Overview</TabsTrigger>
          <TabsTrigger value="console">Console</TabsTrigger>
          <TabsTrigger value="usage">Usage</TabsTrigger>
          <TabsTrigger value="snapshots">Snapshots</TabsTrigger>
          <TabsTrigger value="settings">Settings</TabsTrigger>
        </TabsList>
        <TabsContent value="overview">
          <Overview server={server} events={events} now={now} />
        </TabsContent>
        <TabsContent value="console">
          <Suspense fallback={<Skeleton className="h-96" />}>
            <ConsolePanel server={server} />
          </Suspense>
        </TabsContent>
        <TabsContent value="usage">
          <Suspense fallback={<Skeleton className="h-64" />}>
            <UsagePanel server={server} />
          </Suspense>
        </TabsContent>
        <TabsContent value="snapshots">
          <Suspense fallback={<Skeleton className="h-64" />}>
            <SnapshotsPanel server={server} />
          </Suspense>
        </TabsContent>
        <TabsContent value="settings">
          <Suspense fallback={<Skeleton className="h-64" />}>
            <SettingsPanel server={server} />
          </Suspense>
        </TabsContent>
      </Tabs>
    </>
  );
}

function Overview({ server, events, now }: { server: Server; events: ServerEvent[]; now: Date }) {
  return (
    <>
      <div className="grid items-start gap-6 lg:grid-cols-3">
        <section
          aria-labelledby="details-title"
          className="rounded-2xl border border-slate-200 bg-white p-5 shadow-xs lg:col-span-2"
        >
          <h2 id="details-title" className="text-sm font-semibold text-slate-900">
            Details
          </h2>
          <dl className="mt-4 grid grid-cols-2 gap-x-6 gap-y-4 text-sm sm:grid-cols-3">
            <Detail label="IP address">
              {server.ipAddress ? (
                <span className="inline-flex items-center gap-1 font-mono text-[13px]">
                  {server.ipAddress}
                  <CopyButton value={server.ipAddress} label="Copy IP address" />
                </span>
              ) : (
                <span className="text-slate-500">Assigned while it is set up</span>
              )}
            </Detail>
            <Detail label="vCPU">{server.cpuCores}</Detail>
            <Detail label="Memory">{formatMemory(server.memoryMb)}</Detail>
            <Detail label="Disk">{server.diskGb} GB</Detail>
            <Detail label="Image">{server.image?.name ?? '—'}</Detail>
            <Detail label="Location">{server.location?.name ?? '—'}</Detail>
            <Detail label="Created">
              <time dateTime={server.createdAt.toISOString()} title={server.createdAt.toLocaleString()}>
                {formatAge(server.createdAt, now)}
              </time>
            </Detail>
            <Detail label="Server ID">
              <span className="block truncate font-mono text-xs text-slate-600" title={server.id}>
                {server.id}
              </span>
            </Detail>
          </dl>
        </section>

        <section
          aria-labelledby="activity-title"
          className="rounded-2xl border border-slate-200 bg-white p-5 shadow-xs"
        >
          <h2 id="activity-title" className="text-sm font-semibold text-slate-900">
            Activity
          </h2>
          {events.length === 0 ? (
            <p className="mt-4 text-sm text-slate-500">Nothing has happened yet.</p>
          ) : (
            <ol className="mt-4 space-y-3">
              {events.slice(0, 12).map((event) => (
                <li key={event.id} className="flex gap-3 text-sm">
                  <span aria-hidden="true" className="mt-1.5 size-1.5 shrink-0 rounded-full bg-slate-300" />
                  <div className="min-w-0">
                    <p className="text-slate-800">{event.message}</p>
                    <time
                      dateTime={event.at.toISOString()}
                      title={event.at.toLocaleString()}
                      className="text-xs text-slate-500"
                    >
                      {formatAge(event.at, now)}
                    </time>
                  </div>
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
      <dd className="mt-1 text-slate-900">{children}</dd>
    </div>
  );
}

function PageSkeleton() {
  return (
    <div aria-busy="true" aria-label="Loading the server" className="space-y-6">
      <Skeleton className="h-8 w-64" />
      <Skeleton className="h-40" />
    </div>
  );
}
