import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminServer } from '../../../../shared/admin.ts';
import { adminServer } from '../../../testing/admin-fixtures.ts';
import { admin, loginResult, user } from '../../../testing/fixtures.ts';
import { mockServer, renderApp } from '../../../testing/render-app.tsx';

beforeAll(() => mockServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mockServer.close());

const pageLoad = { timeout: 10_000 };
const location = { id: '22222222-2222-4222-8222-222222222222', name: 'Simulated lab' };
const fleet = [
  adminServer({ name: 'web-a', status: 'running' }),
  adminServer({ name: 'db-b', status: 'error', statusReason: 'Booting failed.' }),
];

function renderList(path: string, list: (input: Record<string, unknown>) => AdminServer[] = () => fleet) {
  return renderApp(path, {
    'auth.refresh': () => loginResult('admin.token.x', admin),
    'admin.servers.list': (input) => ({ servers: list(input as Record<string, unknown>), nextCursor: null }),
    'admin.users.list': () => ({
      users: [
        {
          ...user,
          disabled: false,
          disabledAt: null,
          quota: { maxServers: null, maxCores: null, maxMemoryMb: null },
          createdAt: new Date(0),
        },
      ],
      nextCursor: null,
    }),
    'adminCatalogue.locations.list': () => ({
      locations: [
        {
          ...location,
          slug: 'lab',
          country: null,
          pveNodes: ['pve-1'],
          createdAt: new Date(0),
          updatedAt: new Date(0),
        },
      ],
      nextCursor: null,
    }),
    'adminPve.nodes': () => ({
      nodes: ['pve-1', 'pve-2'].map((name) => ({
        name,
        status: 'online',
        cpu: 0.1,
        maxcpu: 4,
        mem: 1,
        maxmem: 2,
        disk: 1,
        maxdisk: 2,
        uptime: 1,
        storages: [],
      })),
    }),
  });
}

const lastListInput = (view: ReturnType<typeof renderList>) =>
  view.callsTo('admin.servers.list').at(-1)?.input;

describe('admin server list', () => {
  it('lists every server with its owner', async () => {
    renderList('/admin/servers');
    expect(await screen.findByRole('link', { name: 'web-a' }, pageLoad)).toHaveAttribute(
      'href',
      `/admin/servers/${fleet[0]!.id}`,
    );
    expect(screen.getAllByRole('link', { name: user.email })[0]).toHaveAttribute(
      'href',
      `/admin/customers/${user.id}`,
    );
    expect(screen.getByText('Booting failed.')).toBeInTheDocument();
    expect(screen.getByRole('table', { name: 'Servers, newest first' })).toBeInTheDocument();
  });

  it('writes each filter into the address and asks the API with it', async () => {
    const view = renderList('/admin/servers');
    await screen.findByRole('link', { name: 'web-a' }, pageLoad);

    await userEvent.selectOptions(screen.getByLabelText('Status'), 'Error');
    await waitFor(() => expect(new URLSearchParams(window.location.search).get('status')).toBe('error'));
    await waitFor(() => expect(lastListInput(view)).toMatchObject({ status: 'error' }));

    const customer = `${user.name} (${user.email})`;
    await screen.findByRole('option', { name: customer });
    await userEvent.selectOptions(screen.getByLabelText('Customer'), customer);
    await waitFor(() => expect(new URLSearchParams(window.location.search).get('customer')).toBe(user.id));

    await userEvent.selectOptions(screen.getByLabelText('Location'), 'Simulated lab');
    await screen.findByRole('option', { name: 'pve-2' });
    await userEvent.selectOptions(screen.getByLabelText('Node'), 'pve-2');
    await userEvent.type(screen.getByLabelText('Search servers'), 'web');

    await waitFor(() =>
      expect(Object.fromEntries(new URLSearchParams(window.location.search))).toEqual({
        status: 'error',
        customer: user.id,
        location: location.id,
        node: 'pve-2',
        q: 'web',
      }),
    );
    await waitFor(() =>
      expect(lastListInput(view)).toEqual({
        limit: 100,
        status: 'error',
        userId: user.id,
        locationId: location.id,
        node: 'pve-2',
        query: 'web',
      }),
    );

    // Back to "all" drops the filter from the address again.
    await userEvent.selectOptions(screen.getByLabelText('Status'), 'All statuses');
    await waitFor(() => expect(new URLSearchParams(window.location.search).has('status')).toBe(false));
  });

  it('takes its filters from the address it was opened at', async () => {
    const view = renderList(`/admin/servers?node=pve-2&status=error&q=db`, () => [fleet[1]!]);
    await screen.findByRole('link', { name: 'db-b' }, pageLoad);
    expect(view.callsTo('admin.servers.list')[0]!.input).toEqual({
      limit: 100,
      node: 'pve-2',
      status: 'error',
      query: 'db',
    });
    expect(screen.getByLabelText('Status')).toHaveValue('error');
    expect(screen.getByLabelText('Search servers')).toHaveValue('db');
    await waitFor(() => expect(screen.getByLabelText('Node')).toHaveValue('pve-2'));
  });

  it('offers to clear the filters when nothing matches', async () => {
    renderList('/admin/servers?status=suspended', (input) => (input.status ? [] : fleet));
    await userEvent.click(await screen.findByRole('link', { name: 'Clear the filters' }, pageLoad));
    await waitFor(() => expect(window.location.search).toBe(''));
    expect(await screen.findByRole('link', { name: 'web-a' })).toBeInTheDocument();
  });
});
