import { describe, expect, it } from 'vitest';
import { pveInventory, pveMismatches } from './pve-inventory.ts';

describe('pveMismatches (--verify-pve)', () => {
  const server = { cpuCores: 2, memoryMb: 4096, diskGb: 50, node: 'pve1' };
  const vm = {
    node: 'pve1',
    status: 'running' as const,
    maxcpu: 2,
    maxmem: 4096 * 1024 ** 2,
    maxdisk: 50 * 1024 ** 3,
  };
  it.each([
    ['a matching VM', vm, []],
    ['a missing VM', undefined, ['VMID does not exist on PVE']],
    ['other cores', { ...vm, maxcpu: 4 }, ['PVE has 4 cores, Keel 2']],
    ['other memory', { ...vm, maxmem: 2048 * 1024 ** 2 }, ['PVE has 2048 MB memory, Keel 4096']],
    ['other disk', { ...vm, maxdisk: 80 * 1024 ** 3 }, ['PVE has 80.0 GB disk, Keel 50']],
    ['another node', { ...vm, node: 'pve2' }, ['on node pve2, Keel says pve1']],
    ['specs PVE did not report are not compared', { node: 'pve1', status: 'stopped' as const }, []],
    [
      'two differences',
      { ...vm, maxcpu: 1, node: 'pve2' },
      ['on node pve2, Keel says pve1', 'PVE has 1 cores, Keel 2'],
    ],
  ] as const)('%s', (_n, pve, problems) => expect(pveMismatches(server, pve)).toEqual(problems));
});

describe('pveInventory', () => {
  it('keeps each VM by VMID with its node, power state and specs, and leaves templates out', () => {
    const inventory = pveInventory([
      {
        id: 'qemu/101',
        vmid: 101,
        node: 'pve1',
        type: 'qemu',
        status: 'running',
        maxcpu: 2,
        maxmem: 1024,
        maxdisk: 2048,
      },
      { id: 'qemu/102', vmid: 102, node: 'pve2', type: 'qemu', status: 'unknown' },
      { id: 'qemu/9000', vmid: 9000, node: 'pve1', type: 'qemu', status: 'stopped', template: 1 },
    ]);
    expect([...inventory]).toEqual([
      [101, { node: 'pve1', status: 'running', maxcpu: 2, maxmem: 1024, maxdisk: 2048 }],
      [102, { node: 'pve2', status: 'stopped' }],
    ]);
  });
});
