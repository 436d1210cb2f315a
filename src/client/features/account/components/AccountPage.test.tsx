import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiToken } from '../../../../shared/tokens.ts';
import { loginResult, user } from '../../../testing/fixtures.ts';
import { mockServer, notifications, renderApp } from '../../../testing/render-app.tsx';
import { ApiError, type Procedures } from '../../../testing/trpc-msw.ts';

beforeAll(async () => {
  mockServer.listen({ onUnhandledRequest: 'error' });
  // The account page is a lazily loaded chunk; load it once so no test's first wait includes the import.
  await import('../../../app/AccountRoute.tsx');
});
afterAll(() => mockServer.close());

const secret = 'keel_s3cr3t-0123456789abcdefghijklmnopqrstuvwxyz';

function token(overrides: Partial<ApiToken> = {}): ApiToken {
  return {
    id: '44444444-4444-4444-8444-444444444444',
    name: 'backup script',
    scopes: ['read'],
    prefix: 'keel_abcd',
    createdAt: new Date('2026-01-05T10:00:00Z'),
    expiresAt: null,
    lastUsedAt: new Date('2026-01-06T09:30:00Z'),
    lastUsedIp: '203.0.113.7',
    ...overrides,
  };
}

function renderAccount(tab: string, extra: Procedures = {}) {
  return renderApp(`/account${tab ? `?tab=${tab}` : ''}`, {
    'auth.refresh': () => loginResult(),
    'users.me': () => ({ user }),
    'tokens.list': () => ({ tokens: [] }),
    ...extra,
  });
}

describe('account tabs', () => {
  it('opens the tab the address names and puts the chosen tab in the address', async () => {
    renderAccount('tokens');
    expect(await screen.findByRole('tab', { name: 'API tokens' })).toHaveAttribute('aria-selected', 'true');
    await userEvent.click(screen.getByRole('tab', { name: 'Password' }));
    await waitFor(() => expect(window.location.search).toBe('?tab=password'));
    expect(screen.getByRole('tabpanel', { name: 'Password' })).toBeInTheDocument();
  });
});

describe('profile', () => {
  it('saves a new name and shows the API’s complaint under the email field', async () => {
    let saved = user;
    const calls: unknown[] = [];
    const view = renderAccount('', {
      'users.me': () => ({ user: saved }),
      'users.updateProfile': (input) => {
        calls.push(input);
        const { email, name } = input as { email: string; name: string };
        if (email !== user.email)
          throw new ApiError(409, 'CONFLICT', `Another account already uses ${email}.`, {
            email: 'is already in use',
          });
        saved = { ...user, name };
        return { user: saved };
      },
    });
    const panel = await screen.findByRole('tabpanel', { name: 'Profile' });
    const email = await within(panel).findByLabelText('Email');
    await userEvent.clear(email);
    await userEvent.type(email, 'taken@example.com');
    await userEvent.click(within(panel).getByRole('button', { name: 'Save profile' }));
    expect(await within(panel).findByText('is already in use')).toBeInTheDocument();
    expect(email).toHaveAttribute('aria-invalid', 'true');

    await userEvent.clear(email);
    await userEvent.type(email, user.email);
    const name = within(panel).getByLabelText('Name');
    await userEvent.clear(name);
    await userEvent.type(name, 'Ada King');
    await userEvent.click(within(panel).getByRole('button', { name: 'Save profile' }));
    expect(await within(notifications()).findByText('Your profile is saved.')).toBeInTheDocument();
    expect(calls).toEqual([
      { name: 'Ada Lovelace', email: 'taken@example.com' },
      { name: 'Ada King', email: user.email },
    ]);
    // The header's account name follows.
    expect(await within(view.container).findAllByText('Ada King')).not.toHaveLength(0);
  });
});

