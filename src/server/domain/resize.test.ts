import { describe, expect, it } from 'vitest';
import { driveSizeGb, resizeChanges, resizeProblem, type NodeRoom, type Specs } from './resize.ts';

const s = { cpuCores: 1, memoryMb: 1024, diskGb: 25 };
const m = { cpuCores: 2, memoryMb: 4096, diskGb: 80 };
const roomy: NodeRoom = { online: true, maxCpu: 16, freeMemoryMb: 32_768 };

describe('resizeProblem', () => {
  it.each<[string, Specs, Specs, NodeRoom | null, string | null]>([
    ['a bigger plan on a roomy node', s, m, roomy, null],
    ['only the disk grows', s, { ...s, diskGb: 40 }, roomy, null],
    [
      'a smaller disk',
      m,
      { ...m, diskGb: 40 },
      roomy,
      'its disk would shrink from 80 GB to 40 GB, and disks only grow',
    ],
    [
      'fewer cores',
      m,
      { ...m, cpuCores: 1 },
      roomy,
      'that plan is smaller; a server can only move to a bigger plan',
    ],
    [
      'less memory',
      m,
      { ...m, memoryMb: 2048 },
      roomy,
      'that plan is smaller; a server can only move to a bigger plan',
    ],
    ['the same size', s, { ...s }, roomy, 'that plan is the same size as the current one'],
    ['no report of the node', s, m, null, 'its host did not report its capacity'],
    ['an offline node', s, m, { ...roomy, online: false }, 'its host is offline'],
    ['more cores than the host has', s, { ...m, cpuCores: 32 }, roomy, 'its host has only 16 CPU cores'],
    // 3072 MB more, and 1024 MB headroom: 4096 MB free is just enough, 4095 MB is not.
    ['exactly enough memory', s, m, { ...roomy, freeMemoryMb: 4096 }, null],
    ['one MB short', s, m, { ...roomy, freeMemoryMb: 4095 }, 'its host does not have 3072 MB of memory free'],
  ])('%s', (_label, current, target, node, expected) => {
    expect(resizeProblem(current, target, node)).toBe(expected);
  });
});

describe('resizeChanges', () => {
  it.each<[Specs, Specs, { config: boolean; disk: boolean }]>([
    [s, m, { config: true, disk: true }],
    [s, { ...s, diskGb: 30 }, { config: false, disk: true }],
    [s, { ...s, cpuCores: 2 }, { config: true, disk: false }],
  ])('%o → %o', (current, target, expected) => {
    expect(resizeChanges(current, target)).toEqual(expected);
  });
});

describe('driveSizeGb', () => {
  it.each<[string, number | null]>([
    ['ceph-vm:vm-105-disk-0,size=25G', 25],
    ['local-lvm:vm-105-disk-0,discard=on,size=3584M,ssd=1', 3.5],
    ['local:105/vm-105-disk-0.qcow2,size=1T', 1024],
    ['local-lvm:vm-105-cloudinit,media=cdrom', null],
  ])('%s → %s', (drive, expected) => {
    expect(driveSizeGb(drive)).toBe(expected);
  });
});
