import { QueryClient } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { App } from '../app/App.tsx';
import { resetSession } from '../lib/session.ts';
import { createApiClient } from '../lib/trpc.ts';
import { trpcHandlers, type CallLog, type Procedures } from './trpc-msw.ts';

export const mockServer = setupServer();

/** Renders the whole dashboard at `path`, against the given mocked procedures. */
export function renderApp(path: string, procedures: Procedures) {
  const calls: CallLog[] = [];
  mockServer.resetHandlers(...trpcHandlers(procedures, calls));
  resetSession();
  window.history.replaceState(null, '', path);
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const view = render(<App queryClient={queryClient} apiClient={createApiClient()} />);
  return { ...view, calls, queryClient, callsTo: (p: string) => calls.filter((c) => c.path === p) };
}

/** Where notices after an action appear (Radix Toast's viewport, reached with F8). */
export function notifications(): HTMLElement {
  return screen.getByRole('region', { name: /^Notifications/ });
}
