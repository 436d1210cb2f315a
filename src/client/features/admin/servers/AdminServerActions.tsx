import { useMutation } from '@tanstack/react-query';
import {
  isActionAllowed,
  type AdminServerAction,
  type ServerStatus,
} from '../../../../shared/server-status.ts';
import { Button } from '../../../components/Button.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { describeError } from '../../../lib/errors.ts';
import { statusLabels } from '../../../lib/server-status-display.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { AdminTerminateDialog } from './AdminTerminateDialog.tsx';
import { SuspendDialog } from './SuspendDialog.tsx';
import { useStoreAdminServer } from './useAdminServers.ts';

type DirectAction = Exclude<AdminServerAction, 'suspend'>;

const directActions: { action: DirectAction; label: string; done: string }[] = [
  { action: 'start', label: 'Start', done: 'is starting' },
  { action: 'shutdown', label: 'Shut down', done: 'is shutting down' },
  { action: 'reboot', label: 'Reboot', done: 'is rebooting' },
  { action: 'stop', label: 'Force stop', done: 'is being stopped' },
  { action: 'retry', label: 'Retry', done: 'is retrying its failed operation' },
  { action: 'unsuspend', label: 'Unsuspend', done: 'is no longer suspended' },
];

/**
 * Which buttons are offered for a status. The API decides in the end (a job in flight, say) and its
 * refusal is shown as it words it; these only keep plainly impossible actions out of the way.
 */
export function offeredActions(status: ServerStatus) {
  const settled = !['provisioning', 'terminating', 'terminated', 'reinstalling', 'resizing'].includes(status);
  return {
    start: isActionAllowed(status, 'start'),
    shutdown: isActionAllowed(status, 'shutdown'),
    reboot: isActionAllowed(status, 'reboot'),
    stop: isActionAllowed(status, 'stop'),
    retry: status === 'error',
    unsuspend: status === 'suspended',
    suspend: settled && status !== 'suspended',
    terminate: status !== 'provisioning' && status !== 'terminating' && status !== 'terminated',
  } satisfies Record<AdminServerAction | 'terminate', boolean>;
}

export interface ActionTarget {
  id: string;
  name: string;
  status: ServerStatus;
  owner: { email: string };
}

/** Every operator action on one server; refusals from the API are shown as a notice. */
export function AdminServerActions({ server, only }: { server: ActionTarget; only?: readonly string[] }) {
  const trpc = useTRPC();
  const notify = useToast();
  const store = useStoreAdminServer();
  const act = useMutation(
    trpc.admin.servers.action.mutationOptions({
      onSuccess: (result, { action }) => {
        store(result);
        const done = directActions.find((a) => a.action === action)?.done ?? 'is changing';
        notify('success', `${result.server.name} ${done}.`);
      },
      onError: (error) => notify('error', describeError(error).message),
    }),
  );
  const offered = offeredActions(server.status);
  const shown = (action: string) => !only || only.includes(action);
  const unavailable = `Not available while the server is ${statusLabels[server.status].toLowerCase()}.`;
  const dangerClass = 'text-red-700 hover:border-red-300 hover:bg-red-50 disabled:hover:bg-white';

  return (
    <div role="group" aria-label={`Actions on ${server.name}`} className="flex flex-wrap gap-2">
      {directActions
        .filter(({ action }) => shown(action))
        .map(({ action, label }) => {
          // Retry and unsuspend only make sense in one status; they are left out rather than greyed.
          if ((action === 'retry' || action === 'unsuspend') && !offered[action]) return null;
          return (
            <Button
              key={action}
              variant="secondary"
              size="sm"
              disabled={!offered[action] || act.isPending}
              title={offered[action] ? undefined : unavailable}
              onClick={() => act.mutate({ id: server.id, action })}
            >
              {label}
            </Button>
          );
        })}
      {shown('suspend') && offered.suspend && (
        <SuspendDialog
          server={server}
          trigger={
            <Button variant="secondary" size="sm" className={dangerClass} disabled={act.isPending}>
              Suspend
            </Button>
          }
        />
      )}
      {shown('terminate') && (
        <AdminTerminateDialog
          server={server}
          owner={server.owner.email}
          trigger={
            <Button
              variant="secondary"
              size="sm"
              className={dangerClass}
              disabled={!offered.terminate || act.isPending}
              title={offered.terminate ? undefined : unavailable}
            >
              Terminate
            </Button>
          }
        />
      )}
    </div>
  );
}
