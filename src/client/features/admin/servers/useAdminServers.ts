import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { AdminServerResult } from '../../../../shared/admin.ts';
import { useTRPC } from '../../../lib/trpc.ts';

/**
 * Puts the server an action returned into its page at once, and has every list of servers (the
 * server list, the overview's counts and its "needs attention") fetched again.
 */
export function useStoreAdminServer() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useCallback(
    (result: AdminServerResult) => {
      queryClient.setQueryData(trpc.admin.servers.byId.queryKey({ id: result.server.id }), result);
      void queryClient.invalidateQueries({ queryKey: trpc.admin.servers.list.pathKey() });
      void queryClient.invalidateQueries({ queryKey: trpc.admin.audit.list.pathKey() });
    },
    [queryClient, trpc],
  );
}
