import { focusManager } from '@tanstack/react-query';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Server } from '../../../../shared/api.ts';
import {
  canTerminate,
  isActionAllowed,
  serverStatuses,
  transitionFor,
  type ServerAction,
} from '../../../../shared/server-status.ts';
import { loginResult, server } from '../../../testing/fixtures.ts';
import { mockServer, notifications, renderApp } from '../../../testing/render-app.tsx';
import { ApiError } from '../../../testing/trpc-msw.ts';

beforeAll(async () => {
  mockServer.listen({ onUnhandledRequest: 'error' });
  // The page is a lazily loaded route chunk; load it once here so no test's first wait includes the import.
  await import('./ServerPage.tsx');
});
afterAll(() => mockServer.close());
afterEach(() => {
  vi.useRealTimers();
  focusManager.setFocused(undefined);
});

const signedIn = { 'auth.refresh': () => loginResult() };
const buttons: Record<ServerAction, string> = {
  start: 'Start',
  shutdown: 'Shut down',
  reboot: 'Reboot',
  stop: 'Force stop',
};

function renderServer(initial: Server, extra: Record<string, (input: unknown) => unknown> = {}) {
  let current = initial;
  const view = renderApp(`/servers/${initial.id}`, {
    ...signedIn,
    'servers.byId': () => ({
      server: current,
      events: [
        {
          id: 1,
          at: new Date('2025-01-01T10:00:00Z'),
          kind: 'server.create',
          message: `Server ${current.name} ordered`,
        },
      ],
    }),
    ...extra,
  });
  return { ...view, set: (next: Server) => (current = next) };
}

