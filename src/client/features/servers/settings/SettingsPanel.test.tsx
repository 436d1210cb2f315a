import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '../../../../shared/api.ts';
import { suspendedByProviderMessage } from '../../../../shared/server-status.ts';
import { catalog, loginResult, server, storedSshKey } from '../../../testing/fixtures.ts';
import { mockServer, renderApp } from '../../../testing/render-app.tsx';
import { ApiError, type Procedure } from '../../../testing/trpc-msw.ts';

beforeAll(() => mockServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mockServer.close());

const ubuntu = {
  id: '11111111-1111-4111-8111-111111111112',
  slug: 'ubuntu-24',
  name: 'Ubuntu 24.04',
  osFamily: 'debian',
};
const bigCatalog = {
  ...catalog,
  images: [...catalog.images, ubuntu],
  plans: [
    ...catalog.plans,
    {
      id: '33333333-3333-4333-8333-333333333333',
      slug: 'vps-l',
      name: 'VPS L',
      cpuCores: 4,
      memoryMb: 8192,
      diskGb: 160,
      priceMonthlyCents: 3000,
    },
  ],
};

async function openSettings(current: Server, extra: Record<string, Procedure> = {}) {
  const view = renderApp(`/servers/${current.id}`, {
    'auth.refresh': () => loginResult(),
    'servers.byId': () => ({ server: current, events: [] }),
    'catalog.get': () => bigCatalog,
    'sshKeys.list': () => ({ sshKeys: [] }),
    ...extra,
  });
  await userEvent.click(await screen.findByRole('tab', { name: 'Settings' }, { timeout: 5000 }));
  // The tab is a chunk of its own; its first load in a test takes a moment.
  await screen.findByRole('heading', { name: 'Reinstall' }, { timeout: 5000 });
  return view;
}

describe('reinstall', () => {
  it('is sent only once the server name is typed, with the image and keys chosen', async () => {
    const web = server({ name: 'web-9', diskGb: 80, cpuCores: 2, memoryMb: 4096 });
    const key = storedSshKey('laptop');
    const { callsTo } = await openSettings(web, {
      'sshKeys.list': () => ({ sshKeys: [key] }),
      'servers.reinstall': () => ({ server: { ...web, status: 'reinstalling' } }),
    });
    await userEvent.click(screen.getByRole('button', { name: 'Reinstall…' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Reinstall web-9?' });
    const submit = within(dialog).getByRole('button', { name: 'Reinstall server' });
    const confirm = within(dialog).getByLabelText('Type web-9 to confirm');
    expect(submit).toBeDisabled();
    await userEvent.type(confirm, 'web-8');
    expect(submit).toBeDisabled();
    await userEvent.clear(confirm);

    await userEvent.click(within(dialog).getByRole('combobox', { name: 'Image' }));
    await userEvent.click(await screen.findByRole('option', { name: 'Ubuntu 24.04' }));
    await userEvent.click(await within(dialog).findByRole('checkbox', { name: /laptop/ }));
    await userEvent.type(confirm, 'web-9');
    expect(submit).toBeEnabled();
    expect(callsTo('servers.reinstall')).toHaveLength(0);
    await userEvent.click(submit);
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(callsTo('servers.reinstall')[0]?.input).toEqual({
      id: web.id,
      imageId: ubuntu.id,
      confirmName: 'web-9',
      sshKeyIds: [key.id],
    });
  });

  it('checks a chosen root password before sending, and shows a 409 in words', async () => {
    const web = server({ name: 'web-10' });
    const { callsTo } = await openSettings(web, {
      'servers.reinstall': () => {
        throw new ApiError(
          409,
          'INVALID_STATE',
          'Cannot reinstall this server now: a resize is still in progress on it.',
        );
      },
    });
    await userEvent.click(screen.getByRole('button', { name: 'Reinstall…' }));
    const dialog = await screen.findByRole('alertdialog');
    const password = within(dialog).getByLabelText('New root password (optional)');
    await userEvent.type(password, 'short');
    await userEvent.type(within(dialog).getByLabelText('Type web-10 to confirm'), 'web-10');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Reinstall server' }));
    expect(password).toHaveAccessibleDescription(/^Root password must be at least 12 characters/);
    expect(callsTo('servers.reinstall')).toHaveLength(0);
    await userEvent.clear(password);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Reinstall server' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('a resize is still in progress');
  });
});

describe('root password', () => {
  it('shows the new password once, with a copy button, and forgets it on closing', async () => {
    const web = server({ name: 'web-11' });
    let answer = 'Fresh-Password-1';
    const { callsTo } = await openSettings(web, {
      'servers.rootPassword': () => ({ server: web, password: answer }),
    });
    await userEvent.click(screen.getByRole('button', { name: 'Reset root password…' }));
    let dialog = await screen.findByRole('dialog', { name: 'Reset the root password of web-11' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Reset root password' }));
    dialog = await screen.findByRole('dialog', { name: 'The new root password' });
    expect(within(dialog).getByTestId('root-password')).toHaveTextContent('Fresh-Password-1');
    expect(within(dialog).getByRole('button', { name: 'Copy the root password' })).toBeInTheDocument();
    expect(callsTo('servers.rootPassword')[0]?.input).toEqual({ id: web.id });

    await userEvent.click(within(dialog).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(screen.queryByText('Fresh-Password-1')).not.toBeInTheDocument();

    // Opened again, it asks afresh; the old password is nowhere.
    answer = 'Second-Password-2';
    await userEvent.click(screen.getByRole('button', { name: 'Reset root password…' }));
    dialog = await screen.findByRole('dialog', { name: 'Reset the root password of web-11' });
    expect(screen.queryByText('Fresh-Password-1')).not.toBeInTheDocument();
    expect(within(dialog).queryByTestId('root-password')).not.toBeInTheDocument();
  });
});

describe('resize', () => {
  it('offers only bigger plans and says the disk only grows', async () => {
    const web = server({ name: 'web-12', cpuCores: 2, memoryMb: 4096, diskGb: 80 });
    const { callsTo } = await openSettings(web, {
      'servers.resize': () => ({ server: { ...web, status: 'resizing' } }),
    });
    await userEvent.click(screen.getByRole('button', { name: 'Resize…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Resize web-12' });
    expect(dialog).toHaveTextContent('a disk only grows');
    const options = await within(dialog).findAllByRole('radio');
    expect(options).toHaveLength(1); // VPS S is smaller, VPS M the same size
    await userEvent.click(within(dialog).getByText('VPS L'));
    expect(dialog).toHaveTextContent('The disk grows from 80 GB to 160 GB');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Resize to VPS L' }));
    await waitFor(() => expect(callsTo('servers.resize')).toHaveLength(1));
    expect(callsTo('servers.resize')[0]?.input).toEqual({ id: web.id, planId: bigCatalog.plans[2]!.id });
  });
});

describe('while the server cannot take an operation', () => {
  it.each([
    ['suspended', suspendedByProviderMessage],
    ['reinstalling', 'Not available while the server is reinstalling; it must be running or stopped.'],
  ] as const)('%s: every control is off and the reason is shown', async (status, reason) => {
    await openSettings(server({ status }));
    expect(screen.getByText(reason)).toBeInTheDocument();
    for (const name of ['Reinstall…', 'Reset root password…', 'Resize…'])
      expect(screen.getByRole('button', { name })).toBeDisabled();
  });
});
