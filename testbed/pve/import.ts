// Existing VMs for the simulator from the WHMCS seeder's pve-state.json, so a migration can be checked
// against the cluster its WHMCS install ran (statuses taken from PVE, --verify-pve). The file's shape is
// the seeder's `PveStateVm`, its one definition.
import { randomUUID } from 'node:crypto';
import type { PveStateVm } from '../whmcs/manifest.ts';
import { randomMac, type ClusterState, type Config, type VmState } from './cluster.ts';

/**
 * Adds the VMs to the cluster as if they had been running there for a day: config `cores`, `memory`, a
 * `local-lvm` boot disk of `diskGb`, and a static `ipconfig0` when an address is known. A running VM's agent
 * and network are ready at once. Throws on an unknown node or a VMID already taken.
 */
export function importVms(state: ClusterState, vms: readonly PveStateVm[], now = Date.now()): void {
  const nodes = new Set(state.nodes.map((n) => n.name));
  const createdAt = now - 86_400_000;
  for (const vm of vms) {
    if (!nodes.has(vm.node))
      throw new Error(
        `VM ${vm.vmid} is on node ${vm.node}, which this cluster lacks (nodes: ${[...nodes].join(', ')})`,
      );
    if (state.vms[String(vm.vmid)]) throw new Error(`VMID ${vm.vmid} already exists`);
    const config: Config = {
      name: vm.name,
      agent: '1',
      ostype: 'l26',
      cores: vm.cores,
      sockets: 1,
      memory: String(vm.memoryMb),
      scsihw: 'virtio-scsi-single',
      scsi0: `local-lvm:vm-${vm.vmid}-disk-0,discard=on,iothread=1,size=${vm.diskGb}G`,
      boot: 'order=scsi0',
      net0: `virtio=${randomMac()},bridge=vmbr0`,
      ipconfig0: vm.ipAddress ? `ip=${vm.ipAddress}/24` : 'ip=dhcp',
      smbios1: `uuid=${randomUUID()}`,
      vmgenid: randomUUID(),
      meta: `creation-qemu=9.2.0,ctime=${Math.floor(createdAt / 1000)}`,
    };
    const running = vm.status === 'running';
    const imported: VmState = {
      vmid: vm.vmid,
      node: vm.node,
      config,
      pending: {},
      pendingDelete: [],
      status: vm.status,
      qmpstatus: 'running',
      cloudinitApplied: { ipconfig0: config.ipconfig0! },
      createdAt,
      ...(running
        ? { startedAt: createdAt, pid: 200_000 + vm.vmid, agentReadyAt: createdAt, networkReadyAt: createdAt }
        : {}),
    };
    state.vms[String(vm.vmid)] = imported;
  }
}
