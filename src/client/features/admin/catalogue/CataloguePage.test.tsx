import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AdminImage,
  AdminLocation,
  AdminPlan,
  AdminPool,
  PveNodeInfo,
  PveTemplateInfo,
} from '../../../../shared/catalogue.ts';
import { admin, loginResult, planVpsS } from '../../../testing/fixtures.ts';
import { mockServer, renderApp } from '../../../testing/render-app.tsx';
import { ApiError, type Procedures } from '../../../testing/trpc-msw.ts';

beforeAll(() => mockServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mockServer.close());

const at = new Date('2026-01-01T10:00:00Z');
const plan: AdminPlan = {
  ...planVpsS,
  active: true,
  snapshotLimit: 3,
  createdAt: at,
  updatedAt: at,
};
const location: AdminLocation = {
  id: '22222222-2222-4222-8222-222222222222',
  slug: 'fra1',
  name: 'Frankfurt',
  country: 'DE',
  pveNodes: ['pve1'],
  clusterId: null,
  active: true,
  createdAt: at,
  updatedAt: at,
};
const image: AdminImage = {
  id: '11111111-1111-4111-8111-111111111111',
  slug: 'debian-12',
  name: 'Debian 12',
  osFamily: 'debian',
  pveTemplates: { '*': 9000 },
  active: true,
  createdAt: at,
  updatedAt: at,
};
const pool: AdminPool = {
  id: '44444444-4444-4444-8444-444444444444',
  locationId: location.id,
  cidr: '203.0.113.0/24',
  gateway: '203.0.113.1',
  rangeStart: '203.0.113.10',
  rangeEnd: '203.0.113.209',
  dns: ['1.1.1.1'],
  family: 'ipv4',
  size: 200,
  allocated: 190,
  free: 10,
  createdAt: at,
};
const node = (name: string): PveNodeInfo => ({
  name,
  status: 'online',
  cpu: 0.1,
  maxcpu: 16,
  mem: 1,
  maxmem: 64 * 1024 ** 3,
  disk: 1,
  maxdisk: 2,
  uptime: 100,
  storages: [],
});
const template = (overrides: Partial<PveTemplateInfo>): PveTemplateInfo => ({
  node: 'pve1',
  vmid: 9000,
  name: 'debian-12-cloud',
  storage: 'local-lvm',
  shared: false,
  cloudInit: true,
  diskBytes: 2 * 1024 ** 3,
  ...overrides,
});

const catalogue: Procedures = {
  'auth.refresh': () => loginResult('admin.token.x', admin),
  'adminCatalogue.plans.list': () => ({ plans: [plan], nextCursor: null }),
  'adminCatalogue.images.list': () => ({ images: [image], nextCursor: null }),
  'adminCatalogue.locations.list': () => ({ locations: [location], nextCursor: null }),
  'adminCatalogue.ipPools.list': () => ({ pools: [pool], nextCursor: null }),
  'adminPve.nodes': () => ({ nodes: [node('pve1'), node('pve2')] }),
  'adminPve.templates': () => ({
    templates: [
      template({ node: 'pve1', vmid: 9000, name: 'debian-12-cloud' }),
      template({ node: 'pve2', vmid: 9001, name: 'debian-12-cloud', cloudInit: false }),
      template({ node: 'pve1', vmid: 8000, name: 'ubuntu-24', storage: 'ceph', shared: true }),
    ],
  }),
};

function open(tab: string, extra: Procedures = {}) {
  return renderApp(`/admin/catalogue?tab=${tab}`, { ...catalogue, ...extra });
}

/** The console is a lazy chunk: on a busy machine its first render may take longer than findBy's second. */
const chunk = { timeout: 15_000 };

/** The error text a control announces as its description (Field wires it with aria-describedby). */
function expectFieldError(control: HTMLElement, message: string) {
  expect(control).toHaveAttribute('aria-invalid', 'true');
  expect(control).toHaveAccessibleDescription(message);
}

async function choose(combobox: HTMLElement, option: string) {
  await userEvent.click(combobox);
  await userEvent.click(await screen.findByRole('option', { name: option }));
}

