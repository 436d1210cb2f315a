import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminServer } from '../../../../shared/admin.ts';
import type { PveNodeInfo } from '../../../../shared/catalogue.ts';
import { adminServer } from '../../../testing/admin-fixtures.ts';
import { admin, loginResult } from '../../../testing/fixtures.ts';
import { GiB, pveNode } from '../../../testing/pve-fixtures.ts';
import { mockServer, notifications, renderApp } from '../../../testing/render-app.tsx';
import { ApiError, type Procedures } from '../../../testing/trpc-msw.ts';

beforeAll(() => mockServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mockServer.close());

const pageLoad = { timeout: 10_000 };
const lab = '22222222-2222-4222-8222-222222222222';

const nodes: PveNodeInfo[] = [
  pveNode({
    disk: 5 * GiB,
    maxdisk: 50 * GiB,
    storages: [
      {
        storage: 'local-lvm',
        type: 'lvmthin',
        shared: false,
        active: true,
        avail: 10 * GiB,
        total: 100 * GiB,
      },
    ],
  }),
  {
    name: 'pve-2',
    status: 'offline',
    cpu: null,
    maxcpu: null,
    mem: null,
    maxmem: null,
    disk: null,
    maxdisk: null,
    uptime: null,
    storages: [],
  },
];

const broken = adminServer({ name: 'db-1', status: 'error', statusReason: 'Cloning failed: storage full.' });
const running = [adminServer({ name: 'web-1' }), adminServer({ name: 'web-2' })];

function pool(cidr: string, size: number, allocated: number) {
  return {
    id: `00000000-0000-4000-9000-${String(size * 1000 + allocated).padStart(12, '0')}`,
    locationId: lab,
    cidr,
    gateway: '10.0.0.1',
    rangeStart: '10.0.0.10',
    rangeEnd: '10.0.0.200',
    dns: [],
    family: 'ipv4' as const,
    size,
    allocated,
    free: size - allocated,
    createdAt: new Date(0),
  };
}

function guest(node: string, vmid: number, name: string, keelServerId: string | null, template = false) {
  return {
    node,
    vmid,
    name,
    status: 'running',
    type: 'qemu',
    template,
    maxcpu: 1,
    maxmem: 2 * GiB,
    maxdisk: 10 * GiB,
    uptime: 5,
    keelServerId,
  };
}

function renderOverview(extra: Procedures = {}) {
  return renderApp('/admin', {
    'auth.refresh': () => loginResult('admin.token.x', admin),
    'adminPve.nodes': () => ({ nodes }),
    'admin.servers.list': (input) => {
      const status = (input as { status?: string } | undefined)?.status;
      const servers: AdminServer[] = status === 'error' ? [broken] : status === 'running' ? running : [];
      return { servers, nextCursor: status === 'running' ? 'more' : null };
    },
    'adminPve.vms': () => ({
      vms: [
        guest('pve-1', 101, 'web-1', running[0]!.id),
        guest('pve-1', 9000, 'debian-12-template', null, true),
        guest('pve-2', 555, 'forgotten-test-vm', null),
      ],
    }),
    'adminCatalogue.ipPools.list': () => ({
      pools: [pool('10.0.0.0/24', 200, 40), pool('10.9.0.0/28', 10, 9)],
      nextCursor: null,
    }),
    'adminCatalogue.locations.list': () => ({
      locations: [
        {
          id: lab,
          slug: 'lab',
          name: 'Simulated lab',
          country: null,
          pveNodes: ['pve-1'],
          createdAt: new Date(0),
          updatedAt: new Date(0),
        },
      ],
      nextCursor: null,
    }),
    ...extra,
  });
}

