import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { Spinner } from '../components/Spinner.tsx';
import { ToastProvider } from '../components/Toast.tsx';
import { getSession, signedOut, subscribeSession, useSession } from '../lib/session.ts';
import {
  createApiClient,
  createQueryClient,
  renewSession,
  TRPCProvider,
  type ApiClient,
} from '../lib/trpc.ts';
import { createAppRouter } from './router.tsx';
import { listenForSignOutElsewhere } from './sign-out.ts';

export interface AppProps {
  /** Tests pass their own, so each test starts with an empty cache. */
  queryClient?: QueryClient;
  apiClient?: ApiClient;
}

export function App(props: AppProps) {
  const [queryClient] = useState(() => props.queryClient ?? createQueryClient());
  const [apiClient] = useState(() => props.apiClient ?? createApiClient());
  const [router] = useState(() => createAppRouter({ queryClient }));
  const session = useSession();

  useEffect(() => {
    // The refresh cookie may still hold a session from an earlier visit; renew it silently.
    if (getSession().status === 'unknown') {
      void renewSession().then((result) => {
        if (!result && getSession().status === 'unknown') signedOut('no-session');
      });
    }
    return listenForSignOutElsewhere(() => signedOut('signed-out'));
  }, []);

  // Signing in or out changes what every guard answers: run them again for the page on screen.
  useEffect(() => subscribeSession(() => void router.invalidate()), [router]);

  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={apiClient} queryClient={queryClient}>
        <ToastProvider>
          {session.status === 'unknown' ? (
            <div className="flex min-h-dvh items-center justify-center text-slate-500" role="status">
              <Spinner className="size-5" />
              <span className="sr-only">Loading</span>
            </div>
          ) : (
            <RouterProvider router={router} />
          )}
        </ToastProvider>
      </TRPCProvider>
    </QueryClientProvider>
  );
}
