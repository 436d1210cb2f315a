/**
 * What Proxmox VE answers to the calls PveClient makes: one interface per response, named after the
 * API path and the pve-manager / qemu-server code that builds it.
 */
/** One entry of `GET /nodes` (pve-manager API2/Nodes.pm): figures only where PVE has RRD data. */
export interface PveNode {
  node: string;
  status: 'online' | 'offline' | 'unknown';
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  uptime?: number;
  level?: string;
  ssl_fingerprint?: string;
}

/**
 * `GET …/status/current` (qemu-server QemuServer.pm vmstatus, full). PVE sets only `vmid` and
 * `status` for sure; `pid` and the pressures only while running, `qmpstatus` here but not in lists,
 * `diskread`/`diskwrite` only from a running QEMU, `lock`, `template` and `tags` only when set.
 */
export interface PveVmStatus {
  vmid: number;
  status: 'running' | 'stopped';
  name?: string;
  qmpstatus?: string;
  lock?: string;
  template?: number;
  tags?: string;
  pid?: number;
  cpus?: number;
  maxmem?: number;
  mem?: number;
  maxdisk?: number;
  uptime?: number;
  diskread?: number;
  diskwrite?: number;
  agent?: number;
}

/**
 * A guest of `GET /cluster/resources?type=vm` (pve-manager API2Tools.pm extract_vm_stats). A guest
 * pvestatd has not sampled yet (just created) has only `id`, `vmid`, `node`, `type` and
 * `status: unknown`, plus `lock`/`tags` from its config; the figures come with the first sample.
 */
export interface PveClusterVm {
  id: string;
  vmid: number;
  node: string;
  type: 'qemu' | 'lxc';
  status: 'running' | 'stopped' | 'unknown';
  name?: string;
  template?: number;
  lock?: string;
  tags?: string;
  maxmem?: number;
  maxcpu?: number;
  maxdisk?: number;
  uptime?: number;
}

/** A node of `GET /cluster/resources?type=node`; the figures are absent while it is offline. */
export interface PveClusterNode {
  id: string;
  node: string;
  type: 'node';
  status: string;
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  disk?: number;
  maxdisk?: number;
  uptime?: number;
}

/**
 * One entry of `GET /nodes/{node}/storage`: PVE sends `storage`, `type` and `content` for sure,
 * the flags as 0/1, and the sizes only for an active storage.
 */
export interface PveNodeStorage {
  storage: string;
  type: string;
  content: string;
  active?: number;
  enabled?: number;
  shared?: number;
  total?: number;
  used?: number;
  avail?: number;
  used_fraction?: number;
}

/** One entry of `GET …/snapshot` (Qemu.pm snapshot_list); the last one is `current`. */
export interface PveSnapshot {
  name: string;
  description?: string;
  snaptime?: number | undefined;
  vmstate?: number;
  parent?: string;
  snapstate?: string;
  running?: number;
}

export interface PveTaskStatus {
  upid: string;
  node: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  type: string;
  id: string;
}

export interface PveTaskResult {
  upid: string;
  exitstatus: string;
  ok: boolean;
}

export interface AgentInterface {
  name: string;
  'hardware-address'?: string;
  'ip-addresses'?: { 'ip-address': string; 'ip-address-type': 'ipv4' | 'ipv6'; prefix: number }[];
}

/**
 * One row of `GET …/rrddata` (pve-cluster RRD.pm create_rrd_data over `pve-vm-9.0`): `time` always;
 * the figures only for rows PVE has recorded. `cpu` is a fraction of `maxcpu`; net and disk in bytes/s.
 */
export interface PveRrdRow {
  time: number;
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  netin?: number;
  netout?: number;
  diskread?: number;
  diskwrite?: number;
}

/** `POST …/vncproxy` (Qemu.pm vncproxy): `password` is the VNC password when PVE generated one. */
export interface PveVncProxy {
  user: string;
  ticket: string;
  port: number;
  upid: string;
  cert: string;
  password?: string;
}
