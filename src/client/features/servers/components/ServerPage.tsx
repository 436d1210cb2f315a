import { Link } from '@tanstack/react-router';
import { lazy, Suspense } from 'react';
import type { Server, ServerEvent } from '../../../../shared/api.ts';
import { BusySkeleton } from '../../../components/BusySkeleton.tsx';
import { QueryLoadError } from '../../../components/QueryLoadError.tsx';
import * as Sheet from '../../../components/ServerSheet.tsx';
import { Skeleton } from '../../../components/Skeleton.tsx';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../../components/Tabs.tsx';
import { useServer } from '../hooks/useServers.ts';
import { formatAge, formatMemory } from '../lib/format.ts';
import { ProvisioningProgress } from './ProvisioningProgress.tsx';
import { ServerActions } from './ServerActions.tsx';

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
      <Link to="/servers" activeOptions={{ exact: true }} className={Sheet.backLinkClass}>
        <span aria-hidden="true">←</span> All servers
      </Link>
      {query.isPending && <PageSkeleton />}
      <QueryLoadError title="This server could not be loaded." query={query} />
      {query.data && <ServerDetails server={query.data.server} events={query.data.events ?? []} />}
    </div>
  );
}

function ServerDetails({ server, events }: { server: Server; events: ServerEvent[] }) {
  const now = new Date();
  return (
    <>
      <Sheet.Heading
        name={server.name}
        status={server.status}
        level="h1"
        subtitle={`${server.image?.name ?? 'Unknown image'} · ${server.location?.name ?? 'Unknown location'}`}
        actions={<ServerActions server={server} />}
      />
      <Sheet.ReasonNote status={server.status} reason={server.statusReason} />
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
        <Sheet.Card id="details-title" title="Details" heading="h2" className="lg:col-span-2">
          <Sheet.Details>
            <Sheet.Detail label="IP address">
              {server.ipAddress ? (
                <Sheet.IpAddress address={server.ipAddress} />
              ) : (
                <span className="text-slate-500">Assigned while it is set up</span>
              )}
            </Sheet.Detail>
            <Sheet.Detail label="vCPU">{server.cpuCores}</Sheet.Detail>
            <Sheet.Detail label="Memory">{formatMemory(server.memoryMb)}</Sheet.Detail>
            <Sheet.Detail label="Disk">{server.diskGb} GB</Sheet.Detail>
            <Sheet.Detail label="Image">{server.image?.name ?? '—'}</Sheet.Detail>
            <Sheet.Detail label="Location">{server.location?.name ?? '—'}</Sheet.Detail>
            <Sheet.Detail label="Created">
              <time dateTime={server.createdAt.toISOString()} title={server.createdAt.toLocaleString()}>
                {formatAge(server.createdAt, now)}
              </time>
            </Sheet.Detail>
            <Sheet.Detail label="Server ID">
              <Sheet.ServerId id={server.id} />
            </Sheet.Detail>
          </Sheet.Details>
        </Sheet.Card>

        <Sheet.Card id="activity-title" title="Activity" heading="h2">
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
        </Sheet.Card>
      </div>
    </>
  );
}

function PageSkeleton() {
  return <BusySkeleton label="Loading the server" className="space-y-6" bars={['h-8 w-64', 'h-40']} />;
}
