import { useMutation } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { User } from '../../shared/api.ts';
import { Button } from '../components/Button.tsx';
import { KeelMark } from '../components/KeelMark.tsx';
import { Link } from '../lib/router.tsx';
import { signedOut } from '../lib/session.ts';
import { useTRPC } from '../lib/trpc.ts';
import { announceSignOut } from './sign-out.ts';

export function AppLayout({ user, children }: { user: User; children: ReactNode }) {
  const trpc = useTRPC();
  const logout = useMutation(trpc.auth.logout.mutationOptions());
  async function signOut() {
    try {
      await logout.mutateAsync();
    } finally {
      // Even if the server could not be told, this browser forgets the session.
      signedOut(false);
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
        <div className="mx-auto flex h-14 max-w-6xl items-center justify-between gap-4 px-4 sm:px-6">
          <Link
            href="/"
            className="flex items-center gap-2 rounded-md focus-visible:outline-2 focus-visible:outline-sky-600"
          >
            <KeelMark />
            <span className="font-semibold tracking-tight text-slate-900">Keel</span>
          </Link>
          <div className="flex items-center gap-3 text-sm">
            <span className="hidden text-slate-600 sm:inline" title={user.email}>
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