describe('server page', () => {
  it('shows specs, IP, status, its reason and the recent events', async () => {
    renderServer(
      server({
        name: 'web-1',
        status: 'error',
        statusReason: 'Booting failed: the host did not answer.',
        ipAddress: '10.50.0.9',
        memoryMb: 2048,
      }),
    );
    expect(await screen.findByRole('heading', { level: 1, name: 'web-1' })).toBeInTheDocument();
    expect(screen.getByText('Error')).toBeInTheDocument();
    expect(screen.getByText('Booting failed: the host did not answer.')).toBeInTheDocument();
    expect(screen.getByText('10.50.0.9')).toBeInTheDocument();
    expect(screen.getByText('2 GB')).toBeInTheDocument();
    expect(screen.getByText('80 GB')).toBeInTheDocument();
    expect(screen.getByText('Server web-1 ordered')).toBeInTheDocument();
  });

  it('shows which provisioning step is under way', async () => {
    renderServer(
      server({
        status: 'provisioning',
        ipAddress: null,
        progress: { step: 'configure', stepIndex: 3, stepCount: 7 },
      }),
    );
    const bar = await screen.findByRole('progressbar', { name: 'Provisioning progress' });
    expect(bar).toHaveAttribute('aria-valuetext', 'Configuring · step 4 of 7');
    expect(screen.getByText('Configuring').closest('li')).toHaveAttribute('aria-current', 'step');
    expect(screen.getByText('Copying the image').closest('li')).toHaveTextContent('(done)');
  });

  it.each(serverStatuses.filter((s) => s !== 'terminated'))(
    'enables exactly the actions the state machine allows when %s',
    async (status) => {
      renderServer(server({ status }));
      const group = await screen.findByRole('group', { name: 'Server actions' });
      for (const [action, label] of Object.entries(buttons) as [ServerAction, string][]) {
        const button = within(group).getByRole('button', { name: label });
        if (isActionAllowed(status, action)) expect(button).toBeEnabled();
        else expect(button).toBeDisabled();
      }
      const terminate = within(group).getByRole('button', { name: 'Terminate' });
      if (canTerminate(status)) expect(terminate).toBeEnabled();
      else expect(terminate).toBeDisabled();
    },
  );

  it('changes the status at once after an action and reports it', async () => {
    const web = server({ name: 'web-4', status: 'running' });
    const view = renderServer(web, {
      'servers.action': (input) => {
        const { action } = input as { action: ServerAction };
        const next = { ...web, status: transitionFor(web.status, action)! };
        view.set(next);
        return { server: next };
      },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Reboot' }));
    expect(await screen.findByText('Rebooting')).toBeInTheDocument();
    expect(notifications()).toHaveTextContent('web-4 is rebooting.');
    expect(screen.getByRole('button', { name: 'Reboot' })).toBeDisabled();
    expect(view.callsTo('servers.action')[0]?.input).toEqual({ id: web.id, action: 'reboot' });
  });

  it("reports a refused action with the API's message", async () => {
    renderServer(server({ status: 'running' }), {
      'servers.action': () => {
        throw new ApiError(
          409,
          'INVALID_STATE',
          'Another operation (reboot) is still in progress on this server.',
        );
      },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Shut down' }));
    expect(
      await screen.findByText('Another operation (reboot) is still in progress on this server.'),
    ).toBeInTheDocument();
    expect(screen.getByText('Running')).toBeInTheDocument();
  });

  it('terminates only after the server name is typed', async () => {
    const web = server({ name: 'db-7', status: 'stopped' });
    const view = renderServer(web, {
      'servers.terminate': () => {
        const next = { ...web, status: 'terminating' as const };
        view.set(next);
        return { server: next };
      },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Terminate' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Terminate db-7?' });
    const confirm = within(dialog).getByRole('button', { name: 'Terminate server' });
    const input = within(dialog).getByLabelText('Type db-7 to confirm');
    expect(confirm).toBeDisabled();
    await userEvent.type(input, 'db-');
    expect(confirm).toBeDisabled();
    await userEvent.type(input, '8');
    expect(confirm).toBeDisabled();
    await userEvent.type(input, '{Backspace}7');
    expect(confirm).toBeEnabled();
    expect(view.callsTo('servers.terminate')).toHaveLength(0);
    await userEvent.click(confirm);

    expect(await screen.findByText('Terminating')).toBeInTheDocument();
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(view.callsTo('servers.terminate')[0]?.input).toEqual({ id: web.id });
    expect(notifications()).toHaveTextContent('db-7 is being terminated.');
  });
});

describe('live status', () => {
  /**
   * Fake clocks that still creep forward with real time, so network I/O and Testing Library's waits
   * work; the test moves the clock in 2 s steps itself, far beyond the real time that passes.
   */
  const useFakeClock = () => vi.useFakeTimers({ shouldAdvanceTime: true });

  it('polls every 2 s while provisioning and stops once the server is running', async () => {
    useFakeClock();
    const provisioning = server({
      name: 'web-5',
      status: 'provisioning',
      ipAddress: null,
      progress: { step: 'clone', stepIndex: 2, stepCount: 7 },
    });
    const view = renderServer(provisioning);
    expect(await screen.findByText('Provisioning')).toBeInTheDocument();
    const polls = () => view.callsTo('servers.byId').length;
    expect(polls()).toBe(1);

    await act(() => vi.advanceTimersByTimeAsync(2_000));
    await waitFor(() => expect(polls()).toBe(2));

    view.set({ ...provisioning, status: 'running', ipAddress: '10.50.0.20', progress: null });
    await act(() => vi.advanceTimersByTimeAsync(2_000));
    expect(await screen.findByText('Running')).toBeInTheDocument();
    expect(screen.getByText('10.50.0.20')).toBeInTheDocument();
    const settled = polls();

    await act(() => vi.advanceTimersByTimeAsync(30_000));
    expect(polls()).toBe(settled);
  });

  it('pauses while the tab is in the background and resumes when it comes back', async () => {
    useFakeClock();
    const view = renderServer(server({ name: 'web-6', status: 'rebooting' }));
    expect(await screen.findByText('Rebooting')).toBeInTheDocument();
    const polls = () => view.callsTo('servers.byId').length;
    act(() => focusManager.setFocused(false));
    const before = polls();
    await act(() => vi.advanceTimersByTimeAsync(30_000));
    expect(polls()).toBe(before);

    act(() => focusManager.setFocused(true));
    await act(() => vi.advanceTimersByTimeAsync(2_000));
    await waitFor(() => expect(polls()).toBeGreaterThan(before));
  });
});
