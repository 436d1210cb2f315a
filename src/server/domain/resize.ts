/** Whether a server may move to another plan, and what the move needs. Pure. */

export interface Specs {
  cpuCores: number;
  memoryMb: number;
  diskGb: number;
}

export interface NodeRoom {
  online: boolean;
  maxCpu: number;
  freeMemoryMb: number;
}

/**
 * Why the server cannot move from `current` to `target`, or null when it can: only to a plan at
 * least as big in every figure and bigger in one (a disk never shrinks), and only when its node has
 * the cores and the added memory, leaving `headroomMb` for the node itself.
 */
export function resizeProblem(
  current: Specs,
  target: Specs,
  node: NodeRoom | null,
  headroomMb = 1024,
): string | null {
  if (target.diskGb < current.diskGb)
    return `its disk would shrink from ${current.diskGb} GB to ${target.diskGb} GB, and disks only grow`;
  if (target.cpuCores < current.cpuCores || target.memoryMb < current.memoryMb)
    return 'that plan is smaller; a server can only move to a bigger plan';
  if (
    target.cpuCores === current.cpuCores &&
    target.memoryMb === current.memoryMb &&
    target.diskGb === current.diskGb
  )
    return 'that plan is the same size as the current one';
  if (!node) return 'its host did not report its capacity';
  if (!node.online) return 'its host is offline';
  if (target.cpuCores > node.maxCpu) return `its host has only ${node.maxCpu} CPU cores`;
  const added = target.memoryMb - current.memoryMb;
  if (added > 0 && node.freeMemoryMb - headroomMb < added)
    return `its host does not have ${added} MB of memory free`;
  return null;
}

/** What the worker changes: the config keys that differ, and whether the disk grows. */
export function resizeChanges(current: Specs, target: Specs): { config: boolean; disk: boolean } {
  return {
    config: target.cpuCores !== current.cpuCores || target.memoryMb !== current.memoryMb,
    disk: target.diskGb > current.diskGb,
  };
}

/** The size in GiB of a PVE drive string (`ceph-vm:vm-105-disk-0,size=25G`); null without one. */
export function driveSizeGb(drive: string): number | null {
  const m = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)(?:,|$)/.exec(drive);
  if (!m) return null;
  const factor = { '': 1 / 1024 ** 3, K: 1 / 1024 ** 2, M: 1 / 1024, G: 1, T: 1024 }[
    m[2] as '' | 'K' | 'M' | 'G' | 'T'
  ];
  return Number(m[1]) * factor;
}
