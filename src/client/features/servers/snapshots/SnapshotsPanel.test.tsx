import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '../../../../shared/api.ts';
import type { SnapshotList } from '../../../../shared/self-service.ts';
import { loginResult, server } from '../../../testing/fixtures.ts';
import { mockServer, renderApp } from '../../../testing/render-app.tsx';
import { ApiError, type Procedure } from '../../../testing/trpc-msw.ts';

beforeAll(() => mockServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mockServer.close());

const snap = (name: string, hour: number) => ({
  name,
  description: '',
  createdAt: new Date(`2025-01-03T${String(hour).padStart(2, '0')}:00:00Z`),
  complete: true,
});

async function openSnapshots(
  current: Server,
  list: () => SnapshotList,
  extra: Record<string, Procedure> = {},
) {
  const view = renderApp(`/servers/${current.id}`, {
    'auth.refresh': () => loginResult(),
    'servers.byId': () => ({ server: current, events: [] }),
    'servers.snapshots.list': () => list(),
    ...extra,
  });
  await userEvent.click(await screen.findByRole('tab', { name: 'Snapshots' }, { timeout: 5000 }));
  await screen.findByRole('heading', { name: 'Snapshots' }, { timeout: 5000 });
  return view;
}

describe('snapshots', () => {
  it('rolls back only after the confirmation, and Cancel sends nothing', async () => {
    const web = server({ name: 'web-20' });
    const { callsTo } = await openSnapshots(
      web,
      () => ({ snapshots: [snap('before-upgrade', 9)], limit: 3, pending: null }),
      { 'servers.snapshots.rollback': () => ({ server: web }) },
    );
    expect(screen.getByText('1 of 3 allowed by the plan')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Roll back before-upgrade' }));
    let dialog = await screen.findByRole('alertdialog', { name: 'Roll back to before-upgrade?' });
    expect(dialog).toHaveTextContent('Everything written to its disk since is lost');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(callsTo('servers.snapshots.rollback')).toHaveLength(0);

    await userEvent.click(screen.getByRole('button', { name: 'Roll back before-upgrade' }));
    dialog = await screen.findByRole('alertdialog', { name: 'Roll back to before-upgrade?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Roll back' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(callsTo('servers.snapshots.rollback')[0]?.input).toEqual({ id: web.id, name: 'before-upgrade' });
  });

  it('deletes after confirmation and shows a 409 in the dialog', async () => {
    const web = server({ name: 'web-21' });
    await openSnapshots(web, () => ({ snapshots: [snap('nightly', 3)], limit: 3, pending: null }), {
      'servers.snapshots.delete': () => {
        throw new ApiError(
          409,
          'INVALID_STATE',
          'Cannot delete a snapshot of this server now: a reinstall is still in progress on it.',
        );
      },
    });
    await userEvent.click(screen.getByRole('button', { name: 'Delete nightly' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Delete snapshot nightly?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete snapshot' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('a reinstall is still in progress');
  });

  it('checks the name, takes a snapshot, and shows the plan limit and storage refusals', async () => {
    const web = server({ name: 'web-22' });
    let refusal: ApiError | null = new ApiError(
      409,
      'INVALID_STATE',
      "This server's disk is on storage that cannot take snapshots, so snapshots are not available for it.",
    );
    const { callsTo } = await openSnapshots(web, () => ({ snapshots: [], limit: 2, pending: null }), {
      'servers.snapshots.create': () => {
        if (refusal) throw refusal;
        return { server: web };
      },
    });
    const name = screen.getByLabelText('Snapshot name');
    await userEvent.type(name, '1bad');
    await userEvent.click(screen.getByRole('button', { name: 'Take snapshot' }));
    expect(name).toHaveAccessibleDescription(/^Name must start with a letter/);
    expect(callsTo('servers.snapshots.create')).toHaveLength(0);

    await userEvent.clear(name);
    await userEvent.type(name, 'first');
    await userEvent.click(screen.getByRole('button', { name: 'Take snapshot' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('storage that cannot take snapshots');

    refusal = new ApiError(
      422,
      'QUOTA_EXCEEDED',
      "This server's plan allows 2 snapshots at once; delete one before taking another.",
    );
    await userEvent.click(screen.getByRole('button', { name: 'Take snapshot' }));
    await waitFor(() =>
      expect(screen.getByRole('alert')).toHaveTextContent('plan allows 2 snapshots at once'),
    );

    refusal = null;
    await userEvent.click(screen.getByRole('button', { name: 'Take snapshot' }));
    await waitFor(() => expect(callsTo('servers.snapshots.create')).toHaveLength(3));
    expect(callsTo('servers.snapshots.create')[2]?.input).toEqual({ id: web.id, name: 'first' });
  });

  it('at the limit, or while one is being taken, the controls are off and say why', async () => {
    const web = server({ name: 'web-23' });
    await openSnapshots(web, () => ({
      snapshots: [snap('a-1', 1), snap('a-2', 2)],
      limit: 2,
      pending: 'create',
    }));
    expect(screen.getByText('A snapshot is being taken…')).toBeInTheDocument();
    expect(screen.getByText(/The plan allows 2 snapshots at once/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Take snapshot' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Roll back a-1' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Delete a-2' })).toBeDisabled();
  });
});
