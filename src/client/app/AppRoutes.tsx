import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Spinner } from '../components/Spinner.tsx';
import { LoginPage } from '../features/auth/components/LoginPage.tsx';
import { ServerListPage } from '../features/servers/components/ServerListPage.tsx';
import { ServerPage } from '../features/servers/components/ServerPage.tsx';
import { matchPath, Navigate, safeNextPath, useLocation } from '../lib/router.tsx';
import { useSession } from '../lib/session.ts';
import { AppLayout } from './AppLayout.tsx';

export function AppRoutes() {
  const session = useSession();
  const location = useLocation();
  const queryClient = useQueryClient();

  useEffect(() => {
    // Nothing one account saw may linger for the next one.
    if (session.status === 'signedOut') queryClient.clear();
  }, [session.status, queryClient]);

  useEffect(() => {
    const serverPage = matchPath('/servers/:id', location.pathname);
    document.title =
      location.pathname === '/login' ? 'Sign in · Keel' : serverPage ? 'Server · Keel' : 'Servers · Keel';
  }, [location.pathname]);

  if (session.status === 'unknown') {
    return (
      <div className="flex min-h-dvh items-center justify-center text-slate-500" role="status">
        <Spinner className="size-5" />
        <span className="sr-only">Loading</span>
      </div>
    );
  }

  if (location.pathname === '/login') {
    if (session.status === 'signedIn') {
      return <Navigate to={safeNextPath(new URLSearchParams(location.search).get('next'))} />;
    }
    return <LoginPage />;
  }

  if (session.status === 'signedOut') {
    const next = location.href === '/' ? '' : `?next=${encodeURIComponent(location.href)}`;
    return <Navigate to={`/login${next}`} />;
  }

  const serverParams = matchPath('/servers/:id', location.pathname);
  return (
    <AppLayout user={session.user}>
      {serverParams?.id ? (
        <ServerPage key={serverParams.id} id={serverParams.id} />
      ) : location.pathname === '/' ? (
        <ServerListPage />
      ) : (
        <NotFound />
      )}
    </AppLayout>
  );
}

function NotFound() {
  return (
    <div className="py-16 text-center">
      <h1 className="text-xl font-semibold text-slate-900">Page not found</h1>
      <p className="mt-2 text-sm text-slate-600">
        <a href="/" className="font-medium text-sky-700 hover:underline">
          Go to your servers
        </a>
      </p>
    </div>
  );
}
