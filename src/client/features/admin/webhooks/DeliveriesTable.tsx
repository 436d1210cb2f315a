import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { WebhookDelivery } from '../../../../shared/webhooks.ts';
import { Button } from '../../../components/Button.tsx';
import { LoadError } from '../../../components/LoadError.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { ListTable } from '../../../components/ListTable.tsx';
import { TableSkeleton, cellClass } from '../components/DataTable.tsx';
import { StateBadge } from '../components/StateBadge.tsx';

export const deliveriesShown = 20;
/** While something is still on its way, the list looks again this often. */
const pendingPollMs = 5_000;

const stateText = { pending: 'Pending', delivered: 'Delivered', failed: 'Failed' } as const;
const stateTone = { pending: 'warning', delivered: 'good', failed: 'bad' } as const;

export function DeliveriesTable({ endpointId }: { endpointId: string }) {
  const trpc = useTRPC();
  const deliveries = useQuery({
    ...trpc.adminWebhooks.deliveries.queryOptions({ id: endpointId, limit: deliveriesShown }),
    refetchInterval: (query) =>
      query.state.data?.deliveries.some((d) => d.state === 'pending') ? pendingPollMs : false,
  });
  if (deliveries.isPending) return <TableSkeleton label="Loading deliveries" />;
  if (deliveries.isError) {
    return (
      <LoadError
        title="The deliveries could not be loaded."
        error={deliveries.error}
        onRetry={() => void deliveries.refetch()}
      />
    );
  }
  if (deliveries.data.deliveries.length === 0) {
    return <p className="text-sm text-slate-600">Nothing was sent to this endpoint yet.</p>;
  }
  return (
    <ListTable
      caption={`Latest ${deliveriesShown} deliveries`}
      headers={['Event', 'State', 'Response', 'Attempts', 'Last attempt', { label: 'Actions', srOnly: true }]}
    >
      {deliveries.data.deliveries.map((delivery) => (
        <DeliveryRow key={delivery.id} delivery={delivery} endpointId={endpointId} />
      ))}
    </ListTable>
  );
}

function DeliveryRow({ delivery, endpointId }: { delivery: WebhookDelivery; endpointId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useToast();
  const retry = useMutation(trpc.adminWebhooks.retryDelivery.mutationOptions());

  async function retryNow() {
    try {
      await retry.mutateAsync({ id: delivery.id });
      await queryClient.invalidateQueries({
        queryKey: trpc.adminWebhooks.deliveries.queryKey({ id: endpointId, limit: deliveriesShown }),
      });
      notify('success', `${delivery.eventType} is being sent again.`);
    } catch (err) {
      notify('error', describeError(err).message);
    }
  }

  return (
    <tr>
      <td className={cellClass}>
        <div className="font-mono text-xs font-medium text-slate-900">{delivery.eventType}</div>
        <div className="font-mono text-[11px] text-slate-500" title="Event id, the same on every attempt">
          {delivery.eventId}
        </div>
      </td>
      <td className={cellClass}>
        <StateBadge tone={stateTone[delivery.state]}>{stateText[delivery.state]}</StateBadge>
        {delivery.state === 'pending' && delivery.nextAttemptAt && (
          <div className="mt-1 text-xs text-slate-500">
            Next try {delivery.nextAttemptAt.toLocaleTimeString('en')}
          </div>
        )}
      </td>
      <td className={cellClass}>
        <span className="font-mono text-slate-800">{delivery.lastStatusCode ?? '—'}</span>
        {delivery.lastError && (
          <div className="mt-1 max-w-72 text-xs break-words text-red-800">{delivery.lastError}</div>
        )}
      </td>
      <td className={`${cellClass} text-slate-700`}>{delivery.attempts}</td>
      <td className={`${cellClass} whitespace-nowrap text-slate-500`}>
        {delivery.lastAttemptAt ? (
          <time dateTime={delivery.lastAttemptAt.toISOString()}>
            {delivery.lastAttemptAt.toLocaleString('en')}
          </time>
        ) : (
          'Not yet'
        )}
      </td>
      <td className={`${cellClass} text-right`}>
        <Button
          variant="secondary"
          size="sm"
          onClick={() => void retryNow()}
          disabled={retry.isPending}
          aria-label={`Retry ${delivery.eventType} delivery ${delivery.id} now`}
        >
          {retry.isPending && <Spinner />}
          Retry now
        </Button>
      </td>
    </tr>
  );
}
