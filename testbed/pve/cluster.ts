// The simulated cluster's state: nodes, storages, VMs and tasks, its seed and its JSON persistence.
import { randomUUID, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseDrive, DISK_KEY_RE, isCdrom, sha1Hex } from './formats.ts';

export type ConfigValue = string | number;
export type Config = Record<string, ConfigValue>;

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

export interface NodeState {
  name: string;
  maxcpu: number;
  maxmem: number; // bytes
  rootfsTotal: number; // bytes
  bootedAt: number; // epoch ms, for uptime and pstart
  nextPid: number;
}

export interface StorageState {
  storage: string;
  type: 'lvmthin' | 'rbd' | 'dir';
  content: string;
  shared: boolean;
  total: number; // bytes
  /** Nodes that see this storage; a local storage exists once per node under the same name. */
  nodes: string[];
}

export interface VmState {
  vmid: number;
  node: string;
  config: Config;
  pending: Config;
  pendingDelete: string[];
  status: 'running' | 'stopped';
  qmpstatus: 'running' | 'paused';
  startedAt?: number; // epoch ms
  pid?: number;
  /** Epoch ms after which the guest agent answers, and after which cloud-init has set the network. */
  agentReadyAt?: number;
  networkReadyAt?: number;
  /** Cloud-init values baked into the drive at the last start. */
  cloudinitApplied: Config;
  /** Volumes a clone in progress has allocated but not yet written to the config (they take space). */
  allocated?: Config;
  createdAt: number; // epoch ms
}

export interface TaskState {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number; // epoch s
  type: string;
  id: string;
  user: string; // as in the UPID: user@realm or user@realm!token
  status: 'running' | 'stopped';
  exitstatus?: string;
  endtime?: number;
  log: string[];
}

export interface Secrets {
  tokenId: string;
  tokenSecret: string;
  adminSecret: string;
  rootPassword: string;
  ticketKey: string;
}

export interface ClusterState {
  version: 1;
  clusterName: string;
  secrets: Secrets;
  nodes: NodeState[];
  storages: StorageState[];
  vms: Record<string, VmState>;
  tasks: TaskState[];
}

export const CLOUDINIT_KEYS = [
  'ciuser',
  'cipassword',
  'sshkeys',
  'nameserver',
  'searchdomain',
  'citype',
  'ciupgrade',
  'cicustom',
] as const;

export function isCloudinitKey(key: string): boolean {
  return (CLOUDINIT_KEYS as readonly string[]).includes(key) || /^ipconfig\d+$/.test(key);
}

export function randomMac(): string {
  const bytes = randomBytes(3);
  return ['BC', '24', '11', ...[...bytes].map((b) => b.toString(16).toUpperCase().padStart(2, '0'))].join(
    ':',
  );
}

function templateConfig(
  name: string,
  storage: string,
  vmid: number,
  diskSize: string,
  createdAt: number,
): Config {
  return {
    name,
    template: 1,
    agent: '1',
    ostype: 'l26',
    cores: 1,
    sockets: 1,
    memory: '1024',
    cpu: 'x86-64-v2-AES',
    scsihw: 'virtio-scsi-single',
    scsi0: `${storage}:base-${vmid}-disk-0,discard=on,iothread=1,size=${diskSize}`,
    ide2: `${storage}:vm-${vmid}-cloudinit,media=cdrom`,
    boot: 'order=scsi0',
    net0: `virtio=${randomMac()},bridge=vmbr0`,
    serial0: 'socket',
    vga: 'serial0',
    ipconfig0: 'ip=dhcp',
    smbios1: `uuid=${randomUUID()}`,
    vmgenid: randomUUID(),
    meta: `creation-qemu=9.2.0,ctime=${Math.floor(createdAt / 1000)}`,
  };
}

function templateVm(vmid: number, node: string, config: Config, createdAt: number): VmState {
  return {
    vmid,
    node,
    config,
    pending: {},
    pendingDelete: [],
    status: 'stopped',
    qmpstatus: 'running',
    cloudinitApplied: {},
    createdAt,
  };
}

export const SHARED_STORAGE = 'ceph-vm';
export const MAX_NODES = 9;

