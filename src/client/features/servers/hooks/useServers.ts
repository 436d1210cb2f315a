import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { Server } from '../../../../shared/api.ts';
import { useTRPC, useTRPCClient } from '../../../lib/trpc.ts';
import { refetchIntervalFor } from '../lib/format.ts';

/** The API's largest page; a customer's whole fleet comes in a few requests. */
const pageSize = 500;

/** Every server of the signed-in customer, newest first; polls while any of them is changing. */
export function useServers() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  return useQuery({
    queryKey: trpc.servers.list.queryKey({ limit: pageSize }),
    queryFn: async ({ signal }) => {
      const servers: Server[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.servers.list.query(
          { limit: pageSize, ...(cursor ? { cursor } : {}) },
          { signal },
        );
        servers.push(...page.servers);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return { servers, nextCursor: null };
    },
    refetchInterval: (query) => refetchIntervalFor(query.state.data?.servers),
  });
}

/** One server with its recent events; polls while it is changing. */
export function useServer(id: string) {
  const trpc = useTRPC();
  return useQuery({
    ...trpc.servers.byId.queryOptions({ id, include: 'events' }),
    refetchInterval: (query) => {
      const server = query.state.data?.server;
      return refetchIntervalFor(server ? [server] : undefined);
    },
  });
}

/**
 * Puts a server the API just returned into every cached view of it, so a new order or a requested
 * action shows at once, before the next poll.
 */
export function useStoreServer() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useCallback(
    (server: Server) => {
      queryClient.setQueryData(trpc.servers.list.queryKey({ limit: pageSize }), (old) => {
        if (!old) return old;
        const known = old.servers.some((s) => s.id === server.id);
        return {
          ...old,
          servers: known
            ? old.servers.map((s) => (s.id === server.id ? server : s))
            : [server, ...old.servers],
        };
      });
      queryClient.setQueryData(trpc.servers.byId.queryKey({ id: server.id, include: 'events' }), (old) =>
        old ? { ...old, server } : old,
      );
      // Events and the list's other rows are the server's to tell; fetch them fresh.
      void queryClient.invalidateQueries({
        queryKey: trpc.servers.byId.queryKey({ id: server.id, include: 'events' }),
      });
    },
    [queryClient, trpc],
  );
}
