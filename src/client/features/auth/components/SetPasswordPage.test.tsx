/** The page a one-time password link opens, against mocked procedures at the network edge. */
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockServer, renderApp } from '../../../testing/render-app.tsx';
import { ApiError } from '../../../testing/trpc-msw.ts';
import { tokenFromHash } from './SetPasswordPage.tsx';

beforeAll(() => mockServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mockServer.close());

const noSession = () => {
  throw new ApiError(401, 'UNAUTHORIZED', 'Your session has ended. Sign in again.');
};

describe('tokenFromHash', () => {
  it.each([
    ['#token=abc_-1', 'abc_-1'],
    ['#token=', null],
    ['', null],
    ['#other=1', null],
  ])('%j → %j', (hash, token) => expect(tokenFromHash(hash)).toBe(token));
});

describe('/set-password', () => {
  it('sets the password with the link’s token, then clears the token from the address bar', async () => {
    let used = false;
    const { callsTo } = renderApp('/set-password#token=the-link-token', {
      'auth.refresh': noSession,
      'auth.setPassword': () => {
        if (used)
          throw new ApiError(400, 'VALIDATION_FAILED', 'This link has expired or was already used.', {
            token: 'has expired or was already used',
          });
        used = true;
        return { ok: true };
      },
    });
    const password = await screen.findByLabelText('New password');
    await userEvent.type(password, 'short');
    await userEvent.click(screen.getByRole('button', { name: 'Set password' }));
    expect(password).toHaveAccessibleDescription('Use at least 10 characters.');
    await userEvent.clear(password);
    await userEvent.type(password, 'a-long-new-password');
    await userEvent.type(screen.getByLabelText('Repeat the new password'), 'a-long-new-password{Enter}');
    expect(await screen.findByRole('status')).toHaveTextContent('Your password is set.');
    expect(callsTo('auth.setPassword').map((c) => c.input)).toEqual([
      { token: 'the-link-token', password: 'a-long-new-password' },
    ]);
    // The spent token leaves the address bar.
    expect(window.location.hash).toBe('');
  });

  it('explains what to do without a token', async () => {
    renderApp('/set-password', { 'auth.refresh': noSession });
    expect(await screen.findByRole('alert')).toHaveTextContent('needs the link from your mail');
  });
});
