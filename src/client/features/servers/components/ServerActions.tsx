import { useMutation } from '@tanstack/react-query';
import type { Server } from '../../../../shared/api.ts';
import { canTerminate, isActionAllowed, type ServerAction } from '../../../../shared/server-status.ts';
import { Button } from '../../../components/Button.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { useStoreServer } from '../hooks/useServers.ts';
import { statusLabels } from '../lib/format.ts';
import { TerminateDialog } from './TerminateDialog.tsx';

const actionButtons: { action: ServerAction; label: string; done: string }[] = [
  { action: 'start', label: 'Start', done: 'is starting' },
  { action: 'shutdown', label: 'Shut down', done: 'is shutting down' },
  { action: 'reboot', label: 'Reboot', done: 'is rebooting' },
  { action: 'stop', label: 'Force stop', done: 'is being stopped' },
];

/** The power actions, each enabled only where the shared state machine allows it, and Terminate. */
export function ServerActions({ server }: { server: Server }) {
  const trpc = useTRPC();
  const notify = useToast();
  const storeServer = useStoreServer();
  const act = useMutation(
    trpc.servers.action.mutationOptions({
      onSuccess: ({ server: updated }, { action }) => {
        storeServer(updated);
        const done = actionButtons.find((b) => b.action === action)?.done ?? 'is changing';
        notify('success', `${updated.name} ${done}.`);
      },
      onError: (error) => notify('error', describeError(error).message),
    }),
  );

  const unavailable = `Not available while the server is ${statusLabels[server.status].toLowerCase()}.`;
  return (
    <div role="group" aria-label="Server actions" className="flex flex-wrap gap-2">
      {actionButtons.map(({ action, label }) => {
        const allowed = isActionAllowed(server.status, action);
        return (
          <Button
            key={action}
            variant="secondary"
            size="sm"
            disabled={!allowed || act.isPending}
            title={allowed ? undefined : unavailable}
            onClick={() => act.mutate({ id: server.id, action })}
          >
            {label}
          </Button>
        );
      })}
      <TerminateDialog
        server={server}
        trigger={
          <Button
            variant="secondary"
            size="sm"
            className="text-red-700 hover:border-red-300 hover:bg-red-50 disabled:hover:bg-white"
            disabled={!canTerminate(server.status) || act.isPending}
            title={canTerminate(server.status) ? undefined : unavailable}
          >
            Terminate
          </Button>
        }
      />
    </div>
  );
}
