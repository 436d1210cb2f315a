import { describe, expect, it } from 'vitest';
import type { AdminPool, PveGuestInfo } from '../../../../shared/catalogue.ts';
import { GiB, pveNode } from '../../../testing/pve-fixtures.ts';
// In the order the tests below take them.
import {
  formatBytes,
  cpuUse,
  memoryUse,
  storageUse,
  percentBar,
  strayGuests,
  nearlyFullPools,
  statusCounts,
} from './cluster.ts';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1536, '1.5 KiB'],
    [GiB, '1 GiB'],
    [3.25 * GiB, '3.3 GiB'],
    [250 * GiB, '250 GiB'],
    [2 * 1024 * GiB, '2 TiB'],
  ])('%d → %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe('node use', () => {
  it('reads CPU as a share of the cores', () => {
    expect(cpuUse(pveNode())).toEqual({ fraction: 0.25, text: '25 % of 8 cores' });
    expect(cpuUse(pveNode({ cpu: null }))).toEqual({ fraction: null, text: 'not reported' });
  });

  it('reads memory as used of total', () => {
    expect(memoryUse(pveNode())).toEqual({ fraction: 0.25, text: '4 GiB of 16 GiB' });
    expect(memoryUse(pveNode({ maxmem: 0 })).fraction).toBeNull();
  });

  it('adds up active storages, and falls back to the root disk without any', () => {
    const storages = [
      {
        storage: 'local-lvm',
        type: 'lvmthin',
        shared: false,
        active: true,
        avail: 60 * GiB,
        total: 100 * GiB,
      },
      { storage: 'ceph', type: 'rbd', shared: true, active: true, avail: 50 * GiB, total: 100 * GiB },
      { storage: 'nfs', type: 'nfs', shared: true, active: false, avail: 0, total: 100 * GiB },
    ];
    expect(storageUse(pveNode({ storages }))).toEqual({
      fraction: 0.45,
      text: '90 GiB of 200 GiB (2 storages)',
    });
    expect(storageUse(pveNode())).toEqual({ fraction: 0.1, text: '10 GiB of 100 GiB (root disk)' });
  });
});

describe('percentBar', () => {
  it('draws a use as whole per cent of 100, and an unknown one as no value', () => {
    expect(percentBar({ fraction: 0.256, text: '26 % of 8 cores' })).toEqual({
      value: 26,
      max: 100,
      valueText: '26 % of 8 cores',
    });
    expect(percentBar({ fraction: null, text: 'not reported' })).toEqual({
      value: null,
      max: 100,
      valueText: 'not reported',
    });
  });
});

describe('strayGuests', () => {
  const guest = (overrides: Partial<PveGuestInfo>): PveGuestInfo => ({
    node: 'pve-1',
    vmid: 100,
    name: null,
    status: 'running',
    type: 'qemu',
    template: false,
    maxcpu: 1,
    maxmem: GiB,
    maxdisk: GiB,
    uptime: 1,
    keelServerId: null,
    ...overrides,
  });
  it('keeps guests without an owner, not templates, sorted by node and VMID', () => {
    const vms = [
      guest({ node: 'pve-2', vmid: 101 }),
      guest({ vmid: 120, keelServerId: '7d3f1c2a-1b2c-4d5e-8f90-0a1b2c3d4e5f' }),
      guest({ vmid: 9000, template: true }),
      guest({ node: 'pve-1', vmid: 130 }),
    ];
    expect(strayGuests(vms).map((vm) => `${vm.node}/${vm.vmid}`)).toEqual(['pve-1/130', 'pve-2/101']);
  });
});

describe('nearlyFullPools', () => {
  const pool = (size: number, allocated: number): AdminPool => ({
    id: `00000000-0000-4000-8000-${String(size).padStart(6, '0')}${String(allocated).padStart(6, '0')}`,
    locationId: '22222222-2222-4222-8222-222222222222',
    cidr: '10.0.0.0/24',
    gateway: '10.0.0.1',
    rangeStart: '10.0.0.10',
    rangeEnd: '10.0.0.200',
    dns: [],
    family: 'ipv4',
    size,
    allocated,
    free: size - allocated,
    createdAt: new Date(0),
  });
  it('names pools at 90 % or with fewer than 5 addresses left, the fullest first', () => {
    const found = nearlyFullPools([pool(100, 50), pool(100, 95), pool(100, 89), pool(6, 2), pool(200, 180)]);
    expect(found.map((p) => `${p.allocated}/${p.size}`)).toEqual(['2/6', '95/100', '180/200']);
  });
});

describe('statusCounts', () => {
  it('lists statuses in their declared order, without empty ones, marking capped counts', () => {
    expect(
      statusCounts([
        { status: 'error', count: 2, more: false },
        { status: 'running', count: 500, more: true },
        { status: 'stopped', count: 0, more: false },
      ]),
    ).toEqual([
      { status: 'running', count: 500, atLeast: true },
      { status: 'error', count: 2, atLeast: false },
    ]);
  });
});
