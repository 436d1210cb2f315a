/**
 * The sign-in page against mocked procedures at the network edge: the two-factor code step the server
 * asks for, a recovery code, and "Forgot password?".
 */
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgotPasswordMessage, twoFactorRequiredMessage } from '../../../../shared/two-factor.ts';
import { getAccessToken } from '../../../lib/session.ts';
import { loginResult, server, user } from '../../../testing/fixtures.ts';
import { mockServer, renderApp } from '../../../testing/render-app.tsx';
import { ApiError } from '../../../testing/trpc-msw.ts';

beforeAll(() => mockServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mockServer.close());

const noSession = () => {
  throw new ApiError(401, 'UNAUTHORIZED', 'Your session has ended. Sign in again.');
};

/** A sign-in that needs the password, then the code 246810 or the recovery code abcde-fghjk. */
function twoFactorLogin(input: unknown) {
  const { password, code } = input as { password: string; code?: string };
  if (password !== 'right-password')
    throw new ApiError(401, 'INVALID_CREDENTIALS', 'The email or password is not correct.');
  if (!code) throw new ApiError(401, 'TWO_FACTOR_REQUIRED', twoFactorRequiredMessage);
  if (code !== '246810' && code !== 'abcde-fghjk')
    throw new ApiError(
      401,
      'INVALID_CREDENTIALS',
      'The two-factor code is not correct, or was already used.',
    );
  return loginResult('two.factor.token');
}

describe('two-factor sign-in', () => {
  it('asks for the code after the password, refuses a wrong one, and signs in with the right one', async () => {
    const { callsTo } = renderApp('/login', {
      'auth.refresh': noSession,
      'auth.login': twoFactorLogin,
      'servers.list': () => ({ servers: [server({ name: 'db-1' })], nextCursor: null }),
    });
    await userEvent.type(await screen.findByLabelText('Email'), user.email);
    await userEvent.type(screen.getByLabelText('Password'), 'right-password{Enter}');

    expect(await screen.findByRole('heading', { name: 'Two-factor sign-in' })).toBeInTheDocument();
    const codeField = screen.getByLabelText('Authentication code');
    expect(codeField).toHaveAttribute('autocomplete', 'one-time-code');
    expect(codeField).toHaveAccessibleDescription(/recovery codes/);
    expect(screen.queryByLabelText('Password')).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Verify' }));
    expect(codeField).toHaveAccessibleDescription(
      'Enter the code from your authenticator app, or a recovery code.',
    );

    await userEvent.type(codeField, '111111{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('The two-factor code is not correct');
    expect(screen.getByLabelText('Authentication code')).toHaveValue('');

    await userEvent.type(screen.getByLabelText('Authentication code'), '246810{Enter}');
    expect(await screen.findByText('db-1')).toBeInTheDocument();
    expect(getAccessToken()).toBe('two.factor.token');
    expect(callsTo('auth.login').map((c) => c.input)).toEqual([
      { email: user.email, password: 'right-password' },
      { email: user.email, password: 'right-password', code: '111111' },
      { email: user.email, password: 'right-password', code: '246810' },
    ]);
  });

  it('takes a recovery code in the same field', async () => {
    renderApp('/login', {
      'auth.refresh': noSession,
      'auth.login': twoFactorLogin,
      'servers.list': () => ({ servers: [], nextCursor: null }),
    });
    await userEvent.type(await screen.findByLabelText('Email'), user.email);
    await userEvent.type(screen.getByLabelText('Password'), 'right-password{Enter}');
    await userEvent.type(await screen.findByLabelText('Authentication code'), 'abcde-fghjk{Enter}');
    await screen.findByRole('heading', { level: 1, name: 'Servers' });
    expect(getAccessToken()).toBe('two.factor.token');
  });
});

describe('forgot password', () => {
  it('sends the email and shows the one answer the server gives for any email', async () => {
    const { callsTo } = renderApp('/login', {
      'auth.refresh': noSession,
      'auth.forgotPassword': () => ({ ok: true, message: forgotPasswordMessage }),
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Forgot password?' }));
    expect(screen.getByRole('heading', { name: 'Reset your password' })).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Send link' }));
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter your email address.');
    await userEvent.type(screen.getByLabelText('Email'), 'ada@example.com{Enter}');
    expect(await screen.findByRole('status')).toHaveTextContent(forgotPasswordMessage);
    expect(callsTo('auth.forgotPassword').map((c) => c.input)).toEqual([{ email: 'ada@example.com' }]);
    await userEvent.click(screen.getByRole('button', { name: 'Back to sign in' }));
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
  });
});
