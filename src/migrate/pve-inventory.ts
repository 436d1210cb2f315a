/**
 * What PVE says of the VMs WHMCS services name: read once per run (cli.ts), used to take an Active server's power
 * state and node from its VM, and by --verify-pve to compare each migrated server with its VM.
 */
import type { PveClusterVm } from '../server/pve/types.ts';

export interface PveVmInfo {
  node: string;
  status: 'running' | 'stopped';
  /** As `/cluster/resources` reports them: vCPUs, bytes, bytes. */
  maxcpu?: number;
  maxmem?: number;
  maxdisk?: number;
}

/**
 * What differs between a migrated server and the PVE VM its VMID names (--verify-pve): a missing VM, another
 * node, other cores, memory or disk. Empty when they match.
 */
export function pveMismatches(
  server: { cpuCores: number; memoryMb: number; diskGb: number; node: string | null },
  vm: PveVmInfo | undefined,
): string[] {
  if (!vm) return ['VMID does not exist on PVE'];
  const out: string[] = [];
  if (server.node && vm.node !== server.node) out.push(`on node ${vm.node}, Keel says ${server.node}`);
  if (vm.maxcpu !== undefined && vm.maxcpu !== server.cpuCores)
    out.push(`PVE has ${vm.maxcpu} cores, Keel ${server.cpuCores}`);
  if (vm.maxmem !== undefined && vm.maxmem !== server.memoryMb * 1024 ** 2)
    out.push(`PVE has ${vm.maxmem / 1024 ** 2} MB memory, Keel ${server.memoryMb}`);
  if (vm.maxdisk !== undefined && vm.maxdisk !== server.diskGb * 1024 ** 3)
    out.push(`PVE has ${(vm.maxdisk / 1024 ** 3).toFixed(1)} GB disk, Keel ${server.diskGb}`);
  return out;
}

/** What PVE says of each VM (templates left out), by VMID, from `/cluster/resources`. */
export function pveInventory(vms: readonly PveClusterVm[]): Map<number, PveVmInfo> {
  const out = new Map<number, PveVmInfo>();
  for (const vm of vms) {
    if (vm.template) continue;
    out.set(vm.vmid, {
      node: vm.node,
      status: vm.status === 'running' ? 'running' : 'stopped',
      ...(vm.maxcpu !== undefined ? { maxcpu: Number(vm.maxcpu) } : {}),
      ...(vm.maxmem !== undefined ? { maxmem: Number(vm.maxmem) } : {}),
      ...(vm.maxdisk !== undefined ? { maxdisk: Number(vm.maxdisk) } : {}),
    });
  }
  return out;
}
