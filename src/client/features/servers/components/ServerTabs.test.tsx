/**
 * The server page's tabs: Overview | Console | Usage, with the console and the graphs loaded when their
 * tab opens, against mocked procedures at the network edge.
 */
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '../../../../shared/api.ts';
import type { UsagePoint } from '../../../../shared/usage.ts';
import { loginResult, server } from '../../../testing/fixtures.ts';
import { mockServer, renderApp } from '../../../testing/render-app.tsx';
import { ApiError } from '../../../testing/trpc-msw.ts';

beforeAll(() => mockServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mockServer.close());

const point = (minutesAgo: number, cpu: number | null): UsagePoint => ({
  time: new Date(Date.now() - minutesAgo * 60_000),
  cpu,
  memoryBytes: cpu === null ? null : 1024 ** 3,
  memoryTotalBytes: cpu === null ? null : 2 * 1024 ** 3,
  netInBytesPerSecond: cpu === null ? null : 2048,
  netOutBytesPerSecond: cpu === null ? null : 1024,
  diskReadBytesPerSecond: cpu === null ? null : 0,
  diskWriteBytesPerSecond: cpu === null ? null : 4096,
});

function renderServer(current: Server, extra: Record<string, (input: any) => unknown> = {}) {
  return renderApp(`/servers/${current.id}`, {
    'auth.refresh': () => loginResult(),
    'servers.byId': () => ({ server: current, events: [] }),
    ...extra,
  });
}

describe('server page tabs', () => {
  it('opens on Overview; Console, Usage, Snapshots and Settings are tabs beside it, reached with the arrow keys', async () => {
    renderServer(server({ name: 'web-1', ipAddress: '10.50.0.9' }));
    const tabs = await screen.findByRole('tablist', { name: 'Server sections' }, { timeout: 5000 });
    expect(
      within(tabs)
        .getAllByRole('tab')
        .map((t) => t.textContent),
    ).toEqual(['Overview', 'Console', 'Usage', 'Snapshots', 'Settings']);
    expect(screen.getByRole('tab', { name: 'Overview' })).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByText('10.50.0.9')).toBeInTheDocument();
    screen.getByRole('tab', { name: 'Overview' }).focus();
    await userEvent.keyboard('{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'Console' })).toHaveAttribute('aria-selected', 'true');
    expect(await screen.findByRole('region', { name: 'Console' }, { timeout: 10_000 })).toBeInTheDocument();
    expect(screen.queryByText('10.50.0.9')).not.toBeInTheDocument();
  });

  it('offers Connect on a running server, with Ctrl-Alt-Del and Full screen waiting for the connection', async () => {
    renderServer(server({ status: 'running' }));
    await userEvent.click(await screen.findByRole('tab', { name: 'Console' }));
    const controls = await screen.findByRole('group', { name: 'Console controls' });
    expect(within(controls).getByRole('button', { name: 'Connect' })).toBeEnabled();
    expect(within(controls).getByRole('button', { name: 'Ctrl-Alt-Del' })).toBeDisabled();
    expect(within(controls).getByRole('button', { name: 'Full screen' })).toBeDisabled();
  });

  it.each([
    ['stopped', 'The console is available while the server is running.'],
    ['suspended', 'This server is suspended; its console is closed.'],
  ] as const)('keeps Connect disabled on a %s server and says why', async (status, message) => {
    renderServer(server({ status }));
    await userEvent.click(await screen.findByRole('tab', { name: 'Console' }));
    expect(await screen.findByText(message)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Connect' })).toBeDisabled();
  });

  it("shows Keel's refusal when no console ticket can be had", async () => {
    const view = renderServer(server({ status: 'running' }), {
      'servers.console': () => {
        throw new ApiError(409, 'INVALID_STATE', 'The console needs a running server; this one is stopping.');
      },
    });
    await userEvent.click(await screen.findByRole('tab', { name: 'Console' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Connect' }));
    expect(
      await screen.findByText('The console needs a running server; this one is stopping.'),
    ).toBeInTheDocument();
    expect(view.callsTo('servers.console').map((c) => c.input)).toEqual([{ id: expect.any(String) }]);
    expect(screen.getByRole('button', { name: 'Reconnect' })).toBeEnabled();
  });

  it('shows the usage of the last hour, then of the time frame chosen', async () => {
    const view = renderServer(server({ status: 'running' }), {
      'servers.usage': (input: { timeframe: string }) => ({
        timeframe: input.timeframe,
        stepSeconds: 60,
        points: [point(3, null), point(2, 0.1), point(1, 0.3)],
      }),
    });
    await userEvent.click(await screen.findByRole('tab', { name: 'Usage' }));
    // The first look at the tab loads its chunk (uPlot), which takes a moment under test.
    const usage = await screen.findByRole('region', { name: 'Usage' }, { timeout: 10_000 });
    expect(await within(usage).findByText('CPU: average 20 %, peak 30 %')).toBeInTheDocument();
    expect(
      within(usage).getByText('In: average 2 KB/s, peak 2 KB/s · Out: average 1 KB/s, peak 1 KB/s'),
    ).toBeInTheDocument();
    expect(within(usage).getByText('Used: average 1 GB, peak 1 GB')).toBeInTheDocument();
    for (const id of ['cpu', 'memory', 'network', 'disk'])
      expect(within(usage).getByTestId(`usage-chart-${id}`)).toBeInTheDocument();
    expect(within(usage).getByRole('button', { name: 'Hour' })).toHaveAttribute('aria-pressed', 'true');
    await userEvent.click(within(usage).getByRole('button', { name: 'Week' }));
    await waitFor(() =>
      expect(view.callsTo('servers.usage').map((c) => (c.input as { timeframe: string }).timeframe)).toEqual([
        'hour',
        'week',
      ]),
    );
    expect(within(usage).getByRole('button', { name: 'Week' })).toHaveAttribute('aria-pressed', 'true');
  });

  it('asks for no usage while the server is being set up', async () => {
    const view = renderServer(
      server({ status: 'provisioning', progress: { step: 'clone', stepIndex: 1, stepCount: 7 } }),
    );
    await userEvent.click(await screen.findByRole('tab', { name: 'Usage' }));
    expect(
      await screen.findByText('Usage shows once the server is set up.', {}, { timeout: 10_000 }),
    ).toBeInTheDocument();
    expect(view.callsTo('servers.usage')).toEqual([]);
  });
});
