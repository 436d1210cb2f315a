import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loginResult } from '../testing/fixtures.ts';
import { mockServer } from '../testing/render-app.tsx';
import { ApiError, trpcHandlers, type CallLog } from '../testing/trpc-msw.ts';
import { getAccessToken, getSession, resetSession } from './session.ts';
import { createApiClient, renewSession } from './trpc.ts';

beforeAll(() => mockServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mockServer.close());
beforeEach(() => resetSession());

describe('renewSession', () => {
  it('shares one refresh among concurrent callers, since the cookie rotates on each use', async () => {
    const calls: CallLog[] = [];
    let refreshes = 0;
    mockServer.resetHandlers(
      ...trpcHandlers({ 'auth.refresh': () => loginResult(`t.${++refreshes}.x`) }, calls),
    );
    const results = await Promise.all([renewSession(), renewSession(), renewSession()]);
    expect(refreshes).toBe(1);
    expect(results.map((r) => r?.accessToken)).toEqual(['t.1.x', 't.1.x', 't.1.x']);
    expect(getAccessToken()).toBe('t.1.x');
    // Once settled, the next renewal is a new request.
    await renewSession();
    expect(refreshes).toBe(2);
  });

  it('answers null when the cookie is no longer valid', async () => {
    mockServer.resetHandlers(
      ...trpcHandlers({
        'auth.refresh': () => {
          throw new ApiError(401, 'UNAUTHORIZED', 'Your session has ended. Sign in again.');
        },
      }),
    );
    await expect(renewSession()).resolves.toBeNull();
    expect(getAccessToken()).toBeNull();
  });
});

describe('the API client', () => {
  it('retries calls refused with 401 once, after a single shared renewal', async () => {
    let refreshes = 0;
    const calls: CallLog[] = [];
    const accept = (request: Request) => {
      if (request.headers.get('authorization') !== 'Bearer good.token.x') {
        throw new ApiError(401, 'UNAUTHORIZED', 'The access token is invalid or has expired. Sign in again.');
      }
    };
    mockServer.resetHandlers(
      ...trpcHandlers(
        {
          'auth.refresh': () => {
            refreshes++;
            return loginResult('good.token.x');
          },
          'users.me': (_i, request) => (accept(request), { user: loginResult().user }),
          'catalog.get': (_i, request) => (accept(request), { plans: [], images: [], locations: [] }),
        },
        calls,
      ),
    );
    const client = createApiClient();
    const [me, catalog] = await Promise.all([client.users.me.query(), client.catalog.get.query()]);
    expect(me.user.email).toBe('ada@example.com');
    expect(catalog.plans).toEqual([]);
    expect(refreshes).toBe(1);
    expect(calls.filter((c) => c.path === 'users.me')).toHaveLength(2);
  });

  it('gives up after one retry and ends the session', async () => {
    mockServer.resetHandlers(
      ...trpcHandlers({
        'auth.refresh': () => {
          throw new ApiError(401, 'UNAUTHORIZED', 'Your session has ended. Sign in again.');
        },
        'users.me': () => {
          throw new ApiError(
            401,
            'UNAUTHORIZED',
            'The access token is invalid or has expired. Sign in again.',
          );
        },
      }),
    );
    await expect(createApiClient().users.me.query()).rejects.toThrow('The access token is invalid');
    expect(getSession()).toEqual({ status: 'signedOut', reason: 'expired' });
  });

  it('does not try to renew when signing in itself is refused', async () => {
    let refreshes = 0;
    mockServer.resetHandlers(
      ...trpcHandlers({
        'auth.refresh': () => (refreshes++, loginResult()),
        'auth.login': () => {
          throw new ApiError(401, 'INVALID_CREDENTIALS', 'The email or password is not correct.');
        },
      }),
    );
    await expect(createApiClient().auth.login.mutate({ email: 'a@b.co', password: 'x' })).rejects.toThrow(
      'The email or password is not correct.',
    );
    expect(refreshes).toBe(0);
  });
});