describe('console overview', () => {
  it("draws each node's CPU, memory and storage as bars from the cluster's figures", async () => {
    renderOverview();
    const node = await screen.findByRole('article', { name: 'pve-1' }, pageLoad);
    const cpu = within(node).getByRole('progressbar', { name: 'CPU of pve-1' });
    expect(cpu).toHaveAttribute('aria-valuenow', '25');
    expect(cpu).toHaveAttribute('aria-valuetext', '25 % of 8 cores');
    const memory = within(node).getByRole('progressbar', { name: 'Memory of pve-1' });
    expect(memory).toHaveAttribute('aria-valuenow', '25');
    expect(memory).toHaveAttribute('aria-valuetext', '4 GiB of 16 GiB');
    const storage = within(node).getByRole('progressbar', { name: 'Storage of pve-1' });
    expect(storage).toHaveAttribute('aria-valuenow', '90');
    expect(within(node).getByText('90 GiB of 100 GiB (local-lvm)')).toBeInTheDocument();

    // A node that reports nothing says so rather than drawing an empty bar as 0 %.
    const offline = screen.getByRole('article', { name: 'pve-2' });
    expect(within(offline).getByText('offline')).toBeInTheDocument();
    expect(within(offline).getByRole('progressbar', { name: 'Memory of pve-2' })).not.toHaveAttribute(
      'aria-valuenow',
    );
    expect(within(offline).getAllByText('not reported')).toHaveLength(3);
  });

  it('counts servers by status, each count a link to the filtered list', async () => {
    renderOverview();
    const counts = await screen.findByRole('region', { name: 'Servers by status' }, pageLoad);
    const runningLink = await within(counts).findByRole('link', { name: /Running/ });
    // The running page came back with a cursor: there are more than one page holds.
    expect(runningLink).toHaveTextContent('2+');
    expect(runningLink).toHaveAttribute('href', '/admin/servers?status=running');
    expect(within(counts).getByRole('link', { name: /Error/ })).toHaveTextContent('1');
    expect(within(counts).queryByRole('link', { name: /Stopped/ })).not.toBeInTheDocument();
  });

  it('lists what needs attention: servers in error, stray VMs and nearly full pools', async () => {
    renderOverview();
    const errors = await screen.findByRole('region', { name: 'Servers in error' }, pageLoad);
    expect(await within(errors).findByRole('link', { name: 'db-1' })).toBeInTheDocument();
    expect(within(errors).getByText('Cloning failed: storage full.')).toBeInTheDocument();
    expect(within(errors).getByRole('button', { name: 'Retry' })).toBeEnabled();
    expect(within(errors).getByRole('button', { name: 'Terminate' })).toBeEnabled();

    const strays = screen.getByRole('table', { name: 'VMs on the cluster that no Keel server owns' });
    await waitFor(() => expect(within(strays).getAllByRole('row')).toHaveLength(2));
    expect(within(strays).getByText('forgotten-test-vm')).toBeInTheDocument();
    expect(within(strays).queryByText('debian-12-template')).not.toBeInTheDocument();

    const pools = screen.getByRole('region', { name: 'IP pools nearly full' });
    const bar = await within(pools).findByRole('progressbar', { name: '10.9.0.0/28 in Simulated lab' });
    expect(bar).toHaveAttribute('aria-valuetext', '9 of 10 used, 1 free');
    expect(within(pools).queryByText(/10\.0\.0\.0\/24/)).not.toBeInTheDocument();
  });

  it('terminates a server in error after its name is typed, and shows a refusal as the API words it', async () => {
    const view = renderOverview({
      'admin.servers.terminate': () => {
        throw new ApiError(
          409,
          'INVALID_STATE',
          'Another operation (retry) is still in progress on this server.',
        );
      },
      'admin.servers.action': () => {
        throw new ApiError(409, 'INVALID_STATE', 'No failed operation to repeat.');
      },
    });
    const errors = await screen.findByRole('region', { name: 'Servers in error' }, pageLoad);
    await userEvent.click(await within(errors).findByRole('button', { name: 'Retry' }));
    expect(await within(notifications()).findByText('No failed operation to repeat.')).toBeInTheDocument();

    await userEvent.click(within(errors).getByRole('button', { name: 'Terminate' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Terminate db-1?' });
    const confirm = within(dialog).getByRole('button', { name: 'Terminate server' });
    expect(confirm).toBeDisabled();
    await userEvent.type(within(dialog).getByLabelText('Type db-1 to confirm'), 'db-1');
    await userEvent.click(confirm);
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'Another operation (retry) is still in progress on this server.',
    );
    expect(view.callsTo('admin.servers.terminate').map((c) => c.input)).toEqual([{ id: broken.id }]);
  });
});
