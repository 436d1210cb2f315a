/** Proxmox VE figures for the console's tests: one online node, with what a test needs changed. */
import type { PveNodeInfo } from '../../shared/catalogue.ts';

export const GiB = 1024 ** 3;

export function pveNode(overrides: Partial<PveNodeInfo> = {}): PveNodeInfo {
  return {
    name: 'pve-1',
    status: 'online',
    cpu: 0.25,
    maxcpu: 8,
    mem: 4 * GiB,
    maxmem: 16 * GiB,
    disk: 10 * GiB,
    maxdisk: 100 * GiB,
    uptime: 1000,
    storages: [],
    ...overrides,
  };
}
