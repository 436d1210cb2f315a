import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminUser } from '../../../../shared/users.ts';
import { admin, loginResult, server } from '../../../testing/fixtures.ts';
import { mockServer, renderApp } from '../../../testing/render-app.tsx';
import { ApiError, type Procedures } from '../../../testing/trpc-msw.ts';

beforeAll(() => mockServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mockServer.close());

const chunk = { timeout: 15_000 };
const customer: AdminUser = {
  id: '7d3f1c2a-1b2c-4d5e-8f90-0a1b2c3d4e5f',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  role: 'customer',
  disabled: false,
  disabledAt: null,
  quota: { maxServers: 5, maxCores: null, maxMemoryMb: null },
  effectiveQuota: { maxServers: 5, maxCores: 16, maxMemoryMb: 32768 },
  createdAt: new Date('2026-01-01T10:00:00Z'),
};
const web = server({ name: 'web-1', status: 'running' });
const link = {
  url: 'http://keel.test/set-password#token=abc123',
  expiresAt: new Date(Date.now() + 3_600_000),
};
const signedIn: Procedures = { 'auth.refresh': () => loginResult('admin.token.x', admin) };

describe('customers', () => {
  it('searches by email or name, with the search in the address', async () => {
    const view = renderApp('/admin/customers', {
      ...signedIn,
      'admin.users.list': (input) => {
        const { query, cursor } = input as { query?: string; cursor?: string };
        if (query === 'nobody') return { users: [], nextCursor: null };
        if (cursor === 'page-2')
          return { users: [{ ...customer, id: admin.id, email: 'older@example.com' }], nextCursor: null };
        return { users: [customer], nextCursor: 'page-2' };
      },
    });
    const table = await screen.findByRole('table', { name: 'Customers' }, chunk);
    expect(within(table).getByRole('link', { name: 'ada@example.com' })).toHaveAttribute(
      'href',
      `/admin/customers/${customer.id}`,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Show more' }));
    expect(await within(table).findByRole('link', { name: 'older@example.com' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Show more' })).not.toBeInTheDocument();
    // Exactly what the API's strict input accepts: nothing added by the query library.
    expect(view.callsTo('admin.users.list').map((c) => c.input)).toEqual([
      { limit: 50 },
      { limit: 50, cursor: 'page-2' },
    ]);
    await userEvent.type(screen.getByRole('searchbox', { name: 'Search customers' }), 'nobody');
    expect(await screen.findByRole('heading', { name: 'No customer matches' })).toBeInTheDocument();
    expect(window.location.search).toBe('?q=nobody');
    expect(view.callsTo('admin.users.list').at(-1)?.input).toEqual({ limit: 50, query: 'nobody' });
  });

  it('creates an account without a password and shows the set-password link to copy', async () => {
    const view = renderApp('/admin/customers', {
      ...signedIn,
      'admin.users.list': () => ({ users: [], nextCursor: null }),
      'admin.users.create': (input) => {
        const { email } = input as { email: string };
        if (email === 'taken@example.com')
          throw new ApiError(409, 'CONFLICT', `Another account already uses ${email}.`, {
            email: 'is already in use',
          });
        return { user: { ...customer, email }, setPasswordLink: link };
      },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'New customer' }, chunk));
    const dialog = await screen.findByRole('dialog', { name: 'New customer' });
    await userEvent.type(within(dialog).getByLabelText('Email'), 'taken@example.com');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create account' }));
    await waitFor(() =>
      expect(within(dialog).getByLabelText('Email')).toHaveAccessibleDescription('Email is already in use.'),
    );

    await userEvent.clear(within(dialog).getByLabelText('Email'));
    await userEvent.type(within(dialog).getByLabelText('Email'), 'new@example.com');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create account' }));
    const created = await screen.findByRole('dialog', { name: 'new@example.com is created' });
    expect(within(created).getByLabelText('Set-password link')).toHaveTextContent(link.url);
    expect(within(created).getByRole('button', { name: 'Copy set-password link' })).toBeInTheDocument();
    expect(view.callsTo('admin.users.create').at(-1)?.input).toEqual({
      email: 'new@example.com',
      name: '',
      role: 'customer',
    });
  });
});

describe('customer page', () => {
  function renderCustomer(extra: Procedures = {}) {
    let current = customer;
    const view = renderApp(`/admin/customers/${customer.id}`, {
      ...signedIn,
      'admin.users.byId': () => ({ user: current, servers: [web] }),
      'admin.users.update': (input) => {
        const { disabled } = input as { disabled?: boolean };
        if (disabled !== undefined) current = { ...current, disabled };
        return { user: current };
      },
      ...extra,
    });
    return view;
  }

  it('lists the account’s servers, each linking to its console page', async () => {
    renderCustomer();
    const table = await screen.findByRole('table', { name: `Servers of ${customer.email}` }, chunk);
    expect(within(table).getByRole('link', { name: 'web-1' })).toHaveAttribute(
      'href',
      `/admin/servers/${web.id}`,
    );
    expect(within(table).getByText('Running')).toBeInTheDocument();
  });

  it('disables the account only after confirming, and can enable it again', async () => {
    const view = renderCustomer();
    await userEvent.click(await screen.findByRole('button', { name: 'Disable account' }, chunk));
    const confirm = await screen.findByRole('alertdialog', { name: `Disable ${customer.email}?` });
    expect(view.callsTo('admin.users.update')).toHaveLength(0);
    await userEvent.click(within(confirm).getByRole('button', { name: 'Disable account' }));
    expect(await screen.findByRole('button', { name: 'Enable account' })).toBeInTheDocument();
    expect(screen.getByText('Disabled')).toBeInTheDocument();
    expect(view.callsTo('admin.users.update').map((c) => c.input)).toEqual([
      { id: customer.id, disabled: true },
    ]);
  });

  it('suspends every server with the reason given', async () => {
    const view = renderCustomer();
    await userEvent.click(await screen.findByRole('button', { name: 'Suspend all servers' }, chunk));
    const confirm = await screen.findByRole('alertdialog', {
      name: `Suspend every server of ${customer.email}?`,
    });
    await userEvent.type(within(confirm).getByLabelText('Reason'), 'Invoice 1042 is overdue');
    await userEvent.click(within(confirm).getByRole('button', { name: 'Suspend servers' }));
    await waitFor(() =>
      expect(view.callsTo('admin.users.update').map((c) => c.input)).toEqual([
        { id: customer.id, suspendServers: true, suspensionReason: 'Invoice 1042 is overdue' },
      ]),
    );
  });

  it('edits the quota; empty means the default, and a refused field shows under it', async () => {
    const view = renderCustomer({
      'admin.users.update': (input) => {
        const quota = (input as { quota: Record<string, number | null> }).quota;
        if (quota.maxCores === 0) {
          throw new ApiError(
            400,
            'VALIDATION_FAILED',
            'Invalid request: quota.maxCores must be between 1 and 1000000',
            {
              'quota.maxCores': 'must be between 1 and 1000000',
            },
          );
        }
        return { user: { ...customer, quota: { ...customer.quota, ...quota } } };
      },
    });
    const cores = await screen.findByLabelText('vCPU cores', {}, chunk);
    expect(cores).toHaveAttribute('placeholder', '16 (default)');
    await userEvent.type(cores, '0');
    await userEvent.click(screen.getByRole('button', { name: 'Save quota' }));
    await waitFor(() =>
      expect(cores).toHaveAccessibleDescription('vCPU cores must be between 1 and 1000000.'),
    );
    expect(cores).toHaveAttribute('aria-invalid', 'true');
    expect(view.callsTo('admin.users.update')[0]?.input).toEqual({
      id: customer.id,
      quota: { maxServers: 5, maxCores: 0, maxMemoryMb: null },
    });
  });

  it('deletes the account after confirming, or shows why the API refused', async () => {
    let refuse = true;
    const view = renderCustomer({
      'admin.users.list': () => ({ users: [], nextCursor: null }),
      'admin.users.delete': () => {
        if (refuse)
          throw new ApiError(
            409,
            'CONFLICT',
            `${customer.email} still has servers: web-1. Terminate them first.`,
          );
        return { ok: true };
      },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Delete account' }, chunk));
    const confirm = await screen.findByRole('alertdialog', { name: `Delete ${customer.email}?` });
    await userEvent.click(within(confirm).getByRole('button', { name: 'Delete account' }));
    expect(await within(confirm).findByRole('alert')).toHaveTextContent('still has servers: web-1');
    refuse = false;
    await userEvent.click(within(confirm).getByRole('button', { name: 'Delete account' }));
    expect(await screen.findByRole('heading', { name: 'No customers yet' }, chunk)).toBeInTheDocument();
    expect(window.location.pathname).toBe('/admin/customers');
    expect(view.callsTo('admin.users.delete').map((c) => c.input)).toEqual([
      { id: customer.id },
      { id: customer.id },
    ]);
  });

  it('makes a password-reset link and shows it to copy', async () => {
    renderCustomer({ 'admin.users.passwordReset': () => ({ link }) });
    await userEvent.click(await screen.findByRole('button', { name: 'Make password-reset link' }, chunk));
    expect(await screen.findByLabelText('Password-reset link')).toHaveTextContent(link.url);
    expect(screen.getByRole('button', { name: 'Copy password-reset link' })).toBeInTheDocument();
  });
});
