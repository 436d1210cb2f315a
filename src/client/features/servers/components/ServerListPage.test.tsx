import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '../../../../shared/api.ts';
import { catalog, loginResult, server, storedSshKey } from '../../../testing/fixtures.ts';
import { mockServer, notifications, renderApp } from '../../../testing/render-app.tsx';
import { ApiError } from '../../../testing/trpc-msw.ts';

beforeAll(() => mockServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mockServer.close());

const signedIn = { 'auth.refresh': () => loginResult() };
/** The first screen's wait: on a loaded machine the first render of a test takes longer than 1 s. */
const firstPaint = { timeout: 5000 };
const rowOf = (name: string) => screen.getByRole('link', { name }).closest('tr')!;

describe('server list', () => {
  it('shows name, status, IP, specs, image and location of each server', async () => {
    const servers = [
      server({
        name: 'web-1',
        status: 'running',
        ipAddress: '10.50.0.11',
        cpuCores: 2,
        memoryMb: 4096,
        diskGb: 80,
      }),
      server({
        name: 'web-2',
        status: 'provisioning',
        ipAddress: null,
        cpuCores: 1,
        memoryMb: 1024,
        diskGb: 25,
        progress: { step: 'clone', stepIndex: 2, stepCount: 7 },
      }),
      server({
        name: 'db-1',
        status: 'error',
        statusReason: 'The host did not answer.',
        ipAddress: '10.50.0.12',
      }),
    ];
    renderApp('/', { ...signedIn, 'servers.list': () => ({ servers, nextCursor: null }) });

    const web1 = within(
      await screen.findByRole('link', { name: 'web-1' }, firstPaint).then((l) => l.closest('tr')!),
    );
    expect(web1.getByText('Running')).toBeInTheDocument();
    expect(web1.getByText('10.50.0.11')).toBeInTheDocument();
    expect(web1.getByText('2 vCPU · 4 GB · 80 GB')).toBeInTheDocument();
    expect(web1.getByText('Debian 12')).toBeInTheDocument();
    expect(web1.getByText('Simulated lab')).toBeInTheDocument();
    expect(web1.getByRole('button', { name: 'Copy IP address of web-1' })).toBeInTheDocument();

    const web2 = within(rowOf('web-2'));
    expect(web2.getByText('Provisioning')).toBeInTheDocument();
    expect(web2.getByText('Copying the image · step 3 of 7')).toBeInTheDocument();
    expect(web2.getByText('1 vCPU · 1 GB · 25 GB')).toBeInTheDocument();

    expect(within(rowOf('db-1')).getByText('The host did not answer.')).toBeInTheDocument();
    expect(screen.getByText('3 servers')).toBeInTheDocument();
  });

  it('reads every page of a large fleet and shows it 50 rows at a time', async () => {
    const all = Array.from({ length: 1000 }, (_, i) => server({ name: `node-${i + 1}` }));
    renderApp('/', {
      ...signedIn,
      'servers.list': (input) => {
        const { limit, cursor } = input as { limit: number; cursor?: string };
        const start = cursor ? Number(cursor) : 0;
        const end = start + limit;
        return { servers: all.slice(start, end), nextCursor: end < all.length ? String(end) : null };
      },
    });
    expect(await screen.findByText('1,000 servers', {}, firstPaint)).toBeInTheDocument();
    expect(screen.getAllByRole('link', { name: /^node-/ })).toHaveLength(50);
    expect(screen.getByText('1–50 of 1,000')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(screen.getByRole('link', { name: 'node-51' })).toBeInTheDocument();

    await userEvent.type(screen.getByRole('searchbox', { name: 'Search servers' }), 'node-999');
    expect(screen.getAllByRole('link', { name: /^node-/ }).map((l) => l.textContent)).toEqual(['node-999']);
  });

  it('filters by status', async () => {
    renderApp('/', {
      ...signedIn,
      'servers.list': () => ({
        servers: [server({ name: 'a-1', status: 'running' }), server({ name: 'b-1', status: 'stopped' })],
        nextCursor: null,
      }),
    });
    await screen.findByRole('link', { name: 'a-1' }, firstPaint);
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Filter by status' }), 'Stopped');
    expect(screen.queryByRole('link', { name: 'a-1' })).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'b-1' })).toBeInTheDocument();
  });

  it('invites the first server when there is none', async () => {
    renderApp('/', { ...signedIn, 'servers.list': () => ({ servers: [], nextCursor: null }) });
    expect(await screen.findByRole('heading', { name: 'No servers yet' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Create your first server' })).toBeInTheDocument();
  });

  it('explains a failure and loads again on retry', async () => {
    let attempts = 0;
    renderApp('/', {
      ...signedIn,
      'servers.list': () => {
        if (++attempts === 1)
          throw new ApiError(503, 'UNAVAILABLE', 'Keel is starting up. Try again in a moment.');
        return { servers: [server({ name: 'back-1' })], nextCursor: null };
      },
    });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Your servers could not be loaded.');
    expect(alert).toHaveTextContent('Keel is starting up. Try again in a moment.');
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('link', { name: 'back-1' })).toBeInTheDocument();
  });
});

