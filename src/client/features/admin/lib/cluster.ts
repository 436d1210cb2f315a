/** Pure readings of the cluster and the servers for the console: use of a node, strays, full pools. */
import type { AdminPool, PveGuestInfo, PveNodeInfo } from '../../../../shared/catalogue.ts';
import { serverStatuses, type ServerStatus } from '../../../../shared/server-status.ts';

export interface Use {
  /** 0..1, or null when PVE did not say. */
  fraction: number | null;
  /** "3.1 of 16 GiB" and the like, for people. */
  text: string;
}

/** A use as a bar's figures: the share in whole per cent of 100, as the overview draws it. */
export function percentBar(use: Use): { value: number | null; max: number; valueText: string } {
  return {
    value: use.fraction === null ? null : Math.round(use.fraction * 100),
    max: 100,
    valueText: use.text,
  };
}

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 → "1.5 KiB"; whole numbers lose their ".0". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown =
    unit === 0 || value >= 100 ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, '');
  return `${shown} ${units[unit]}`;
}

function fractionOf(used: number | null, total: number | null): number | null {
  if (used === null || total === null || total <= 0) return null;
  return Math.min(1, Math.max(0, used / total));
}

const unknown: Use = { fraction: null, text: 'not reported' };

export function cpuUse(node: PveNodeInfo): Use {
  if (node.cpu === null) return unknown;
  const fraction = Math.min(1, Math.max(0, node.cpu));
  const cores = node.maxcpu === null ? '' : ` of ${node.maxcpu} ${node.maxcpu === 1 ? 'core' : 'cores'}`;
  return { fraction, text: `${Math.round(fraction * 100)} %${cores}` };
}

export function memoryUse(node: PveNodeInfo): Use {
  const fraction = fractionOf(node.mem, node.maxmem);
  if (fraction === null) return unknown;
  return { fraction, text: `${formatBytes(node.mem!)} of ${formatBytes(node.maxmem!)}` };
}

/**
 * The node's storages for guests taken together (active ones that report a size); without any, its
 * root file system.
 */
export function storageUse(node: PveNodeInfo): Use {
  const sized = node.storages.filter((s) => s.active && s.total !== null && s.avail !== null && s.total > 0);
  if (sized.length === 0) {
    const fraction = fractionOf(node.disk, node.maxdisk);
    if (fraction === null) return unknown;
    return { fraction, text: `${formatBytes(node.disk!)} of ${formatBytes(node.maxdisk!)} (root disk)` };
  }
  const total = sized.reduce((sum, s) => sum + s.total!, 0);
  const used = sized.reduce((sum, s) => sum + (s.total! - s.avail!), 0);
  const names = sized.length === 1 ? sized[0]!.storage : `${sized.length} storages`;
  return {
    fraction: fractionOf(used, total),
    text: `${formatBytes(used)} of ${formatBytes(total)} (${names})`,
  };
}

/** Guests on the cluster that no live Keel server owns; templates are Keel's sources, not strays. */
export function strayGuests(vms: readonly PveGuestInfo[]): PveGuestInfo[] {
  return vms
    .filter((vm) => !vm.template && vm.keelServerId === null)
    .sort((a, b) => a.node.localeCompare(b.node) || a.vmid - b.vmid);
}

/** A pool is nearly full when 90 % of its addresses are out, or fewer than 5 are left. */
export const nearlyFullShare = 0.9;
export const nearlyFullFree = 5;

export function nearlyFullPools(pools: readonly AdminPool[]): AdminPool[] {
  return pools
    .filter((p) => p.free < nearlyFullFree || (p.size > 0 && p.allocated / p.size >= nearlyFullShare))
    .sort((a, b) => a.free - b.free);
}

export interface StatusCount {
  status: ServerStatus;
  count: number;
  /** The count stopped at the page's size: there are at least this many. */
  atLeast: boolean;
}

/** Counts in the order the statuses are declared, leaving out the ones with none. */
export function statusCounts(
  pages: readonly { status: ServerStatus; count: number; more: boolean }[],
): StatusCount[] {
  return serverStatuses.flatMap((status) => {
    const page = pages.find((p) => p.status === status);
    return page && page.count > 0 ? [{ status, count: page.count, atLeast: page.more }] : [];
  });
}