/**
 * A small cluster: nodes pve1..pveN, each with `local` (dir) and `local-lvm` (thin LVM), one
 * shared RBD storage, `ubuntu-24.04-cloudinit` once on shared storage (9000) and
 * `debian-12-cloudinit` per node on local storage (9001 on pve1, 9101 on pve2, ...).
 */
export function seedCluster(nodeCount: number, now = Date.now()): ClusterState {
  const count = Math.max(1, Math.min(MAX_NODES, Math.floor(nodeCount)));
  const names = Array.from({ length: count }, (_, i) => `pve${i + 1}`);
  const bootedAt = now - 3 * 86400_000;
  const nodes: NodeState[] = names.map((name) => ({
    name,
    maxcpu: 16,
    maxmem: 64 * GiB,
    rootfsTotal: 100 * GiB,
    bootedAt,
    nextPid: 100_000,
  }));
  const storages: StorageState[] = [
    {
      storage: 'local',
      type: 'dir',
      content: 'backup,iso,vztmpl',
      shared: false,
      total: 100 * GiB,
      nodes: names,
    },
    {
      storage: 'local-lvm',
      type: 'lvmthin',
      content: 'images,rootdir',
      shared: false,
      total: 512 * GiB,
      nodes: names,
    },
    {
      storage: SHARED_STORAGE,
      type: 'rbd',
      content: 'images,rootdir',
      shared: true,
      total: 2048 * GiB,
      nodes: names,
    },
  ];
  const vms: Record<string, VmState> = {};
  vms['9000'] = templateVm(
    9000,
    'pve1',
    templateConfig('ubuntu-24.04-cloudinit', SHARED_STORAGE, 9000, '3584M', now),
    now,
  );
  names.forEach((node, i) => {
    const vmid = 9001 + i * 100;
    vms[String(vmid)] = templateVm(
      vmid,
      node,
      templateConfig('debian-12-cloudinit', 'local-lvm', vmid, '3G', now),
      now,
    );
  });
  return {
    version: 1,
    clusterName: 'keel-sim',
    secrets: {
      tokenId: 'root@pam!keel',
      tokenSecret: randomUUID(),
      adminSecret: randomBytes(24).toString('hex'),
      rootPassword: randomBytes(12).toString('hex'),
      ticketKey: randomBytes(32).toString('hex'),
    },
    nodes,
    storages,
    vms,
    tasks: [],
  };
}

export function storageVisibleOn(storage: StorageState, node: string): boolean {
  return storage.nodes.includes(node);
}

/** Bytes allocated on `storage` as seen from `node` (a shared storage counts every node's VMs). */
export function storageUsed(state: ClusterState, storage: StorageState, node: string): number {
  let used = 0;
  for (const vm of Object.values(state.vms)) {
    if (!storage.shared && vm.node !== node) continue;
    for (const [key, value] of Object.entries({ ...vm.config, ...vm.pending, ...vm.allocated })) {
      if (!DISK_KEY_RE.test(key) && !/^unused\d+$/.test(key)) continue;
      const drive = parseDrive(String(value));
      if (drive.storage !== storage.storage || isCdrom(drive)) continue;
      used += drive.size ?? 4 * MiB;
    }
  }
  return used;
}

/** Loads a persisted state; tasks that were running when the simulator died end as PVE shows them. */
export function loadState(path: string): ClusterState | undefined {
  if (!existsSync(path)) return undefined;
  const state = JSON.parse(readFileSync(path, 'utf8')) as ClusterState;
  if (state.version !== 1) throw new Error(`unsupported simulator state version in ${path}`);
  for (const task of state.tasks) {
    if (task.status === 'running') {
      // The worker died with the simulator: its log has no final TASK line.
      task.status = 'stopped';
      task.exitstatus = 'unexpected status';
      task.endtime = Math.floor(Date.now() / 1000);
    }
  }
  return state;
}

export function saveState(path: string, state: ClusterState): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, path);
}

export function ticketSignature(key: string, text: string): string {
  return Buffer.from(sha1Hex(`${key}:${text}`), 'hex').toString('base64');
}