describe('change password', () => {
  it('checks the form, then says the current password is wrong under its field', async () => {
    const calls: unknown[] = [];
    renderAccount('password', {
      'users.changePassword': (input) => {
        calls.push(input);
        if ((input as { currentPassword: string }).currentPassword !== 'old-password-1')
          throw new ApiError(400, 'VALIDATION_FAILED', 'Your current password is not correct.', {
            currentPassword: 'is not correct',
          });
        return { ok: true, endedSessions: 2 };
      },
    });
    const panel = await screen.findByRole('tabpanel', { name: 'Password' });
    await userEvent.type(within(panel).getByLabelText('Current password'), 'guess-password');
    await userEvent.type(within(panel).getByLabelText('New password'), 'new-password-22');
    await userEvent.type(within(panel).getByLabelText('Repeat the new password'), 'new-password-2');
    await userEvent.click(within(panel).getByRole('button', { name: 'Change password' }));
    expect(within(panel).getByText('The two new passwords differ.')).toBeInTheDocument();
    expect(calls).toEqual([]);

    await userEvent.type(within(panel).getByLabelText('Repeat the new password'), '2');
    await userEvent.click(within(panel).getByRole('button', { name: 'Change password' }));
    expect(await within(panel).findByText('This is not your current password.')).toBeInTheDocument();
    expect(within(panel).getByLabelText('Current password')).toHaveAttribute('aria-invalid', 'true');

    const current = within(panel).getByLabelText('Current password');
    await userEvent.clear(current);
    await userEvent.type(current, 'old-password-1');
    await userEvent.click(within(panel).getByRole('button', { name: 'Change password' }));
    expect(await within(panel).findByRole('status')).toHaveTextContent(
      'Your password is changed. 2 other sign-ins ended.',
    );
    expect(calls).toHaveLength(2);
    expect(current).toHaveValue('');
  });
});

describe('API tokens', () => {
  it('lists tokens with their last use', async () => {
    renderAccount('tokens', { 'tokens.list': () => ({ tokens: [token()] }) });
    const row = (await screen.findByText('backup script')).closest('tr')!;
    expect(within(row).getByText(/Jan 6, 2026.* from 203\.0\.113\.7/)).toBeInTheDocument();
    expect(within(row).getByText('No expiry')).toBeInTheDocument();
    expect(within(row).getByText('read')).toBeInTheDocument();
  });

  it('shows the secret once after creating, with a warning and copy button, and forgets it on closing', async () => {
    const created: unknown[] = [];
    let list: ApiToken[] = [];
    const view = renderAccount('tokens', {
      'tokens.list': () => ({ tokens: list }),
      'tokens.create': (input) => {
        created.push(input);
        const made = token({ name: 'deploy', scopes: ['read', 'write'] });
        list = [made];
        return { token: made, secret };
      },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Create token' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create an API token' });
    // A customer is offered no admin scope.
    expect(within(dialog).queryByRole('checkbox', { name: /Admin/ })).not.toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create token' }));
    expect(within(dialog).getByText('Give the token a name.')).toBeInTheDocument();
    await userEvent.type(within(dialog).getByLabelText('Name'), 'deploy');
    await userEvent.click(within(dialog).getByRole('checkbox', { name: /Write/ }));
    await userEvent.click(within(dialog).getByRole('combobox', { name: 'Expires after' }));
    await userEvent.click(await screen.findByRole('option', { name: '30 days' }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create token' }));

    const shown = await screen.findByRole('dialog', { name: 'Token deploy created' });
    expect(within(shown).getByLabelText('Token secret')).toHaveTextContent(secret);
    expect(within(shown).getByRole('alert')).toHaveTextContent('shown only this once');
    expect(within(shown).getByRole('button', { name: 'Copy the token' })).toBeInTheDocument();
    expect(created).toEqual([{ name: 'deploy', scopes: ['read', 'write'], expiresInDays: 30 }]);

    await userEvent.click(within(shown).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(await screen.findByText('deploy')).toBeInTheDocument();
    expect(view.baseElement.textContent).not.toContain(secret);
    // Opening again starts afresh: no secret, an empty form.
    await userEvent.click(screen.getByRole('button', { name: 'Create token' }));
    const again = await screen.findByRole('dialog', { name: 'Create an API token' });
    expect(within(again).getByLabelText('Name')).toHaveValue('');
    expect(view.baseElement.textContent).not.toContain(secret);
  });

  it('revokes a token only after confirming', async () => {
    let list = [token()];
    const revoked: unknown[] = [];
    renderAccount('tokens', {
      'tokens.list': () => ({ tokens: list }),
      'tokens.revoke': (input) => {
        revoked.push(input);
        list = [];
        return { ok: true };
      },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Revoke backup script' }));
    const confirm = await screen.findByRole('alertdialog', { name: 'Revoke backup script?' });
    await userEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(revoked).toEqual([]);
    await userEvent.click(screen.getByRole('button', { name: 'Revoke backup script' }));
    const again = await screen.findByRole('alertdialog', { name: 'Revoke backup script?' });
    await userEvent.click(within(again).getByRole('button', { name: 'Revoke token' }));
    expect(await screen.findByText('No API tokens yet.')).toBeInTheDocument();
    expect(revoked).toEqual([{ id: token().id }]);
  });
});
