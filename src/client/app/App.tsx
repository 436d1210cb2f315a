import { QueryClientProvider, useMutation } from '@tanstack/react-query';
import { TRPCClientError } from '@trpc/client';
import { useState } from 'react';
import type { User } from '../../shared/api.ts';
import { Button } from '../components/Button.tsx';
import { LoginForm } from '../features/auth/LoginForm.tsx';
import { ServerList } from '../features/servers/ServerList.tsx';
import { setAccessToken } from '../lib/session.ts';
import { createApiClient, createQueryClient, TRPCProvider, useTRPC } from '../lib/trpc.ts';

const queryClient = createQueryClient();
const apiClient = createApiClient();

function Shell() {
  const trpc = useTRPC();
  const [user, setUser] = useState<User | null>(null);
  const login = useMutation(trpc.auth.login.mutationOptions());
  const logout = useMutation(trpc.auth.logout.mutationOptions());

  if (!user) {
    return (
      <LoginForm
        onSubmit={async (email, password) => {
          try {
            const result = await login.mutateAsync({ email, password });
            setAccessToken(result.accessToken);
            setUser(result.user);
          } catch (err) {
            throw new Error(err instanceof TRPCClientError ? err.message : 'Sign-in failed. Try again.', {
              cause: err,
            });
          }
        }}
      />
    );
  }
  return (
    <main className="mx-auto max-w-4xl p-8">
      <header className="mb-8 flex items-center justify-between">
        <h1 className="text-2xl font-semibold">Your servers</h1>
        <div className="flex items-center gap-4 text-sm">
          <span>{user.email}</span>
          <Button
            onClick={async () => {
              await logout.mutateAsync();
              setAccessToken(null);
              queryClient.clear();
              setUser(null);
            }}
          >
            Sign out
          </Button>
        </div>
      </header>
      <ServerList />
    </main>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={apiClient} queryClient={queryClient}>
        <Shell />
      </TRPCProvider>
    </QueryClientProvider>
  );
}
