/**
 * The console's first page: how full each Proxmox VE node is, how many servers are in each status, and
 * what needs the operator: servers in error (retry, or terminate and clean up), guests on the cluster
 * that no Keel server owns, and IP pools nearly out of addresses.
 */
import { useQueries, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import type { AdminServer } from '../../../../shared/admin.ts';
import type { PveNodeInfo } from '../../../../shared/catalogue.ts';
import { serverStatuses } from '../../../../shared/server-status.ts';
import { ListTable, type ListTableHeader } from '../../../components/ListTable.tsx';
import { LoadError } from '../../../components/LoadError.tsx';
import { QueryLoadError } from '../../../components/QueryLoadError.tsx';
import { Skeleton } from '../../../components/Skeleton.tsx';
import { StatusBadge } from '../../../components/StatusBadge.tsx';
import { TitledCard } from '../../../components/TitledCard.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { AdminServerNameLink } from '../components/AdminServerNameLink.tsx';
import { CustomerLink } from '../components/CustomerLink.tsx';
import { UsageBar } from '../components/UsageBar.tsx';
import {
  cpuUse,
  formatBytes,
  memoryUse,
  nearlyFullPools,
  percentBar,
  statusCounts,
  storageUse,
  strayGuests,
} from '../lib/cluster.ts';
import { AdminServerActions } from '../servers/AdminServerActions.tsx';

/** The API's largest page: counts stop there and say "at least". */
export const countPageSize = 500;
const countedStatuses = serverStatuses.filter((s) => s !== 'terminated');
const strayHeaders: readonly ListTableHeader[] = [
  'Node',
  'VMID',
  'Name',
  'State',
  { label: 'Memory', align: 'right' },
];

export function OverviewPage() {
  return (
    <div className="space-y-8">
      <h2 className="sr-only">Overview</h2>
      <NodesSection />
      <StatusSection />
      <AttentionSection />
    </div>
  );
}

function Card({ title, id, children }: { title: string; id: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="space-y-3">
      <h3 id={id} className="text-base font-semibold text-slate-900">
        {title}
      </h3>
      {children}
    </section>
  );
}

function NodesSection() {
  const trpc = useTRPC();
  const nodes = useQuery(trpc.adminPve.nodes.queryOptions());
  return (
    <Card title="Nodes" id="overview-nodes">
      {nodes.isPending && <Skeleton className="h-32" />}
      <QueryLoadError title="The cluster's nodes could not be read." query={nodes} />
      {nodes.data && nodes.data.nodes.length === 0 && (
        <p className="text-sm text-slate-600">The cluster reports no nodes.</p>
      )}
      {nodes.data && nodes.data.nodes.length > 0 && (
        <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
          {nodes.data.nodes.map((node) => (
            <li key={node.name}>
              <NodeCard node={node} />
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function NodeCard({ node }: { node: PveNodeInfo }) {
  const online = node.status === 'online';
  return (
    <article
      aria-labelledby={`node-${node.name}`}
      className="space-y-3 rounded-2xl border border-slate-200 bg-white p-5 shadow-xs"
    >
      <div className="flex items-center justify-between gap-2">
        <h4 id={`node-${node.name}`} className="font-mono text-sm font-semibold text-slate-900">
          {node.name}
        </h4>
        <span
          className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${online ? 'bg-emerald-50 text-emerald-800 ring-emerald-600/20' : 'bg-red-50 text-red-800 ring-red-600/20'}`}
        >
          {node.status}
        </span>
      </div>
      <UsageBar captioned label={`CPU of ${node.name}`} {...percentBar(cpuUse(node))} />
      <UsageBar captioned label={`Memory of ${node.name}`} {...percentBar(memoryUse(node))} />
      <UsageBar captioned label={`Storage of ${node.name}`} {...percentBar(storageUse(node))} />
    </article>
  );
}

function StatusSection() {
  const trpc = useTRPC();
  const pages = useQueries({
    queries: countedStatuses.map((status) =>
      trpc.admin.servers.list.queryOptions({ status, limit: countPageSize }),
    ),
  });
  const failed = pages.find((p) => p.isError);
  const loaded = pages.every((p) => p.data);
  const counts = loaded
    ? statusCounts(
        countedStatuses.map((status, i) => ({
          status,
          count: pages[i]!.data!.servers.length,
          more: pages[i]!.data!.nextCursor !== null,
        })),
      )
    : [];
  return (
    <Card title="Servers by status" id="overview-status">
      {failed && (
        <LoadError
          title="The servers could not be counted."
          error={failed.error}
          onRetry={() => pages.forEach((p) => void p.refetch())}
        />
      )}
      {!loaded && !failed && <Skeleton className="h-12" />}
      {loaded && counts.length === 0 && <p className="text-sm text-slate-600">No servers yet.</p>}
      {loaded && counts.length > 0 && (
        <ul className="flex flex-wrap gap-2">
          {counts.map(({ status, count, atLeast }) => (
            <li key={status}>
              <Link
                to="/admin/servers"
                search={{ status }}
                className="flex items-center gap-2 rounded-xl border border-slate-200 bg-white px-3 py-2 text-sm shadow-xs hover:border-slate-300 focus-visible:outline-2 focus-visible:outline-sky-600"
              >
                <StatusBadge status={status} />
                <span className="font-semibold text-slate-900 tabular-nums">
                  {atLeast ? `${count.toLocaleString('en')}+` : count.toLocaleString('en')}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function AttentionSection() {
  const trpc = useTRPC();
  const failing = useQuery(trpc.admin.servers.list.queryOptions({ status: 'error', limit: countPageSize }));
  const vms = useQuery(trpc.adminPve.vms.queryOptions());
  const pools = useQuery(trpc.adminCatalogue.ipPools.list.queryOptions({ limit: 500 }));
  const locations = useQuery(trpc.adminCatalogue.locations.list.queryOptions({ limit: 500 }));
  const strays = vms.data ? strayGuests(vms.data.vms) : [];
  const full = pools.data ? nearlyFullPools(pools.data.pools) : [];
  const locationName = (id: string) =>
    locations.data?.locations.find((l) => l.id === id)?.name ?? 'a location';

  return (
    <Card title="Needs attention" id="overview-attention">
      <div className="grid gap-6 lg:grid-cols-2">
        <Panel title="Servers in error" id="attention-errors">
          {failing.isPending && <Skeleton className="h-16" />}
          <QueryLoadError title="Servers in error could not be loaded." query={failing} />
          {failing.data && failing.data.servers.length === 0 && <Nothing>No server is in error.</Nothing>}
          {failing.data && failing.data.servers.length > 0 && (
            <ul className="divide-y divide-slate-100">
              {failing.data.servers.map((server) => (
                <FailingServer key={server.id} server={server} />
              ))}
            </ul>
          )}
        </Panel>

        <div className="space-y-6">
          <Panel title="VMs no Keel server owns" id="attention-strays">
            {vms.isPending && <Skeleton className="h-16" />}
            <QueryLoadError title="The cluster's VMs could not be read." query={vms} />
            {vms.data && strays.length === 0 && (
              <Nothing>Every VM on the cluster belongs to a Keel server.</Nothing>
            )}
            {strays.length > 0 && (
              <ListTable
                look="compact"
                caption="VMs on the cluster that no Keel server owns"
                headers={strayHeaders}
              >
                {strays.map((vm) => (
                  <tr key={`${vm.node}/${vm.vmid}`}>
                    <td className="py-1.5 font-mono text-xs">{vm.node}</td>
                    <td className="py-1.5 font-mono text-xs">{vm.vmid}</td>
                    <td className="py-1.5">{vm.name ?? '—'}</td>
                    <td className="py-1.5">{vm.status}</td>
                    <td className="py-1.5 text-right tabular-nums">
                      {vm.maxmem === null ? '—' : formatBytes(vm.maxmem)}
                    </td>
                  </tr>
                ))}
              </ListTable>
            )}
          </Panel>

          <Panel title="IP pools nearly full" id="attention-pools">
            {pools.isPending && <Skeleton className="h-16" />}
            <QueryLoadError title="The IP pools could not be loaded." query={pools} />
            {pools.data && full.length === 0 && <Nothing>Every pool has addresses to spare.</Nothing>}
            {full.length > 0 && (
              <ul className="space-y-3">
                {full.map((pool) => (
                  <li key={pool.id}>
                    <UsageBar
                      captioned
                      label={`${pool.cidr} in ${locationName(pool.locationId)}`}
                      {...percentBar({
                        fraction: pool.size > 0 ? pool.allocated / pool.size : 1,
                        text: `${pool.allocated} of ${pool.size} used, ${pool.free} free`,
                      })}
                    />
                  </li>
                ))}
              </ul>
            )}
          </Panel>
        </div>
      </div>
    </Card>
  );
}

function Panel({ title, id, children }: { title: string; id: string; children: ReactNode }) {
  return (
    <TitledCard id={id} title={title} heading="h4" titleClassName="mb-3 text-sm">
      {children}
    </TitledCard>
  );
}

function Nothing({ children }: { children: ReactNode }) {
  return <p className="text-sm text-slate-500">{children}</p>;
}

function FailingServer({ server }: { server: AdminServer }) {
  return (
    <li className="space-y-2 py-3 first:pt-0 last:pb-0">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <AdminServerNameLink server={server} />
        <span className="text-xs text-slate-500">
          <CustomerLink id={server.owner.id}>{server.owner.email}</CustomerLink>
        </span>
      </div>
      <p className="text-sm text-red-900">{server.statusReason ?? 'No reason was recorded.'}</p>
      <AdminServerActions server={server} only={['retry', 'terminate']} />
    </li>
  );
}
