import { useMutation } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import type { User } from '../../shared/api.ts';
import { Button } from '../components/Button.tsx';
import { KeelMark } from '../components/KeelMark.tsx';
import { signedOut } from '../lib/session.ts';
import { useTRPC } from '../lib/trpc.ts';
import { announceSignOut } from './sign-out.ts';

const navLink =
  'rounded-md px-2 py-1.5 text-slate-600 sm:px-2.5 hover:bg-slate-100 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-600 aria-[current=page]:bg-slate-100 aria-[current=page]:font-medium aria-[current=page]:text-slate-900';

export function AppLayout({ user, children }: { user: User; children: ReactNode }) {
  const trpc = useTRPC();
  const logout = useMutation(trpc.auth.logout.mutationOptions());
  async function signOut() {
    try {
      await logout.mutateAsync();
    } finally {
      // Even if the server could not be told, this browser forgets the session.
      signedOut('signed-out');
      announceSignOut();
    }
  }
  return (
    <div className="min-h-dvh bg-slate-50">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:shadow"
      >
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex h-14 max-w-6xl items-center justify-between gap-2 px-4 sm:gap-4 sm:px-6">
          <div className="flex min-w-0 items-center gap-2 sm:gap-6">
            <Link
              to="/servers"
              aria-label="Keel, your servers"
              className="flex shrink-0 items-center gap-2 rounded-md focus-visible:outline-2 focus-visible:outline-sky-600"
            >
              <KeelMark />
              <span className="hidden font-semibold tracking-tight text-slate-900 sm:inline">Keel</span>
            </Link>
            <nav aria-label="Main" className="flex items-center gap-0.5 overflow-x-auto text-sm sm:gap-1">
              <Link to="/servers" className={navLink}>
                Servers
              </Link>
              <Link to="/account" className={navLink}>
                Account
              </Link>
              {user.role === 'admin' && (
                <Link to="/admin" aria-label="Operator console" className={`${navLink} whitespace-nowrap`}>
                  <span className="sm:hidden">Console</span>
                  <span className="hidden sm:inline">Operator console</span>
                </Link>
              )}
            </nav>
          </div>
          <div className="flex shrink-0 items-center gap-3 text-sm">
            <span className="hidden text-slate-600 md:inline" title={user.email}>
              {user.name || user.email}
            </span>
            <Button variant="ghost" size="sm" onClick={() => void signOut()} disabled={logout.isPending}>
              Sign out
            </Button>
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-8 sm:px-6">
        {children}
      </main>
    </div>
  );
}
