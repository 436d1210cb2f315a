/**
 * The operator's webhook endpoints: where Keel posts signed events (server.created, user.disabled, …).
 * Each endpoint shows its latest deliveries with their state and the receiver's response code, and a
 * delivery can be sent again at once.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { WebhookEndpoint } from '../../../../shared/webhooks.ts';
import { Button } from '../../../components/Button.tsx';
import { QueryLoadError } from '../../../components/QueryLoadError.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { ConfirmDialog } from '../../../components/ConfirmDialog.tsx';
import { EmptyState, TableSkeleton } from '../components/DataTable.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { SectionHeader } from '../components/SectionHeader.tsx';
import { DeliveriesTable } from './DeliveriesTable.tsx';
import { EndpointDialog } from './EndpointDialog.tsx';

export function WebhooksPage() {
  const trpc = useTRPC();
  const endpoints = useQuery(trpc.adminWebhooks.list.queryOptions());
  return (
    <section aria-labelledby="webhooks-title" className="space-y-4">
      <SectionHeader
        id="webhooks-title"
        title="Webhooks"
        descriptionClassName="max-w-2xl"
        action={<EndpointDialog trigger={<Button size="sm">New endpoint</Button>} />}
      >
        Keel posts each event to the endpoints that want it, signed with the endpoint’s secret
        (X-Keel-Signature), and retries with backoff until the receiver answers 2xx.
      </SectionHeader>
      {endpoints.isPending && <TableSkeleton label="Loading webhook endpoints" />}
      <QueryLoadError title="The webhook endpoints could not be loaded." query={endpoints} />
      {endpoints.data && endpoints.data.endpoints.length === 0 && (
        <EmptyState title="No endpoints yet">
          Add one to tell a billing system or your own scripts when servers and accounts change.
        </EmptyState>
      )}
      {endpoints.data && endpoints.data.endpoints.length > 0 && (
        <ul className="space-y-4" aria-label="Webhook endpoints">
          {endpoints.data.endpoints.map((endpoint) => (
            <EndpointCard key={endpoint.id} endpoint={endpoint} />
          ))}
        </ul>
      )}
    </section>
  );
}

function EndpointCard({ endpoint }: { endpoint: WebhookEndpoint }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useToast();
  const update = useMutation(trpc.adminWebhooks.update.mutationOptions());
  const remove = useMutation(trpc.adminWebhooks.delete.mutationOptions());
  const [showDeliveries, setShowDeliveries] = useState(false);
  const deliveriesId = useId();
  const titleId = useId();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.adminWebhooks.list.pathKey() });

  async function toggleActive() {
    try {
      await update.mutateAsync({ id: endpoint.id, active: !endpoint.active });
      await refresh();
      notify(
        'success',
        endpoint.active ? `${endpoint.url} is paused.` : `${endpoint.url} receives events again.`,
      );
    } catch (err) {
      notify('error', describeError(err).message);
    }
  }

  return (
    <li aria-labelledby={titleId} className="rounded-2xl border border-slate-200 bg-white p-5 shadow-xs">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h3 id={titleId} className="font-mono text-sm font-medium break-all text-slate-900">
            {endpoint.url}
          </h3>
          {endpoint.description && <p className="mt-0.5 text-sm text-slate-600">{endpoint.description}</p>}
        </div>
        <StateBadge tone={endpoint.active ? 'good' : 'neutral'}>
          {endpoint.active ? 'Active' : 'Paused'}
        </StateBadge>
      </div>
      <ul aria-label="Events" className="mt-3 flex flex-wrap gap-1.5">
        {endpoint.events.map((event) => (
          <li key={event} className="rounded-md bg-slate-100 px-2 py-0.5 font-mono text-xs text-slate-700">
            {event}
          </li>
        ))}
      </ul>
      <div className="mt-4 flex flex-wrap gap-1.5">
        <Button
          variant="secondary"
          size="sm"
          aria-expanded={showDeliveries}
          aria-controls={deliveriesId}
          onClick={() => setShowDeliveries((v) => !v)}
        >
          {showDeliveries ? 'Hide deliveries' : 'Show deliveries'}
        </Button>
        <EndpointDialog
          endpoint={endpoint}
          trigger={
            <Button variant="secondary" size="sm" aria-label={`Edit ${endpoint.url}`}>
              Edit
            </Button>
          }
        />
        <Button variant="secondary" size="sm" onClick={() => void toggleActive()} disabled={update.isPending}>
          {update.isPending && <Spinner />}
          {endpoint.active ? 'Pause' : 'Resume'}
        </Button>
        <ConfirmDialog
          title="Delete this endpoint?"
          description={`${endpoint.url} receives no more events, and its deliveries are removed. Its secret stops meaning anything.`}
          confirmLabel="Delete endpoint"
          trigger={
            <Button
              variant="ghost"
              size="sm"
              className="text-red-700 hover:bg-red-50"
              aria-label={`Delete ${endpoint.url}`}
            >
              Delete
            </Button>
          }
          onConfirm={async () => {
            await remove.mutateAsync({ id: endpoint.id });
            await refresh();
            notify('success', `${endpoint.url} is deleted.`);
          }}
        />
      </div>
      <div id={deliveriesId} hidden={!showDeliveries} className="mt-4">
        {showDeliveries && <DeliveriesTable endpointId={endpoint.id} />}
      </div>
    </li>
  );
}
