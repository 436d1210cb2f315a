import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAccessToken } from '../lib/session.ts';
import { loginResult, server, user } from '../testing/fixtures.ts';
import { mockServer, renderApp } from '../testing/render-app.tsx';
import { ApiError } from '../testing/trpc-msw.ts';

beforeAll(() => mockServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mockServer.close());

const noSession = () => {
  throw new ApiError(401, 'UNAUTHORIZED', 'Your session has ended. Sign in again.');
};

describe('signing in', () => {
  it('sends a visitor to sign in, then on to the page they wanted', async () => {
    const web = server({ name: 'web-1' });
    const { callsTo } = renderApp(`/servers/${web.id}`, {
      'auth.refresh': noSession,
      'auth.login': (input) => {
        const { password } = input as { password: string };
        if (password !== 'right-password') {
          throw new ApiError(401, 'INVALID_CREDENTIALS', 'The email or password is not correct.');
        }
        return loginResult('fresh.access.token');
      },
      'servers.byId': () => ({ server: web, events: [] }),
    });

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(window.location.pathname).toBe('/login');
    expect(new URLSearchParams(window.location.search).get('next')).toBe(`/servers/${web.id}`);

    await userEvent.type(screen.getByLabelText('Email'), user.email);
    await userEvent.type(screen.getByLabelText('Password'), 'wrong-password{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('The email or password is not correct.');

    await userEvent.clear(screen.getByLabelText('Password'));
    await userEvent.type(screen.getByLabelText('Password'), 'right-password{Enter}');
    expect(await screen.findByRole('heading', { level: 1, name: 'web-1' })).toBeInTheDocument();
    expect(window.location.pathname).toBe(`/servers/${web.id}`);
    expect(callsTo('servers.byId')[0]?.authorization).toBe('Bearer fresh.access.token');
    expect(getAccessToken()).toBe('fresh.access.token');
    expect(localStorage.length + sessionStorage.length).toBe(0);
  });

  it('restores the session silently from the refresh cookie', async () => {
    const { callsTo } = renderApp('/', {
      'auth.refresh': () => loginResult('renewed.token.x'),
      'servers.list': () => ({ servers: [server({ name: 'db-1' })], nextCursor: null }),
    });
    expect(await screen.findByRole('link', { name: 'db-1' })).toBeInTheDocument();
    expect(callsTo('auth.refresh')).toHaveLength(1);
    expect(callsTo('auth.login')).toHaveLength(0);
  });

  it('renews an expired access token and retries the refused call with the new one', async () => {
    let refreshes = 0;
    const web = server({ name: 'web-9' });
    const { callsTo } = renderApp('/', {
      'auth.refresh': () => loginResult(`token.${++refreshes}.x`),
      // The first token has "expired": only the second one is accepted.
      'servers.list': (_input, request) => {
        if (request.headers.get('authorization') !== 'Bearer token.2.x') {
          throw new ApiError(
            401,
            'UNAUTHORIZED',
            'The access token is invalid or has expired. Sign in again.',
          );
        }
        return { servers: [web], nextCursor: null };
      },
    });
    expect(await screen.findByRole('link', { name: 'web-9' })).toBeInTheDocument();
    expect(refreshes).toBe(2);
    expect(callsTo('servers.list').map((c) => c.authorization)).toEqual([
      'Bearer token.1.x',
      'Bearer token.2.x',
    ]);
  });

  it('goes to sign in when the session cannot be renewed, keeping the page to come back to', async () => {
    let refreshes = 0;
    const web = server({ name: 'web-3' });
    renderApp(`/servers/${web.id}`, {
      'auth.refresh': () => {
        if (++refreshes > 1) noSession();
        return loginResult('short.lived.token');
      },
      'servers.byId': () => {
        throw new ApiError(401, 'UNAUTHORIZED', 'The access token is invalid or has expired. Sign in again.');
      },
    });
    expect(await screen.findByText('Your session ended. Sign in again to continue.')).toBeInTheDocument();
    expect(window.location.pathname).toBe('/login');
    expect(new URLSearchParams(window.location.search).get('next')).toBe(`/servers/${web.id}`);
    expect(getAccessToken()).toBeNull();
  });

  it('signs out through the API and forgets the token', async () => {
    const { callsTo } = renderApp('/', {
      'auth.refresh': () => loginResult(),
      'auth.logout': () => ({ ok: true }),
      'servers.list': () => ({ servers: [], nextCursor: null }),
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    await waitFor(() => expect(callsTo('auth.logout')).toHaveLength(1));
    expect(getAccessToken()).toBeNull();
  });
});
