import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ToastProvider } from '../components/Toast.tsx';
import { getSession, signedOut } from '../lib/session.ts';
import {
  createApiClient,
  createQueryClient,
  renewSession,
  TRPCProvider,
  type ApiClient,
} from '../lib/trpc.ts';
import { AppRoutes } from './AppRoutes.tsx';
import { listenForSignOutElsewhere } from './sign-out.ts';

export interface AppProps {
  /** Tests pass their own, so each test starts with an empty cache. */
  queryClient?: QueryClient;
  apiClient?: ApiClient;
}

export function App(props: AppProps) {
  const [queryClient] = useState(() => props.queryClient ?? createQueryClient());
  const [apiClient] = useState(() => props.apiClient ?? createApiClient());

  useEffect(() => {
    // The refresh cookie may still hold a session from an earlier visit; renew it silently.
    if (getSession().status === 'unknown') {
      void renewSession().then((result) => {
        if (!result && getSession().status === 'unknown') signedOut(false);
      });
    }
    return listenForSignOutElsewhere(() => signedOut(false));
  }, []);

  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={apiClient} queryClient={queryClient}>
        <ToastProvider>
          <AppRoutes />
        </ToastProvider>
      </TRPCProvider>
    </QueryClientProvider>
  );
}
