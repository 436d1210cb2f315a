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
import {
  DISK_KEY_RE,
  agentEnabled,
  isCdrom,
  memoryMiB,
  parseDrive,
  splitPropertyString,
} from '../formats.ts';

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

const PRESSURES = ['cpusome', 'cpufull', 'iosome', 'iofull', 'memorysome', 'memoryfull'] as const;

/** QEMU's query-blockstats for one drive, as vmstatus passes it through (`blockstat`). */
function blockstat(readBytes: number, writeBytes: number, uptimeS: number): Record<string, unknown> {
  return {
    rd_bytes: readBytes,
    wr_bytes: writeBytes,
    rd_operations: Math.floor(readBytes / 40_960),
    wr_operations: Math.floor(writeBytes / 9_600),
    flush_operations: Math.floor(writeBytes / 98_000),
    unmap_operations: 0,
    unmap_bytes: 0,
    rd_merged: 0,
    wr_merged: 0,
    unmap_merged: 0,
    rd_total_time_ns: Math.floor(readBytes * 11),
    wr_total_time_ns: Math.floor(writeBytes * 43),
    flush_total_time_ns: Math.floor(writeBytes * 5),
    unmap_total_time_ns: 0,
    failed_rd_operations: 0,
    failed_wr_operations: 0,
    failed_flush_operations: 0,
    failed_unmap_operations: 0,
    invalid_rd_operations: 0,
    invalid_wr_operations: 0,
    invalid_flush_operations: 0,
    invalid_unmap_operations: 0,
    wr_highest_offset: writeBytes > 0 ? 2_808_696_832 : 0,
    idle_time_ns: uptimeS * 1_000_000_000,
    account_failed: true,
    account_invalid: true,
    timed_stats: [],
  };
}

export interface StatusOptions {
  /** vmstatus's `$full`: also ask QEMU (qmpstatus, blockstats, balloon, versions). */
  full: boolean;
  /** The node's CPU count, the cap of `cpus`. */
  hostCpus: number;
}

/**
 * qemu-server QemuServer.pm vmstatus: the fields every VM has, those only a running VM has (pid,
 * pressures), and with `full` those QEMU answers for a running VM (qmpstatus, blockstat, diskread,
 * diskwrite, balloon figures, proxmox-support, running-machine, running-qemu).
 */
export function vmStatus(vm: VmState, opts: StatusOptions): Record<string, unknown> {
  const now = Date.now();
  const config = vm.config;
  const running = vm.status === 'running';
  const up = uptime(vm, now);
  const maxmem = memoryMiB(config.memory) * MiB;
  // sockets × cores, capped at the host's CPUs; `vcpus` wins when set.
  let cpus = Math.min(Number(config.sockets ?? 1) * Number(config.cores ?? 1), opts.hostCpus);
  if (config.vcpus) cpus = Number(config.vcpus);
  const status: Record<string, unknown> = {
    vmid: vm.vmid,
    status: vm.status,
    disk: 0,
    maxdisk: bootDiskSize(config),
    cpus,
    name: config.name ?? `VM ${vm.vmid}`,
    maxmem,
    uptime: 0,
    cpu: 0,
    mem: 0,
    memhost: 0,
    netout: 0,
    netin: 0,
  };
  if (config.balloon) {
    status.balloon_min = Number(config.balloon) * MiB;
    status.shares = config.shares === undefined ? 1000 : Number(config.shares);
  }
  if (config.template) status.template = 1;
  if (Object.keys(config).some((k) => /^serial\d+$/.test(k))) status.serial = 1;
  if (config.lock !== undefined) status.lock = config.lock;
  if (config.tags !== undefined) status.tags = config.tags;
  const booted = vm.agentReadyAt !== undefined && now >= vm.agentReadyAt;
  const hasNic = Object.keys(config).some((k) => /^net\d+$/.test(k));
  if (running) {
    if (vm.pid) status.pid = vm.pid;
    status.uptime = up;
    status.memhost = vmMemUsed(vm, now) + 40 * MiB;
    status.mem = status.memhost;
    for (const p of PRESSURES)
      status[`pressure${p}`] = p === 'cpusome' ? Number((0.01 * wobble(vm.vmid, now / 1000)).toFixed(2)) : 0;
    status.cpu = Number((0.01 + 0.05 * wobble(vm.vmid, now / 1000, 60)).toFixed(6));
    if (hasNic) {
      status.netin = up * 2100;
      status.netout = up * 900;
    }
  }
  if (!opts.full) return status;
  if (!running) {
    status.qmpstatus = vm.status;
    return status;
  }
  if (hasNic) status.nics = { [`tap${vm.vmid}i0`]: { netin: status.netin, netout: status.netout } };
  status.qmpstatus = vm.qmpstatus;
  status['proxmox-support'] = {
    'backup-fleecing': true,
    'backup-max-workers': true,
    'pbs-dirty-bitmap': true,
    'pbs-dirty-bitmap-migration': true,
    'pbs-dirty-bitmap-savevm': true,
    'pbs-library-version': '2.0.1 (UNKNOWN)',
    'pbs-masterkey': true,
    'query-bitmap-info': true,
  };
  const drives: Record<string, unknown> = {};
  let diskread = 0;
  let diskwrite = 0;
  for (const [key, value] of Object.entries(config)) {
    if (!DISK_KEY_RE.test(key)) continue;
    const drive = parseDrive(String(value));
    const boot = !isCdrom(drive);
    const read = boot ? 180 * MiB + up * 4096 : 344_348;
    const write = boot ? 20 * MiB + up * 8192 : 0;
    drives[key] = blockstat(read, write, up);
    diskread += read;
    diskwrite += write;
  }
  status.blockstat = drives;
  status.diskread = diskread;
  status.diskwrite = diskwrite;
  status['running-machine'] = 'pc-i440fx-9.2+pve1';
  status['running-qemu'] = '9.2.0';
  // query-balloon answers when the VM has a balloon device (balloon: 0 removes it); the guest's
  // free-memory figures only once its driver reports them.
  if (config.balloon === undefined || Number(config.balloon) !== 0) {
    const info: Record<string, unknown> = { actual: maxmem, max_mem: maxmem };
    status.balloon = maxmem;
    if (booted) {
      const total = maxmem - 100 * MiB;
      const free = total - vmMemUsed(vm, now);
      Object.assign(info, {
        total_mem: total,
        free_mem: free,
        last_update: Math.floor(now / 1000) - 2,
        major_page_faults: 1811,
        minor_page_faults: 3_803_793,
        mem_swapped_in: 0,
        mem_swapped_out: 0,
      });
      status.mem = total - free;
      status.freemem = free;
    }
    status.ballooninfo = info;
  }
  return status;
}

/** GET …/status/current (Qemu.pm vm_status): the full vmstatus plus HA, display and agent flags. */
export function vmStatusCurrent(vm: VmState, hostCpus: number): Record<string, unknown> {
  const status = vmStatus(vm, { full: true, hostCpus });
  status.ha = { managed: 0 };
  if (vm.config.vga !== undefined) {
    const vga = splitPropertyString(String(vm.config.vga));
    const type = vga.find(([k]) => k === '' || k === 'type')?.[1] ?? '';
    if (/^virtio/.test(type) || /^qxl/.test(type)) status.spice = 1;
    // Set from the parsed vga option even when absent: JSON null.
    status.clipboard = vga.find(([k]) => k === 'clipboard')?.[1] ?? null;
  }
  if (agentEnabled(vm.config.agent)) status.agent = 1;
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
