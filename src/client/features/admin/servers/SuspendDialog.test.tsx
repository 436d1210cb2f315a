import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminServerDetail } from '../../../../shared/admin.ts';
import { adminServerDetail } from '../../../testing/admin-fixtures.ts';
import { admin, loginResult } from '../../../testing/fixtures.ts';
import { mockServer, notifications, renderApp } from '../../../testing/render-app.tsx';
import { ApiError, type Procedure } from '../../../testing/trpc-msw.ts';

beforeAll(() => mockServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mockServer.close());

/** The console's pages are lazy chunks; the first one a test opens may take a while to compile. */
const pageLoad = { timeout: 10_000 };

function renderServerPage(initial: AdminServerDetail, action: Procedure) {
  let current = initial;
  const view = renderApp(`/admin/servers/${initial.id}`, {
    'auth.refresh': () => loginResult('admin.token.x', admin),
    'admin.servers.byId': () => ({ server: current, events: [] }),
    'admin.servers.action': (input, request) => {
      const result = action(input, request) as AdminServerDetail;
      current = result;
      return { server: result, events: [] };
    },
  });
  return view;
}

async function openSuspend(name: string) {
  await screen.findByRole('heading', { level: 2, name }, pageLoad);
  await userEvent.click(screen.getByRole('button', { name: 'Suspend' }));
  return screen.findByRole('alertdialog', { name: `Suspend ${name}?` });
}

describe('suspend dialog', () => {
  it('refuses to send without a reason, then sends the reason given', async () => {
    const web = adminServerDetail({ name: 'web-7', status: 'running' });
    const view = renderServerPage(web, () => ({
      ...web,
      status: 'suspended',
      suspension: {
        at: new Date(),
        by: { id: admin.id, email: admin.email },
        reason: 'Unpaid invoice 42',
        restore: 'running',
      },
    }));
    const dialog = await openSuspend('web-7');
    const reason = within(dialog).getByLabelText('Reason');
    expect(reason).toHaveFocus();

    await userEvent.type(reason, '   ');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Suspend server' }));
    expect(within(dialog).getByText('Give a reason: the customer is shown it.')).toBeInTheDocument();
    expect(reason).toHaveAttribute('aria-invalid', 'true');
    expect(view.callsTo('admin.servers.action')).toHaveLength(0);

    await userEvent.type(reason, 'Unpaid invoice 42');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Suspend server' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(view.callsTo('admin.servers.action').map((c) => c.input)).toEqual([
      { id: web.id, action: 'suspend', reason: 'Unpaid invoice 42' },
    ]);
    expect(await within(notifications()).findByText('web-7 is suspended.')).toBeInTheDocument();
    expect(await screen.findByText(/“Unpaid invoice 42”/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Unsuspend' })).toBeEnabled();
  });

  it("shows the API's refusal inside the dialog and keeps it open with the reason", async () => {
    const web = adminServerDetail({ name: 'web-8', status: 'running' });
    renderServerPage(web, () => {
      throw new ApiError(
        409,
        'INVALID_STATE',
        'Another operation (reboot) is still in progress on this server.',
      );
    });
    const dialog = await openSuspend('web-8');
    await userEvent.type(within(dialog).getByLabelText('Reason'), 'Abuse report');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Suspend server' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'Another operation (reboot) is still in progress on this server.',
    );
    expect(within(dialog).getByLabelText('Reason')).toHaveValue('Abuse report');
  });

  it('starts empty again after being cancelled', async () => {
    const web = adminServerDetail({ name: 'web-9', status: 'stopped' });
    renderServerPage(web, () => web);
    let dialog = await openSuspend('web-9');
    await userEvent.type(within(dialog).getByLabelText('Reason'), 'Draft');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(screen.getByRole('button', { name: 'Suspend' })).toHaveFocus();
    dialog = await openSuspend('web-9');
    expect(within(dialog).getByLabelText('Reason')).toHaveValue('');
  });
});

describe('server page actions', () => {
  it("shows the API's message when it refuses an action", async () => {
    const web = adminServerDetail({ name: 'web-10', status: 'stopped' });
    renderServerPage(web, () => {
      throw new ApiError(
        409,
        'INVALID_STATE',
        'Another operation (resize) is still in progress on this server.',
      );
    });
    await screen.findByRole('heading', { level: 2, name: 'web-10' }, pageLoad);
    await userEvent.click(screen.getByRole('button', { name: 'Start' }));
    expect(
      await within(notifications()).findByText(
        'Another operation (resize) is still in progress on this server.',
      ),
    ).toBeInTheDocument();
  });

  it('shows owner, node and VMID, and offers retry only to a server in error', async () => {
    const web = adminServerDetail(
      { name: 'web-11', status: 'error', statusReason: 'Cloning failed: storage full.' },
      { node: 'pve-3', vmid: 4242, lastFailure: { kind: 'provision', error: 'storage full', at: null } },
    );
    const view = renderServerPage(web, () => ({ ...web, status: 'provisioning', statusReason: null }));
    await screen.findByRole('heading', { level: 2, name: 'web-11' }, pageLoad);
    expect(screen.getByText('pve-3')).toBeInTheDocument();
    expect(screen.getByText('4242')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Ada Lovelace' })).toHaveAttribute(
      'href',
      `/admin/customers/${web.owner.id}`,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() =>
      expect(view.callsTo('admin.servers.action').map((c) => c.input)).toEqual([
        { id: web.id, action: 'retry' },
      ]),
    );
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Retry' })).not.toBeInTheDocument());
  });
});
