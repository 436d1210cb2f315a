// Derived figures: the effective config, CPU and memory use, guest, node and storage summaries.
import {
  GiB,
  MiB,
  storageUsed,
  type ClusterState,
  type Config,
  type NodeState,
  type StorageState,
  type VmState,
} from '../cluster.ts';
import { DISK_KEY_RE, agentEnabled, isCdrom, memoryMiB, parseDrive } from '../formats.ts';

/** The config with pending changes applied, as GET config shows it by default. */
export function effectiveConfig(vm: VmState): Config {
  const merged: Config = { ...vm.config, ...vm.pending };
  for (const key of vm.pendingDelete) Reflect.deleteProperty(merged, key);
  return merged;
}

export function vcpus(config: Config): number {
  const cores = Number(config.cores ?? 1);
  const sockets = Number(config.sockets ?? 1);
  return config.vcpus ? Number(config.vcpus) : cores * sockets;
}

export function bootDiskSize(config: Config): number {
  for (const [key, value] of Object.entries(config)) {
    if (!DISK_KEY_RE.test(key)) continue;
    const drive = parseDrive(String(value));
    if (!isCdrom(drive) && drive.size) return drive.size;
  }
  return 0;
}

export function uptime(vm: VmState, now = Date.now()): number {
  return vm.status === 'running' && vm.startedAt ? Math.floor((now - vm.startedAt) / 1000) : 0;
}

/** A stable pseudo-random fraction per VM that drifts slowly over time. */
export function wobble(vmid: number, t: number, period = 600): number {
  return 0.5 + 0.5 * Math.sin(vmid * 7.13 + t / period);
}

export function vmMemUsed(vm: VmState, now = Date.now()): number {
  if (vm.status !== 'running') return 0;
  const maxmem = memoryMiB(vm.config.memory) * MiB;
  const booted = vm.agentReadyAt !== undefined && now >= vm.agentReadyAt;
  return Math.floor(maxmem * (booted ? 0.3 + 0.2 * wobble(vm.vmid, now / 1000) : 0.12));
}

export function vmStatus(vm: VmState, full: boolean): Record<string, unknown> {
  const now = Date.now();
  const config = vm.config;
  const running = vm.status === 'running';
  const up = uptime(vm, now);
  const maxmem = memoryMiB(config.memory) * MiB;
  const status: Record<string, unknown> = {
    vmid: vm.vmid,
    name: config.name ?? `VM ${vm.vmid}`,
    status: vm.status,
    cpus: vcpus(config),
    maxmem,
    mem: vmMemUsed(vm, now),
    memhost: running ? vmMemUsed(vm, now) + 40 * MiB : 0,
    maxdisk: bootDiskSize(config),
    cpu: running ? Number((0.01 + 0.05 * wobble(vm.vmid, now / 1000, 60)).toFixed(6)) : 0,
    uptime: up,
    netin: running ? up * 2100 : 0,
    netout: running ? up * 900 : 0,
    diskread: running ? 180 * MiB + up * 4096 : 0,
    diskwrite: running ? 20 * MiB + up * 8192 : 0,
  };
  if (running && vm.pid) status.pid = vm.pid;
  if (config.template) status.template = 1;
  if (config.lock !== undefined) status.lock = config.lock;
  if (config.tags !== undefined) status.tags = config.tags;
  if (Object.keys(config).some((k) => /^serial\d+$/.test(k))) status.serial = 1;
  if (full) {
    status.qmpstatus = running ? vm.qmpstatus : 'stopped';
    status.ha = { managed: 0 };
    if (agentEnabled(config.agent)) status.agent = 1;
    if (running) {
      status['running-machine'] = 'pc-i440fx-9.2+pve1';
      status['running-qemu'] = '9.2.0';
      status.balloon = maxmem;
      status.freemem = maxmem - vmMemUsed(vm, now);
      status.ballooninfo = {
        actual: maxmem,
        max_mem: maxmem,
        total_mem: maxmem - 100 * MiB,
        free_mem: maxmem - vmMemUsed(vm, now),
      };
      status.nics = { [`tap${vm.vmid}i0`]: { netin: status.netin, netout: status.netout } };
    }
  }
  return status;
}

export function nodeMemUsed(state: ClusterState, node: string, now = Date.now()): number {
  let used = 3 * GiB;
  for (const vm of Object.values(state.vms)) if (vm.node === node) used += vmMemUsed(vm, now);
  return used;
}

/** Memory the VMs running on a node have been given: what a new start must fit beside. */
export function nodeMemCommitted(state: ClusterState, node: string, exclude?: number): number {
  let used = 3 * GiB;
  for (const vm of Object.values(state.vms)) {
    if (vm.node === node && vm.status === 'running' && vm.vmid !== exclude)
      used += memoryMiB(vm.config.memory) * MiB;
  }
  return used;
}

export function nodeCpu(state: ClusterState, node: string): number {
  const running = Object.values(state.vms).filter((v) => v.node === node && v.status === 'running').length;
  return Number(Math.min(1, 0.015 + running * 0.01).toFixed(6));
}

export function nodeSummary(state: ClusterState, node: NodeState): Record<string, unknown> {
  const now = Date.now();
  return {
    id: `node/${node.name}`,
    type: 'node',
    node: node.name,
    status: 'online',
    cpu: nodeCpu(state, node.name),
    maxcpu: node.maxcpu,
    mem: nodeMemUsed(state, node.name, now),
    maxmem: node.maxmem,
    disk: Math.floor(node.rootfsTotal * 0.08),
    maxdisk: node.rootfsTotal,
    uptime: Math.floor((now - node.bootedAt) / 1000),
    level: '',
  };
}

export function storageEntry(
  state: ClusterState,
  storage: StorageState,
  node: string,
): Record<string, unknown> {
  const used = storageUsed(state, storage, node);
  return {
    storage: storage.storage,
    type: storage.type,
    content: storage.content,
    active: 1,
    enabled: 1,
    shared: storage.shared ? 1 : 0,
    total: storage.total,
    used,
    avail: Math.max(0, storage.total - used),
    used_fraction: Number((used / storage.total).toFixed(6)),
  };
}
