import { useMutation } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { Server } from '../../../../shared/api.ts';
import { TerminateServerDialog } from '../../../components/TerminateServerDialog.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { useStoreServer } from '../hooks/useServers.ts';

/** Termination destroys the server and its disk, so the customer types its name to confirm. */
export function TerminateDialog({ server, trigger }: { server: Server; trigger: ReactNode }) {
  const trpc = useTRPC();
  const storeServer = useStoreServer();
  const terminate = useMutation(trpc.servers.terminate.mutationOptions());
  return (
    <TerminateServerDialog
      name={server.name}
      description="The server and everything on its disk will be deleted for good. Its IP address goes back to the pool. This cannot be undone."
      trigger={trigger}
      onTerminate={async () => storeServer((await terminate.mutateAsync({ id: server.id })).server)}
    />
  );
}