describe('catalogue: plans', () => {
  it('lists the plans and shows the API’s refusal of a taken slug under the Slug field', async () => {
    const view = open('plans', {
      'adminCatalogue.plans.create': () => {
        throw new ApiError(409, 'CONFLICT', 'A plan with slug "vps-s" already exists.', {
          slug: '"vps-s" is taken',
        });
      },
    });
    const table = await screen.findByRole('table', { name: 'Plans' }, chunk);
    expect(within(table).getByText('VPS S')).toBeInTheDocument();
    expect(within(table).getByText('5.00')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'New plan' }));
    const dialog = await screen.findByRole('dialog', { name: 'New plan' });
    await userEvent.type(within(dialog).getByLabelText('Name'), 'VPS S again');
    await userEvent.type(within(dialog).getByLabelText('Slug'), 'vps-s');
    await userEvent.type(within(dialog).getByLabelText('Monthly price'), '7.5');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create plan' }));

    await waitFor(() => expectFieldError(within(dialog).getByLabelText('Slug'), 'Slug "vps-s" is taken.'));
    expect(within(dialog).getByLabelText('Name')).not.toHaveAttribute('aria-invalid');
    expect(within(dialog).queryByRole('alert')).not.toBeInTheDocument();
    expect(view.callsTo('adminCatalogue.plans.create').map((c) => c.input)).toEqual([
      {
        name: 'VPS S again',
        slug: 'vps-s',
        cpuCores: 1,
        memoryMb: 1024,
        diskGb: 25,
        priceMonthlyCents: 750,
        snapshotLimit: 3,
        active: true,
      },
    ]);
  });

  it('places each field the API names under its own field, numbers included', async () => {
    open('plans', {
      'adminCatalogue.plans.update': () => {
        throw new ApiError(400, 'VALIDATION_FAILED', 'Invalid request: cpuCores must be between 1 and 512', {
          cpuCores: 'must be between 1 and 512',
          priceMonthlyCents: 'must be at most 100000000',
        });
      },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Edit plan VPS S' }, chunk));
    const dialog = await screen.findByRole('dialog', { name: 'Edit plan VPS S' });
    expect(within(dialog).getByLabelText('Monthly price')).toHaveValue('5.00');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save plan' }));
    await waitFor(() =>
      expectFieldError(within(dialog).getByLabelText('vCPU cores'), 'vCPU cores must be between 1 and 512.'),
    );
    expectFieldError(
      within(dialog).getByLabelText('Monthly price'),
      'Monthly price must be at most 100000000.',
    );
    expect(within(dialog).getByLabelText('Memory')).toHaveAccessibleDescription('In MB, e.g. 4096 for 4 GB.');
  });

  it('checks with the shared schema first: an empty name never reaches the API', async () => {
    const view = open('plans');
    await userEvent.click(await screen.findByRole('button', { name: 'New plan' }, chunk));
    const dialog = await screen.findByRole('dialog', { name: 'New plan' });
    await userEvent.type(within(dialog).getByLabelText('Slug'), 'Not A Slug');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create plan' }));
    expectFieldError(within(dialog).getByLabelText('Name'), 'Name is required.');
    expectFieldError(
      within(dialog).getByLabelText('Slug'),
      'Slug must be 1–64 lowercase letters, digits, dots, dashes or underscores.',
    );
    expect(view.callsTo('adminCatalogue.plans.create')).toHaveLength(0);
  });

  it('retires a plan by closing it to orders, and deletes only after confirming', async () => {
    const view = open('plans', {
      'adminCatalogue.plans.update': (input) => ({ plan: { ...plan, ...(input as object), updatedAt: at } }),
      'adminCatalogue.plans.delete': () => {
        throw new ApiError(
          409,
          'CONFLICT',
          'Plan vps-s is used by 2 servers (2 live); set active to false to retire it instead.',
        );
      },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Retire plan VPS S' }, chunk));
    await waitFor(() =>
      expect(view.callsTo('adminCatalogue.plans.update').map((c) => c.input)).toEqual([
        { id: plan.id, active: false },
      ]),
    );

    await userEvent.click(screen.getByRole('button', { name: 'Delete plan VPS S' }));
    const confirm = await screen.findByRole('alertdialog', { name: 'Delete plan VPS S?' });
    expect(view.callsTo('adminCatalogue.plans.delete')).toHaveLength(0);
    await userEvent.click(within(confirm).getByRole('button', { name: 'Delete plan' }));
    expect(await within(confirm).findByRole('alert')).toHaveTextContent('used by 2 servers');
  });
});

describe('catalogue: images', () => {
  it('picks a template per node from discovery and shows the API’s verdict under Templates', async () => {
    const view = open('images', {
      'adminCatalogue.images.create': () => {
        throw new ApiError(400, 'VALIDATION_FAILED', 'Invalid request: pveTemplates …', {
          pveTemplates:
            'pve2: template 9001 has no cloud-init drive (add one: qm set 9001 --ide2 <storage>:cloudinit)',
        });
      },
    });
    expect(await screen.findByRole('table', { name: 'Images' }, chunk)).toHaveTextContent('Every node: 9000');
    await userEvent.click(screen.getByRole('button', { name: 'New image' }));
    const dialog = await screen.findByRole('dialog', { name: 'New image' });
    await userEvent.type(within(dialog).getByLabelText('Name'), 'Debian 12 local');
    await userEvent.type(within(dialog).getByLabelText('Slug'), 'debian-12-local');
    await userEvent.click(within(dialog).getByRole('radio', { name: 'A template on each node' }));

    const pve1 = await within(dialog).findByRole('combobox', { name: 'Template on pve1' });
    await choose(pve1, '9000 debian-12-cloud on local-lvm');
    const pve2 = within(dialog).getByRole('combobox', { name: 'Template on pve2' });
    await userEvent.click(pve2);
    // pve2 offers its own template and the shared one, not pve1's.
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual([
      'None on this node',
      '9001 debian-12-cloud on local-lvm (no cloud-init drive)',
      '8000 ubuntu-24 on ceph',
    ]);
    await userEvent.click(
      screen.getByRole('option', { name: '9001 debian-12-cloud on local-lvm (no cloud-init drive)' }),
    );
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create image' }));

    const templates = within(dialog).getByRole('group', { name: 'Templates' });
    await waitFor(() =>
      expect(templates).toHaveAccessibleDescription(
        'Templates pve2: template 9001 has no cloud-init drive (add one: qm set 9001 --ide2 <storage>:cloudinit).',
      ),
    );
    expect(within(dialog).getByRole('combobox', { name: 'Template on pve2' })).toHaveAttribute(
      'aria-invalid',
      'true',
    );
    expect(within(dialog).getByLabelText('Slug')).not.toHaveAttribute('aria-invalid');
    expect(view.callsTo('adminCatalogue.images.create')[0]?.input).toMatchObject({
      slug: 'debian-12-local',
      pveTemplates: { pve1: 9000, pve2: 9001 },
    });
  });

  it('keeps a template the cluster no longer has visible, so it can be removed', async () => {
    const view = open('images', {
      'adminCatalogue.images.list': () => ({
        images: [{ ...image, pveTemplates: { pve1: 9000, pve3: 9100 } }],
        nextCursor: null,
      }),
      'adminCatalogue.images.update': (input) => ({ image: { ...image, ...(input as object) } }),
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Edit image Debian 12' }, chunk));
    const dialog = await screen.findByRole('dialog', { name: 'Edit image Debian 12' });
    const pve3 = await within(dialog).findByRole('combobox', { name: 'Template on pve3' });
    expect(pve3).toHaveTextContent('9100 (not found on pve3)');
    await choose(pve3, 'None on this node');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save image' }));
    await waitFor(() =>
      expect(view.callsTo('adminCatalogue.images.update')[0]?.input).toMatchObject({
        pveTemplates: { pve1: 9000 },
      }),
    );
  });

  it('offers only shared templates for "every node"', async () => {
    open('images');
    await userEvent.click(await screen.findByRole('button', { name: 'Edit image Debian 12' }, chunk));
    const dialog = await screen.findByRole('dialog', { name: 'Edit image Debian 12' });
    const shared = await within(dialog).findByRole('combobox', { name: 'Template for every node' });
    await userEvent.click(shared);
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['8000 ubuntu-24 on ceph']);
  });
});

describe('catalogue: locations', () => {
  it('chooses nodes from discovery and shows each refused field under its own control', async () => {
    const view = open('locations', {
      'adminCatalogue.locations.create': () => {
        throw new ApiError(400, 'VALIDATION_FAILED', 'Invalid request: pveNodes …', {
          pveNodes: 'is not a node of the cluster: pve2 (nodes: pve1)',
        });
      },
    });
    await screen.findByRole('table', { name: 'Locations' }, chunk);
    await userEvent.click(screen.getByRole('button', { name: 'New location' }));
    const dialog = await screen.findByRole('dialog', { name: 'New location' });
    await userEvent.type(within(dialog).getByLabelText('Name'), 'Helsinki');
    await userEvent.type(within(dialog).getByLabelText('Slug'), 'hel1');
    await userEvent.type(within(dialog).getByLabelText('Country'), 'fi');
    const nodes = within(dialog).getByRole('group', { name: 'Nodes' });
    await userEvent.click(await within(nodes).findByRole('checkbox', { name: /pve2/ }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create location' }));

    await waitFor(() =>
      expect(nodes).toHaveAccessibleDescription('Nodes is not a node of the cluster: pve2 (nodes: pve1).'),
    );
    expect(within(nodes).getByRole('checkbox', { name: /pve2/ })).toHaveAttribute('aria-invalid', 'true');
    expect(within(dialog).getByLabelText('Country')).not.toHaveAttribute('aria-invalid');
    expect(view.callsTo('adminCatalogue.locations.create')[0]?.input).toEqual({
      name: 'Helsinki',
      slug: 'hel1',
      country: 'FI',
      pveNodes: ['pve2'],
      active: true,
    });
  });
});

describe('catalogue: IP pools', () => {
  it('shows each pool’s usage as a bar', async () => {
    open('ip-pools');
    const bar = await screen.findByRole('progressbar', { name: 'Addresses in use in 203.0.113.0/24' }, chunk);
    expect(bar).toHaveAttribute('aria-valuenow', '190');
    expect(bar).toHaveAttribute('aria-valuemax', '200');
    expect(bar).toHaveAttribute('aria-valuetext', '190 of 200 addresses in use, 10 free');
    expect(screen.getByRole('table', { name: 'IP pools' })).toHaveTextContent('Frankfurt');
  });

  it('shows an overlapping range under both range fields', async () => {
    const view = open('ip-pools', {
      'adminCatalogue.ipPools.create': () => {
        const problem = 'overlaps the pool 203.0.113.10–203.0.113.209';
        throw new ApiError(409, 'CONFLICT', `The range ${problem}.`, {
          rangeStart: problem,
          rangeEnd: problem,
        });
      },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'New IP pool' }, chunk));
    const dialog = await screen.findByRole('dialog', { name: 'New IP pool' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create IP pool' }));
    expectFieldError(within(dialog).getByRole('combobox', { name: 'Location' }), 'Choose a location.');
    expect(view.callsTo('adminCatalogue.ipPools.create')).toHaveLength(0);

    await choose(within(dialog).getByRole('combobox', { name: 'Location' }), 'Frankfurt');
    await userEvent.type(within(dialog).getByLabelText('Network'), '203.0.113.0/24');
    await userEvent.type(within(dialog).getByLabelText('Gateway'), '203.0.113.1');
    await userEvent.type(within(dialog).getByLabelText('First address'), '203.0.113.100');
    await userEvent.type(within(dialog).getByLabelText('Last address'), '203.0.113.150');
    await userEvent.type(within(dialog).getByLabelText('DNS servers'), '1.1.1.1, 9.9.9.9');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create IP pool' }));

    await waitFor(() =>
      expectFieldError(
        within(dialog).getByLabelText('First address'),
        'First address overlaps the pool 203.0.113.10–203.0.113.209.',
      ),
    );
    expectFieldError(
      within(dialog).getByLabelText('Last address'),
      'Last address overlaps the pool 203.0.113.10–203.0.113.209.',
    );
    expect(within(dialog).getByLabelText('Gateway')).not.toHaveAttribute('aria-invalid');
    expect(view.callsTo('adminCatalogue.ipPools.create')[0]?.input).toEqual({
      locationId: location.id,
      cidr: '203.0.113.0/24',
      gateway: '203.0.113.1',
      rangeStart: '203.0.113.100',
      rangeEnd: '203.0.113.150',
      dns: ['1.1.1.1', '9.9.9.9'],
    });
  });
});