describe('create server dialog', () => {
  it('checks the hostname with the API schema, then shows the new server at once as provisioning', async () => {
    const created: Server[] = [];
    const { callsTo } = renderApp('/', {
      ...signedIn,
      'servers.list': () => ({ servers: [], nextCursor: null }),
      'catalog.get': () => catalog,
      'sshKeys.list': () => ({ sshKeys: [] }),
      'servers.create': (input) => {
        const order = input as { name: string; planId: string };
        const plan = catalog.plans.find((p) => p.id === order.planId)!;
        const made = server({
          name: order.name,
          status: 'provisioning',
          ipAddress: null,
          cpuCores: plan.cpuCores,
          progress: { step: 'place', stepIndex: 0, stepCount: 7 },
        });
        created.push(made);
        return { server: made };
      },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Create your first server' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create a server' });
    const name = await within(dialog).findByLabelText('Name');
    expect(name).toHaveFocus();

    await userEvent.type(name, 'web_1');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create server' }));
    expect(name).toHaveAccessibleDescription(/^Name must be a hostname/);
    expect(callsTo('servers.create')).toHaveLength(0);

    await userEvent.clear(name);
    await userEvent.type(name, 'Web-1');
    await userEvent.click(within(dialog).getByText('VPS M'));
    await userEvent.type(within(dialog).getByLabelText('SSH public key (optional)'), 'not a key');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create server' }));
    expect(within(dialog).getByLabelText('SSH public key (optional)')).toHaveAccessibleDescription(
      /^SSH key must be an OpenSSH public key/,
    );
    await userEvent.clear(within(dialog).getByLabelText('SSH public key (optional)'));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create server' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(callsTo('servers.create')[0]?.input).toEqual({
      name: 'web-1',
      planId: catalog.plans[1]!.id,
      imageId: catalog.images[0]!.id,
      locationId: catalog.locations[0]!.id,
    });
    const row = within(rowOf('web-1'));
    expect(row.getByText('Provisioning')).toBeInTheDocument();
    expect(notifications()).toHaveTextContent('web-1 is being set up.');
  });

  it("shows the API's refusal in words", async () => {
    renderApp('/', {
      ...signedIn,
      'servers.list': () => ({ servers: [server({ name: 'x-1' })], nextCursor: null }),
      'catalog.get': () => catalog,
      'sshKeys.list': () => ({ sshKeys: [] }),
      'servers.create': () => {
        throw new ApiError(422, 'QUOTA_EXCEEDED', 'This order would exceed your quota: at most 10 servers.');
      },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Create server' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(await within(dialog).findByLabelText('Name'), 'web-2');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create server' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'This order would exceed your quota: at most 10 servers.',
    );
    // Escape closes the dialog and focus goes back to the button that opened it.
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Create server' })).toHaveFocus();
  });

  it('offers the keychain and sends the chosen keys by id', async () => {
    const laptop = storedSshKey('laptop');
    const desk = storedSshKey('desk');
    const { callsTo } = renderApp('/', {
      ...signedIn,
      'servers.list': () => ({ servers: [], nextCursor: null }),
      'catalog.get': () => catalog,
      'sshKeys.list': () => ({ sshKeys: [laptop, desk] }),
      'servers.create': (input) => ({ server: server({ name: (input as { name: string }).name }) }),
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Create your first server' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create a server' });
    await userEvent.type(await within(dialog).findByLabelText('Name'), 'web-7');
    const keychain = within(dialog).getByRole('group', { name: 'SSH keys from your keychain' });
    expect(within(keychain).getByText(laptop.fingerprint)).toBeInTheDocument();
    await userEvent.click(await within(keychain).findByRole('checkbox', { name: /desk/ }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create server' }));
    await waitFor(() => expect(callsTo('servers.create')).toHaveLength(1));
    expect(callsTo('servers.create')[0]?.input).toMatchObject({ name: 'web-7', sshKeyIds: [desk.id] });
  });
});
