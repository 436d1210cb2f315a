import { useMutation } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { TerminateServerDialog } from '../../../components/TerminateServerDialog.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { useStoreAdminServer } from './useAdminServers.ts';

/**
 * Terminating deletes a customer's VM and its disk, so the operator types the server's name to
 * confirm, as a customer does.
 */
export function AdminTerminateDialog({
  server,
  owner,
  trigger,
}: {
  server: { id: string; name: string };
  owner: string;
  trigger: ReactNode;
}) {
  const trpc = useTRPC();
  const store = useStoreAdminServer();
  const terminate = useMutation(trpc.admin.servers.terminate.mutationOptions());
  return (
    <TerminateServerDialog
      name={server.name}
      description={`The server of ${owner} and everything on its disk will be deleted for good, and its IP address goes back to the pool. This cannot be undone.`}
      trigger={trigger}
      onTerminate={async () => store(await terminate.mutateAsync({ id: server.id }))}
    />
  );
}
