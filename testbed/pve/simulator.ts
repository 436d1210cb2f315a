// The PVE API handlers over the simulated cluster, independent of HTTP.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { BandwidthScheduler, SimClock } from './clock.ts';
import {
  CLOUDINIT_KEYS,
  GiB,
  MiB,
  isCloudinitKey,
  randomMac,
  storageUsed,
  storageVisibleOn,
  type ClusterState,
  type Config,
  type ConfigValue,
  type NodeState,
  type StorageState,
  type TaskState,
  type VmState,
} from './cluster.ts';
import { noFaults, pickLatency, routeFaultFor, vmSelected, type FaultConfig } from './faults.ts';
import {
  DISK_KEY_RE,
  agentEnabled,
  configDigest,
  decodeUpid,
  formatDrive,
  humanBytes,
  isCdrom,
  memoryMiB,
  parseDrive,
  parseIpConfig,
  resolveResize,
  splitPropertyString,
  uriUnescape,
  validateSshKeys,
  withDriveSize,
} from './formats.ts';
import {
  findEndpointSchema,
  validateParams,
  type EndpointSchema,
  type HttpMethod,
  type ParamValue,
} from './schema.ts';
import { TaskError, TaskRunner, type WorkerContext } from './tasks.ts';

/** An error answered as PVE answers it: status line `<status> <message>`, body message and errors. */
export class PveError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
  }
}

const die = (message: string): PveError => new PveError(500, message);
const paramError = (errors: Record<string, string>): PveError =>
  new PveError(400, 'Parameter verification failed.', errors);

export interface Caller {
  user: string; // user@realm
  tokenid?: string;
}

export interface ApiCall {
  method: HttpMethod;
  /** Path below /api2/json, already URI-unescaped per segment. */
  segments: string[];
  raw: Record<string, string>;
  caller: Caller;
}

export interface ApiResult {
  data: unknown;
  total?: number;
}

type Params = Record<string, ParamValue>;

interface HandlerContext {
  p: Params;
  caller: Caller;
  result: { total?: number };
}

interface Route {
  method: HttpMethod;
  path: string;
  handler: (ctx: HandlerContext) => unknown;
}

// Simulated durations (ms at speed 1); exported for benchmarks that compute ideal times.
export const DURATION = {
  cloneSetup: 1000,
  linkedClone: 3000,
  start: 3000,
  agentAfterStart: 6000,
  networkAfterStart: 9000,
  shutdown: 5000,
  stop: 1000,
  reset: 500,
  suspend: 1000,
  suspendToDisk: 5000,
  resume: 500,
  resize: 1000,
  destroy: 2000,
  config: 500,
  template: 2000,
  agentPingTimeout: 3000,
  flockTimeout: 10_000,
  /** pvestatd refreshes guest status every 10 s; a new VM is `unknown` in cluster/resources until then. */
  statusRefresh: 10_000,
} as const;
export const STORAGE_BANDWIDTH = 400 * MiB; // bytes per simulated second per node
const FAST_PLUG_KEYS = new Set([
  'name',
  'tags',
  'onboot',
  'description',
  'protection',
  'balloon',
  ...CLOUDINIT_KEYS,
]);
const NET_KEY_RE = /^net\d+$/;

export interface SimulatorOptions {
  state: ClusterState;
  speed: number;
  random?: () => number;
  fingerprint: string | null;
  onChange?: () => void;
}

export class Simulator {
  readonly state: ClusterState;
  readonly clock: SimClock;
  readonly tasks: TaskRunner;
  faults: FaultConfig = noFaults();
  private readonly random: () => number;
  private readonly fingerprint: string | null;
  private readonly onChange: () => void;
  private readonly bandwidth = new Map<string, BandwidthScheduler>();
  /** Config flocks held by clone workers on the new VMID (qemu-server lock_config). */
  private readonly flocks = new Map<number, Promise<void>>();
  private readonly routes: Route[];

  constructor(opts: SimulatorOptions) {
    this.state = opts.state;
    this.clock = new SimClock(opts.speed);
    this.random = opts.random ?? Math.random;
    this.fingerprint = opts.fingerprint;
    this.onChange = opts.onChange ?? (() => undefined);
    this.tasks = new TaskRunner(this.state, this.clock, () => this.faults, this.random, this.onChange);
    this.routes = this.buildRoutes();
  }

  stop(): void {
    this.clock.stop();
    for (const scheduler of this.bandwidth.values()) scheduler.stop();
  }

  /** Method and path template of every route this simulator answers. */
  routeTable(): { method: HttpMethod; path: string }[] {
    return this.routes.map(({ method, path }) => ({ method, path }));
  }

  latencyMs(): number {
    return pickLatency(this.faults, this.random);
  }

  async handle(call: ApiCall): Promise<ApiResult> {
    const urlPath = `/${call.segments.join('/')}`;
    const match = this.matchRoute(call.method, call.segments);
    if (!match) throw new PveError(501, `Method '${call.method} ${urlPath}' not implemented`);
    const { route, pathParams } = match;
    const fault = routeFaultFor(this.faults, call.method, route.path, this.random);
    if (fault) throw new PveError(fault.status, fault.message);

    const raw = { ...call.raw };
    const conflicts: Record<string, string> = {};
    for (const [key, value] of Object.entries(pathParams)) {
      if (raw[key] !== undefined && raw[key] !== value) {
        conflicts[key] = 'duplicate parameter (already defined in URI) with conflicting values!';
      }
      raw[key] = value;
    }
    if (Object.keys(conflicts).length > 0) throw paramError(conflicts);
    const schema = this.schemaFor(route);
    const validated = validateParams(schema, raw);
    if (!validated.ok) throw paramError(validated.errors);
    const p = validated.params;
    if (typeof p.node === 'string' && !this.findNode(p.node)) {
      throw die(
        `hostname lookup '${p.node}' failed - failed to get address info for: ${p.node}: Name or service not known`,
      );
    }
    const result: { total?: number } = {};
    const data = await route.handler({ p, caller: call.caller, result });
    return { data: data === undefined ? null : data, ...result };
  }

  schemaFor(route: { method: HttpMethod; path: string }): EndpointSchema {
    const schema = findEndpointSchema(route.method, route.path);
    if (!schema) throw new Error(`route ${route.method} ${route.path} is not in the PVE API subset`);
    return schema;
  }

  private matchRoute(
    method: HttpMethod,
    segments: string[],
  ): { route: Route; pathParams: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const template = route.path.split('/').filter((s) => s !== '');
      if (template.length !== segments.length) continue;
      const pathParams: Record<string, string> = {};
      const ok = template.every((part, i) => {
        const segment = segments[i] ?? '';
        const name = /^\{(.+)\}$/.exec(part)?.[1];
        if (name) {
          pathParams[name] = segment;
          return segment !== '';
        }
        return part === segment;
      });
      if (ok) return { route, pathParams };
    }
    return undefined;
  }

  // ---------------------------------------------------------------- lookups

  findNode(name: string): NodeState | undefined {
    return this.state.nodes.find((n) => n.name === name);
  }

  private node(name: string): NodeState {
    const node = this.findNode(name);
    if (!node) throw die(`no such cluster node '${name}'`);
    return node;
  }

  /** load_config: a VM is only found on the node that holds its config. */
  private loadVm(node: string, vmid: number): VmState {
    const vm = this.state.vms[String(vmid)];
    if (!vm || vm.node !== node)
      throw die(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
    return vm;
  }

  private storagesOn(node: string): StorageState[] {
    return this.state.storages.filter((s) => storageVisibleOn(s, node));
  }

  private storage(node: string, id: string): StorageState {
    const storage = this.storagesOn(node).find((s) => s.storage === id);
    if (!storage) throw die(`storage '${id}' does not exist`);
    return storage;
  }

  private scheduler(node: string): BandwidthScheduler {
    let scheduler = this.bandwidth.get(node);
    if (!scheduler) {
      scheduler = new BandwidthScheduler(this.clock, STORAGE_BANDWIDTH);
      this.bandwidth.set(node, scheduler);
    }
    return scheduler;
  }

  private taskUser(caller: Caller): string {
    return caller.tokenid ? `${caller.user}!${caller.tokenid}` : caller.user;
  }

  private startTask(
    nodeName: string,
    type: string,
    id: string,
    caller: Caller,
    worker: (ctx: WorkerContext) => Promise<void>,
  ): string {
    return this.tasks.start(this.node(nodeName), type, id, this.taskUser(caller), worker).upid;
  }

  private checkLock(vm: VmState, skiplock: boolean): void {
    const lock = vm.config.lock;
    if (lock !== undefined && !skiplock) throw new TaskError(`VM is locked (${lock})`);
  }

  /** Waits for a clone worker's config flock, as lock_config does with its 10 s timeout. */
  private async waitFlock(vmid: number): Promise<void> {
    const held = this.flocks.get(vmid);
    if (!held) return;
    const timeout = this.clock.sleep(DURATION.flockTimeout).then(() => 'timeout' as const);
    const outcome = await Promise.race([held.then(() => 'released' as const), timeout]);
    if (outcome === 'timeout')
      throw new TaskError(`can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`);
  }

  /** Re-reads a VM inside a worker, after its flock: it may have gone meanwhile. */
  private reloadVm(node: string, vmid: number): VmState {
    try {
      return this.loadVm(node, vmid);
    } catch (err) {
      throw new TaskError((err as Error).message);
    }
  }

  // ---------------------------------------------------------------- derived values

  private effectiveConfig(vm: VmState): Config {
    const merged: Config = { ...vm.config, ...vm.pending };
    for (const key of vm.pendingDelete) Reflect.deleteProperty(merged, key);
    return merged;
  }

  private vcpus(config: Config): number {
    const cores = Number(config.cores ?? 1);
    const sockets = Number(config.sockets ?? 1);
    return config.vcpus ? Number(config.vcpus) : cores * sockets;
  }

  private bootDiskSize(config: Config): number {
    for (const [key, value] of Object.entries(config)) {
      if (!DISK_KEY_RE.test(key)) continue;
      const drive = parseDrive(String(value));
      if (!isCdrom(drive) && drive.size) return drive.size;
    }
    return 0;
  }

  private uptime(vm: VmState, now = Date.now()): number {
    return vm.status === 'running' && vm.startedAt ? Math.floor((now - vm.startedAt) / 1000) : 0;
  }

  /** A stable pseudo-random fraction per VM that drifts slowly over time. */
  private wobble(vmid: number, t: number, period = 600): number {
    return 0.5 + 0.5 * Math.sin(vmid * 7.13 + t / period);
  }

  private vmMemUsed(vm: VmState, now = Date.now()): number {
    if (vm.status !== 'running') return 0;
    const maxmem = memoryMiB(vm.config.memory) * MiB;
    const booted = vm.agentReadyAt !== undefined && now >= vm.agentReadyAt;
    return Math.floor(maxmem * (booted ? 0.3 + 0.2 * this.wobble(vm.vmid, now / 1000) : 0.12));
  }

  private vmStatus(vm: VmState, full: boolean): Record<string, unknown> {
    const now = Date.now();
    const config = vm.config;
    const running = vm.status === 'running';
    const uptime = this.uptime(vm, now);
    const maxmem = memoryMiB(config.memory) * MiB;
    const status: Record<string, unknown> = {
      vmid: vm.vmid,
      name: config.name ?? `VM ${vm.vmid}`,
      status: vm.status,
      cpus: this.vcpus(config),
      maxmem,
      mem: this.vmMemUsed(vm, now),
      memhost: running ? this.vmMemUsed(vm, now) + 40 * MiB : 0,
      maxdisk: this.bootDiskSize(config),
      cpu: running ? Number((0.01 + 0.05 * this.wobble(vm.vmid, now / 1000, 60)).toFixed(6)) : 0,
      uptime,
      netin: running ? uptime * 2100 : 0,
      netout: running ? uptime * 900 : 0,
      diskread: running ? 180 * MiB + uptime * 4096 : 0,
      diskwrite: running ? 20 * MiB + uptime * 8192 : 0,
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
        status.freemem = maxmem - this.vmMemUsed(vm, now);
        status.ballooninfo = {
          actual: maxmem,
          max_mem: maxmem,
          total_mem: maxmem - 100 * MiB,
          free_mem: maxmem - this.vmMemUsed(vm, now),
        };
        status.nics = { [`tap${vm.vmid}i0`]: { netin: status.netin, netout: status.netout } };
      }
    }
    return status;
  }

  private nodeMemUsed(node: string, now = Date.now()): number {
    let used = 3 * GiB;
    for (const vm of Object.values(this.state.vms)) if (vm.node === node) used += this.vmMemUsed(vm, now);
    return used;
  }

  /** Memory the VMs running on a node have been given: what a new start must fit beside. */
  private nodeMemCommitted(node: string, exclude?: number): number {
    let used = 3 * GiB;
    for (const vm of Object.values(this.state.vms)) {
      if (vm.node === node && vm.status === 'running' && vm.vmid !== exclude)
        used += memoryMiB(vm.config.memory) * MiB;
    }
    return used;
  }

  private nodeCpu(node: string): number {
    const running = Object.values(this.state.vms).filter(
      (v) => v.node === node && v.status === 'running',
    ).length;
    return Number(Math.min(1, 0.015 + running * 0.01).toFixed(6));
  }

  private nodeSummary(node: NodeState): Record<string, unknown> {
    const now = Date.now();
    return {
      id: `node/${node.name}`,
      type: 'node',
      node: node.name,
      status: 'online',
      cpu: this.nodeCpu(node.name),
      maxcpu: node.maxcpu,
      mem: this.nodeMemUsed(node.name, now),
      maxmem: node.maxmem,
      disk: Math.floor(node.rootfsTotal * 0.08),
      maxdisk: node.rootfsTotal,
      uptime: Math.floor((now - node.bootedAt) / 1000),
      level: '',
    };
  }

  private storageEntry(storage: StorageState, node: string): Record<string, unknown> {
    const used = storageUsed(this.state, storage, node);
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

  // ---------------------------------------------------------------- routes

  private buildRoutes(): Route[] {
    const r = (method: HttpMethod, path: string, handler: Route['handler']): Route => ({
      method,
      path,
      handler,
    });
    const vmPath = '/nodes/{node}/qemu/{vmid}';
    return [
      r('POST', '/access/ticket', () => {
        // Answered by the HTTP layer, which owns the credentials; listed for conformance.
        throw die('ticket creation is handled by the transport');
      }),
      r('GET', '/version', () => ({ version: '9.1.1', release: '9.1', repoid: '5a8bf6f7c2b0e8d1' })),
      r('GET', '/nodes', () =>
        this.state.nodes.map((n) => ({
          ...this.nodeSummary(n),
          ssl_fingerprint: this.fingerprint ?? undefined,
        })),
      ),
      r('GET', '/nodes/{node}/status', ({ p }) => this.nodeStatus(String(p.node))),
      r('GET', '/cluster/nextid', ({ p }) => this.nextId(p.vmid === undefined ? undefined : Number(p.vmid))),
      r('GET', '/cluster/resources', ({ p }) =>
        this.clusterResources(p.type === undefined ? undefined : String(p.type)),
      ),
      r('GET', '/nodes/{node}/qemu', ({ p }) =>
        Object.values(this.state.vms)
          .filter((vm) => vm.node === p.node)
          .map((vm) => this.vmStatus(vm, false)),
      ),
      r('GET', '/nodes/{node}/storage', ({ p }) => this.storageList(p)),
      r('GET', `${vmPath}/status/current`, ({ p }) =>
        this.vmStatus(this.loadVm(String(p.node), Number(p.vmid)), true),
      ),
      r('GET', `${vmPath}/config`, ({ p }) => this.getConfig(p)),
      r('PUT', `${vmPath}/config`, ({ p, caller }) => {
        this.updateConfig(p, caller, false);
        return null;
      }),
      r('POST', `${vmPath}/config`, ({ p, caller }) => this.updateConfigAsync(p, caller)),
      r('GET', `${vmPath}/pending`, ({ p }) => this.pendingList(this.loadVm(String(p.node), Number(p.vmid)))),
      r('POST', `${vmPath}/clone`, ({ p, caller }) => this.clone(p, caller)),
      r('PUT', `${vmPath}/resize`, ({ p, caller }) => this.resize(p, caller)),
      r('POST', `${vmPath}/status/start`, ({ p, caller }) => this.startVm(p, caller)),
      r('POST', `${vmPath}/status/stop`, ({ p, caller }) => this.stopVm(p, caller)),
      r('POST', `${vmPath}/status/shutdown`, ({ p, caller }) => this.shutdownVm(p, caller)),
      r('POST', `${vmPath}/status/reboot`, ({ p, caller }) => this.rebootVm(p, caller)),
      r('POST', `${vmPath}/status/reset`, ({ p, caller }) => this.resetVm(p, caller)),
      r('POST', `${vmPath}/status/suspend`, ({ p, caller }) => this.suspendVm(p, caller)),
      r('POST', `${vmPath}/status/resume`, ({ p, caller }) => this.resumeVm(p, caller)),
      r('DELETE', vmPath, ({ p, caller }) => this.destroyVm(p, caller)),
      r('POST', `${vmPath}/template`, ({ p, caller }) => this.convertToTemplate(p, caller)),
      r('GET', `${vmPath}/agent/network-get-interfaces`, ({ p }) => this.agentInterfaces(p)),
      r('POST', `${vmPath}/agent/ping`, async ({ p }) => {
        await this.agentAvailable(this.loadVm(String(p.node), Number(p.vmid)));
        return { result: {} };
      }),
      r('GET', `${vmPath}/cloudinit`, ({ p }) =>
        this.cloudinitPending(this.loadVm(String(p.node), Number(p.vmid))),
      ),
      r('PUT', `${vmPath}/cloudinit`, ({ p }) => {
        const vm = this.loadVm(String(p.node), Number(p.vmid));
        vm.cloudinitApplied = this.cloudinitSnapshot(this.effectiveConfig(vm));
        this.onChange();
        return null;
      }),
      r('GET', `${vmPath}/cloudinit/dump`, ({ p }) =>
        this.cloudinitDump(this.loadVm(String(p.node), Number(p.vmid)), String(p.type)),
      ),
      r('GET', `${vmPath}/rrddata`, ({ p }) =>
        this.rrdData(
          this.loadVm(String(p.node), Number(p.vmid)),
          String(p.timeframe),
          p.cf === undefined ? 'AVERAGE' : String(p.cf),
        ),
      ),
      r('GET', '/nodes/{node}/tasks', ({ p, result }) => this.taskList(p, result)),
      r('GET', '/nodes/{node}/tasks/{upid}/status', ({ p }) => this.taskStatus(this.findTask(p))),
      r('GET', '/nodes/{node}/tasks/{upid}/log', ({ p, result }) => {
        const task = this.findTask(p);
        const start = p.start === undefined ? 0 : Number(p.start);
        const limit = p.limit === undefined ? 50 : Number(p.limit);
        result.total = task.log.length;
        return task.log.slice(start, start + limit).map((t, i) => ({ n: start + i + 1, t }));
      }),
      r('DELETE', '/nodes/{node}/tasks/{upid}', ({ p }) => {
        this.tasks.kill(this.findTask(p));
        return null;
      }),
    ];
  }

  // ---------------------------------------------------------------- cluster and nodes

  private nodeStatus(name: string): Record<string, unknown> {
    const node = this.node(name);
    const now = Date.now();
    const used = this.nodeMemUsed(name, now);
    const cpu = this.nodeCpu(name);
    const load = (cpu * node.maxcpu).toFixed(2);
    return {
      cpu,
      wait: 0.0012,
      loadavg: [load, load, load],
      uptime: Math.floor((now - node.bootedAt) / 1000),
      idle: 0,
      memory: { total: node.maxmem, used, free: node.maxmem - used, available: node.maxmem - used },
      swap: { total: 8 * GiB, used: 0, free: 8 * GiB },
      rootfs: {
        total: node.rootfsTotal,
        used: Math.floor(node.rootfsTotal * 0.08),
        free: Math.floor(node.rootfsTotal * 0.92),
        avail: Math.floor(node.rootfsTotal * 0.87),
      },
      cpuinfo: {
        cpus: node.maxcpu,
        sockets: 1,
        cores: node.maxcpu / 2,
        model: 'AMD EPYC 7313P 16-Core Processor',
        mhz: '3000.000',
        hvm: '1',
        user_hz: 100,
        flags: 'fpu vme de pse tsc msr pae mce cx8 apic sep svm',
      },
      pveversion: 'pve-manager/9.1.1/5a8bf6f7c2b0e8d1',
      kversion: 'Linux 6.17.2-1-pve #1 SMP PREEMPT_DYNAMIC PMX 6.17.2-1 (2025-11-03T09:42Z)',
      'current-kernel': {
        sysname: 'Linux',
        release: '6.17.2-1-pve',
        version: '#1 SMP PREEMPT_DYNAMIC PMX 6.17.2-1 (2025-11-03T09:42Z)',
        machine: 'x86_64',
      },
      'boot-info': { mode: 'efi', secureboot: 0 },
      ksm: { shared: 0 },
    };
  }

  private nextId(vmid: number | undefined): string {
    if (vmid !== undefined) {
      if (this.state.vms[String(vmid)]) throw paramError({ vmid: `VM ${vmid} already exists` });
      return String(vmid);
    }
    for (let id = 100; id < 1_000_000; id++) if (!this.state.vms[String(id)]) return String(id);
    throw die('unable to get any free VMID in range [100, 999999]');
  }

  private clusterResources(type: string | undefined): unknown[] {
    const now = Date.now();
    const out: unknown[] = [];
    if (!type || type === 'node')
      for (const n of this.state.nodes) out.push({ ...this.nodeSummary(n), 'cgroup-mode': 2 });
    if (!type || type === 'vm') {
      for (const vm of Object.values(this.state.vms)) {
        const base = { id: `qemu/${vm.vmid}`, type: 'qemu', node: vm.node, vmid: vm.vmid };
        if (now - vm.createdAt < this.clock.realMs(DURATION.statusRefresh)) {
          out.push({ ...base, status: 'unknown' });
          continue;
        }
        const s = this.vmStatus(vm, false);
        out.push({
          ...base,
          name: s.name,
          status: s.status,
          template: vm.config.template ? 1 : 0,
          maxcpu: s.cpus,
          cpu: s.cpu,
          maxmem: s.maxmem,
          mem: s.mem,
          memhost: s.memhost,
          maxdisk: s.maxdisk,
          disk: 0,
          uptime: s.uptime,
          netin: s.netin,
          netout: s.netout,
          diskread: s.diskread,
          diskwrite: s.diskwrite,
          ...(vm.config.lock !== undefined ? { lock: vm.config.lock } : {}),
          ...(vm.config.tags !== undefined ? { tags: vm.config.tags } : {}),
        });
      }
    }
    if (!type || type === 'storage') {
      for (const n of this.state.nodes) {
        for (const s of this.storagesOn(n.name)) {
          const e = this.storageEntry(s, n.name);
          out.push({
            id: `storage/${n.name}/${s.storage}`,
            type: 'storage',
            node: n.name,
            storage: s.storage,
            status: 'available',
            plugintype: s.type,
            content: s.content,
            shared: e.shared,
            disk: e.used,
            maxdisk: e.total,
          });
        }
      }
    }
    if (!type || type === 'sdn') {
      for (const n of this.state.nodes)
        out.push({
          id: `sdn/${n.name}/localnetwork`,
          type: 'sdn',
          sdn: 'localnetwork',
          node: n.name,
          status: 'ok',
        });
    }
    return out;
  }

  private storageList(p: Params): unknown[] {
    const node = String(p.node);
    const wantedContent =
      p.content === undefined
        ? []
        : String(p.content)
            .split(/[,;\s]+/)
            .filter(Boolean);
    return this.storagesOn(node)
      .filter((s) => p.storage === undefined || s.storage === p.storage)
      .filter((s) => wantedContent.every((c) => s.content.split(',').includes(c)))
      .filter(
        (s) =>
          p.target === undefined || p.target === node || (s.shared && storageVisibleOn(s, String(p.target))),
      )
      .map((s) => ({
        ...this.storageEntry(s, node),
        ...(p.format === 1 ? { formats: { default: 'raw', supported: ['raw'] } } : {}),
      }));
  }

  // ---------------------------------------------------------------- config

  private getConfig(p: Params): Record<string, unknown> {
    const vm = this.loadVm(String(p.node), Number(p.vmid));
    if (p.snapshot !== undefined) throw die(`snapshot '${p.snapshot}' does not exist`);
    const config: Record<string, unknown> = p.current === 1 ? { ...vm.config } : this.effectiveConfig(vm);
    if (config.cipassword !== undefined) config.cipassword = '**********';
    config.digest = configDigest(vm.config, vm.pending, vm.pendingDelete);
    return config;
  }

  private pendingList(vm: VmState): unknown[] {
    const keys = new Set([...Object.keys(vm.config), ...Object.keys(vm.pending), ...vm.pendingDelete]);
    return [...keys].sort().map((key) => {
      const entry: Record<string, unknown> = { key };
      if (vm.config[key] !== undefined) entry.value = key === 'cipassword' ? '**********' : vm.config[key];
      if (vm.pending[key] !== undefined)
        entry.pending = key === 'cipassword' ? '**********' : vm.pending[key];
      if (vm.pendingDelete.includes(key)) entry.delete = 1;
      return entry;
    });
  }

  private hashPassword(password: string): string {
    if (/^\$(?:[156]|2[ayb]?|y)\$/.test(password)) return password;
    const salt = randomBytes(12).toString('base64').replace(/[+/=]/g, '').slice(0, 16);
    const hash = createHash('sha256').update(`${salt}${password}`).digest('base64').replace(/[+/=]/g, '');
    return `$5$${salt}$${hash}`;
  }

  /** A net device without a MAC gets one, as PVE adds it. */
  private withMac(value: string): string {
    const parts = splitPropertyString(value);
    const models = [
      'e1000',
      'e1000-82540em',
      'e1000-82544gc',
      'e1000-82545em',
      'e1000e',
      'i82551',
      'i82557b',
      'i82559er',
      'ne2k_isa',
      'ne2k_pci',
      'pcnet',
      'rtl8139',
      'virtio',
      'vmxnet3',
    ];
    const rest = parts.filter(([k]) => k !== '' && k !== 'model' && k !== 'macaddr' && !models.includes(k));
    const modelPart = parts.find(([k, v]) => (k === '' || k === 'model') && models.includes(v));
    const macPart = parts.find(([k]) => models.includes(k));
    const macaddr = parts.find(([k]) => k === 'macaddr')?.[1];
    const model = macPart?.[0] ?? modelPart?.[1] ?? 'virtio';
    const mac = macPart?.[1] ?? macaddr ?? randomMac();
    return formatDrive(`${model}=${mac}`, rest);
  }

  /** `STORAGE:SIZE` on a disk key allocates a new volume, as the API does on update. */
  private allocateDisk(vm: VmState, key: string, value: string): string {
    const drive = parseDrive(value);
    if (!drive.storage || !drive.volname || !/^\d+(\.\d+)?$/.test(drive.volname) || isCdrom(drive))
      return value;
    const storage = this.storage(vm.node, drive.storage);
    const bytes = Math.floor(Number(drive.volname) * GiB);
    this.ensureSpace(storage, vm.node, bytes, `vm-${vm.vmid}-disk-N`);
    const used = new Set(
      Object.values({ ...vm.config, ...vm.pending })
        .map((v) => /vm-\d+-disk-(\d+)/.exec(String(v))?.[1])
        .filter(Boolean),
    );
    let index = 0;
    while (used.has(String(index))) index++;
    const options = drive.options.filter(([k]) => k !== 'size' && k !== 'import-from');
    void key;
    return withDriveSize(formatDrive(`${drive.storage}:vm-${vm.vmid}-disk-${index}`, options), bytes);
  }

  private ensureSpace(storage: StorageState, node: string, bytes: number, volname: string): void {
    const avail = storage.total - storageUsed(this.state, storage, node);
    if (bytes > avail) {
      const extents = (b: number): number => Math.ceil(b / (4 * MiB));
      throw die(
        `lvcreate 'pve/${volname}' error:   Volume group "pve" has insufficient free space (${extents(Math.max(0, avail))} extents): ${extents(bytes)} required.`,
      );
    }
  }

  private updateConfig(p: Params, caller: Caller, fromWorker: boolean): string[] {
    void caller;
    void fromWorker;
    const vm = this.loadVm(String(p.node), Number(p.vmid));
    const control = new Set([
      'node',
      'vmid',
      'digest',
      'delete',
      'revert',
      'skiplock',
      'background_delay',
      'force',
      'import-working-storage',
    ]);
    const changes = Object.entries(p).filter(([k]) => !control.has(k));
    const deletes =
      p.delete === undefined
        ? []
        : String(p.delete)
            .split(/[,;\s]+/)
            .filter(Boolean);
    const reverts =
      p.revert === undefined
        ? []
        : String(p.revert)
            .split(/[,;\s]+/)
            .filter(Boolean);
    if (changes.length === 0 && deletes.length === 0 && reverts.length === 0)
      throw die('no options specified');
    if (vm.config.lock !== undefined && p.skiplock !== 1) throw die(`VM is locked (${vm.config.lock})`);
    if (p.digest !== undefined && p.digest !== configDigest(vm.config, vm.pending, vm.pendingDelete)) {
      throw die('checksum mismatch (file change by other user?)');
    }
    for (const key of deletes) {
      if (changes.some(([k]) => k === key))
        throw die(`you can't change and delete the same option ('${key}')`);
    }
    const effective = this.effectiveConfig(vm);
    const normalised: [string, ConfigValue][] = changes.map(([key, value]) => {
      if (key === 'sshkeys') {
        if (!validateSshKeys(uriUnescape(String(value)))) throw die('SSH public key validation error');
        return [key, value];
      }
      if (key === 'cipassword') return [key, this.hashPassword(String(value))];
      if (NET_KEY_RE.test(key)) return [key, this.withMac(String(value))];
      if (DISK_KEY_RE.test(key)) return [key, this.allocateDisk(vm, key, String(value))];
      return [key, value];
    });
    const next: Config = { ...effective, ...Object.fromEntries(normalised) };
    for (const key of deletes) Reflect.deleteProperty(next, key);
    if (next.balloon !== undefined && Number(next.balloon) > memoryMiB(next.memory)) {
      throw die('balloon value too large (must be smaller than assigned memory)');
    }
    const running = vm.status === 'running';
    const appliesNow = (key: string): boolean =>
      !running ||
      FAST_PLUG_KEYS.has(key) ||
      isCloudinitKey(key) ||
      NET_KEY_RE.test(key) ||
      DISK_KEY_RE.test(key);
    for (const key of reverts) {
      Reflect.deleteProperty(vm.pending, key);
      vm.pendingDelete = vm.pendingDelete.filter((k) => k !== key);
    }
    for (const [key, value] of normalised) {
      vm.pendingDelete = vm.pendingDelete.filter((k) => k !== key);
      if (appliesNow(key)) {
        vm.config[key] = value;
        Reflect.deleteProperty(vm.pending, key);
      } else {
        vm.pending[key] = value;
      }
    }
    for (const key of deletes) {
      Reflect.deleteProperty(vm.pending, key);
      if (appliesNow(key)) Reflect.deleteProperty(vm.config, key);
      else if (!vm.pendingDelete.includes(key)) vm.pendingDelete.push(key);
    }
    this.onChange();
    return [
      ...normalised.map(([k, v]) => `-${k} ${k === 'cipassword' ? '<hidden>' : v}`),
      ...(deletes.length > 0 ? [`-delete ${deletes.join(',')}`] : []),
    ];
  }

  private async updateConfigAsync(p: Params, caller: Caller): Promise<string | null> {
    const summary = this.updateConfig(p, caller, true);
    const vmid = Number(p.vmid);
    const upid = this.startTask(String(p.node), 'qmconfig', String(vmid), caller, async (ctx) => {
      await ctx.faultPoint(`can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`);
      ctx.log(`update VM ${vmid}: ${summary.join(' ')}`);
      await ctx.sleep(DURATION.config);
    });
    if (p.background_delay !== undefined) {
      const waited = this.clock.sleep(Number(p.background_delay) * 1000).then(() => false);
      const finished = this.tasks.finished(upid).then(() => true);
      if (await Promise.race([finished, waited])) return null;
    }
    return upid;
  }

  // ---------------------------------------------------------------- clone

  private clone(p: Params, caller: Caller): string {
    const nodeName = String(p.node);
    const vmid = Number(p.vmid);
    const newid = Number(p.newid);
    const source = this.loadVm(nodeName, vmid);
    const isTemplate = Boolean(source.config.template);
    const full = p.full === undefined ? !isTemplate : p.full === 1;
    const target = p.target !== undefined && p.target !== nodeName ? String(p.target) : undefined;
    if (target && !this.findNode(target)) throw die(`no such cluster node '${target}'`);
    if (p.snapname !== undefined) throw die(`snapshot '${p.snapname}' does not exist`);
    if (source.config.lock !== undefined) throw die(`VM is locked (${source.config.lock})`);
    const existing = this.state.vms[String(newid)];
    if (existing && existing.node === nodeName)
      throw die(`unable to create VM ${newid}: config file already exists`);
    if (!full) {
      if (p.storage !== undefined) throw die("parameter 'storage' not allowed for linked clones");
      if (p.format !== undefined) throw die("parameter 'format' not allowed for linked clones");
    }
    const disks = Object.entries(source.config)
      .filter(([k]) => DISK_KEY_RE.test(k))
      .map(([key, value]) => ({ key, drive: parseDrive(String(value)), value: String(value) }))
      .filter(
        ({ drive }) =>
          drive.storage !== undefined && (!isCdrom(drive) || /cloudinit/.test(drive.volname ?? '')),
      );
    if (target) {
      for (const { drive } of disks) {
        const storage = this.storagesOn(nodeName).find((s) => s.storage === drive.storage);
        if (!storage?.shared) throw die(`can't clone VM to node '${target}' (VM uses local storage)`);
      }
    }
    let targetStorage: StorageState | undefined;
    if (p.storage !== undefined) {
      targetStorage = this.storage(target ?? nodeName, String(p.storage));
      if (target && !targetStorage.shared) throw die(`can't clone to non-shared storage '${p.storage}'`);
      if (!targetStorage.content.split(',').includes('images'))
        throw die(`storage '${p.storage}' does not support vm images`);
    }
    if (!full) {
      for (const { key, drive } of disks) {
        if (isCdrom(drive)) continue;
        if (!drive.volname?.startsWith('base-'))
          throw die(`Linked clone feature is not supported for '${drive.volume}' (${key})`);
      }
    }

    let releaseFlock: () => void = () => undefined;
    const flock = new Promise<void>((resolve) => {
      releaseFlock = resolve;
    });
    const createdTemp = !existing;
    if (createdTemp) {
      // create_and_lock_config: the new VMID's config exists, locked, from the first moment.
      this.state.vms[String(newid)] = {
        vmid: newid,
        node: nodeName,
        config: { lock: 'clone' },
        pending: {},
        pendingDelete: [],
        status: 'stopped',
        qmpstatus: 'running',
        cloudinitApplied: {},
        createdAt: Date.now(),
      };
      this.flocks.set(newid, flock);
    }
    const sourceName = String(source.config.name ?? `VM ${vmid}`);
    const upid = this.startTask(nodeName, 'qmclone', String(vmid), caller, async (ctx) => {
      try {
        if (!createdTemp) {
          const other = existing?.node ?? nodeName;
          throw new TaskError(
            `close (rename) atomic file '/etc/pve/nodes/${other}/qemu-server/${newid}.conf' failed: File exists`,
          );
        }
        await ctx.faultPoint(
          `can't lock file '/var/lock/pve-manager/pve-storage-${disks[0]?.drive.storage ?? 'local-lvm'}' - got timeout`,
        );
        await ctx.sleep(DURATION.cloneSetup);
        const newConfig: Config = {};
        for (const [key, value] of Object.entries(source.config)) {
          if (key === 'template' || key === 'lock' || /^unused\d+$/.test(key)) continue;
          newConfig[key] = value;
        }
        let diskIndex = 0;
        for (const { key, drive } of disks) {
          const cloudinit = /cloudinit/.test(drive.volname ?? '');
          const storageId = targetStorage?.storage ?? drive.storage ?? 'local-lvm';
          const options = drive.options.filter(([k]) => k !== 'size');
          if (cloudinit) {
            ctx.log(`create full clone of drive ${key} (${drive.volume})`);
            ctx.log(`  Logical volume "vm-${newid}-cloudinit" created.`);
            newConfig[key] = formatDrive(`${storageId}:vm-${newid}-cloudinit`, options);
            continue;
          }
          const volname = `vm-${newid}-disk-${diskIndex++}`;
          const size = drive.size ?? 0;
          if (full) {
            const storage = this.storage(target ?? nodeName, storageId);
            try {
              this.ensureSpace(storage, target ?? nodeName, size, volname);
            } catch (err) {
              throw new TaskError((err as Error).message);
            }
            ctx.log(`create full clone of drive ${key} (${drive.volume})`);
            ctx.log(`  Logical volume "${volname}" created.`);
            // The volume is allocated before the copy, so concurrent clones see the space taken.
            const temp = this.state.vms[String(newid)];
            if (temp)
              temp.config[`unused${diskIndex + 200}`] = withDriveSize(`${storageId}:${volname}`, size);
            ctx.log(`transferred 0.0 B of ${humanBytes(size)} (0.00%)`);
            await this.scheduler(nodeName).transfer(size);
            ctx.log(`transferred ${humanBytes(size)} of ${humanBytes(size)} (100.00%)`);
            newConfig[key] = withDriveSize(formatDrive(`${storageId}:${volname}`, options), size);
          } else {
            ctx.log(`create linked clone of drive ${key} (${drive.volume})`);
            ctx.log(`clone ${drive.volname}: ${drive.volname} snapname __base__ to ${volname}`);
            await ctx.sleep(DURATION.linkedClone);
            newConfig[key] = withDriveSize(
              formatDrive(`${storageId}:${drive.volname}/${volname}`, options),
              size,
            );
          }
        }
        for (const key of Object.keys(newConfig)) {
          if (NET_KEY_RE.test(key))
            newConfig[key] = this.withMac(
              String(newConfig[key]).replace(/=([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}/, ''),
            );
        }
        newConfig.name = p.name !== undefined ? String(p.name) : `Copy-of-VM-${sourceName}`;
        if (p.description !== undefined) newConfig.description = String(p.description);
        newConfig.smbios1 = `uuid=${randomUUID()}`;
        if (newConfig.vmgenid !== undefined) newConfig.vmgenid = randomUUID();
        const vm = this.state.vms[String(newid)];
        if (!vm)
          throw new TaskError(
            `Configuration file 'nodes/${nodeName}/qemu-server/${newid}.conf' does not exist`,
          );
        vm.config = newConfig;
        if (target) vm.node = target;
        this.onChange();
      } catch (err) {
        if (createdTemp && this.state.vms[String(newid)]?.config.lock === 'clone')
          Reflect.deleteProperty(this.state.vms, String(newid));
        throw new TaskError(`clone failed: ${(err as Error).message}`);
      } finally {
        if (createdTemp) {
          this.flocks.delete(newid);
          releaseFlock();
        }
      }
    });
    return upid;
  }

  // ---------------------------------------------------------------- resize

  private resize(p: Params, caller: Caller): string {
    const nodeName = String(p.node);
    const vmid = Number(p.vmid);
    this.loadVm(nodeName, vmid);
    const disk = String(p.disk);
    return this.startTask(nodeName, 'resize', String(vmid), caller, async (ctx) => {
      await this.waitFlock(vmid);
      const vm = this.reloadVm(nodeName, vmid);
      if (p.digest !== undefined && p.digest !== configDigest(vm.config, vm.pending, vm.pendingDelete)) {
        throw new TaskError('checksum mismatch (file change by other user?)');
      }
      this.checkLock(vm, p.skiplock === 1);
      await ctx.faultPoint(`can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`);
      const value = vm.config[disk];
      if (value === undefined) throw new TaskError(`disk '${disk}' does not exist`);
      const drive = parseDrive(String(value));
      if (isCdrom(drive)) throw new TaskError("you can't resize a cdrom");
      const current = drive.size ?? 0;
      const resolved = resolveResize(current, String(p.size));
      if (!resolved.ok) throw new TaskError(resolved.error);
      if (resolved.bytes === current) return;
      const storage = this.storagesOn(nodeName).find((s) => s.storage === drive.storage);
      if (storage) {
        const avail = storage.total - storageUsed(this.state, storage, nodeName);
        if (resolved.bytes - current > avail) {
          throw new TaskError(
            `  Insufficient free space: ${Math.ceil((resolved.bytes - current) / (4 * MiB))} extents needed, but only ${Math.floor(avail / (4 * MiB))} available`,
          );
        }
      }
      await ctx.sleep(DURATION.resize);
      const extents = (b: number): number => Math.ceil(b / (4 * MiB));
      const gib = (b: number): string => `${(b / GiB).toFixed(2)} GiB`;
      const lv = drive.volname?.split('/').pop() ?? disk;
      ctx.log(
        `  Size of logical volume pve/${lv} changed from ${gib(current)} (${extents(current)} extents) to ${gib(resolved.bytes)} (${extents(resolved.bytes)} extents).`,
      );
      ctx.log(`  Logical volume pve/${lv} successfully resized.`);
      vm.config[disk] = withDriveSize(String(value), resolved.bytes);
      this.onChange();
    });
  }

  // ---------------------------------------------------------------- power

  private cloudinitSnapshot(config: Config): Config {
    const snapshot: Config = {};
    for (const [key, value] of Object.entries(config))
      if (isCloudinitKey(key) || key === 'name') snapshot[key] = value;
    return snapshot;
  }

  /** vm_start's effect once QEMU runs: pending applied, cloud-init drive regenerated, guest booting. */
  private bootVm(vm: VmState, ctx: WorkerContext): void {
    for (const [key, value] of Object.entries(vm.pending)) vm.config[key] = value;
    for (const key of vm.pendingDelete) Reflect.deleteProperty(vm.config, key);
    vm.pending = {};
    vm.pendingDelete = [];
    const hasCloudinitDrive = Object.entries(vm.config).some(
      ([k, v]) => DISK_KEY_RE.test(k) && /cloudinit/.test(String(v)),
    );
    if (hasCloudinitDrive) vm.cloudinitApplied = this.cloudinitSnapshot(vm.config);
    else vm.cloudinitApplied = {};
    const node = this.node(vm.node);
    node.nextPid += 1 + Math.floor(this.random() * 20);
    const now = Date.now();
    vm.status = 'running';
    vm.qmpstatus = 'running';
    vm.pid = node.nextPid;
    vm.startedAt = now;
    vm.agentReadyAt = now + this.clock.realMs(DURATION.agentAfterStart);
    vm.networkReadyAt = now + this.clock.realMs(DURATION.networkAfterStart);
    void ctx;
    this.onChange();
  }

  private powerOff(vm: VmState): void {
    vm.status = 'stopped';
    vm.qmpstatus = 'running';
    delete vm.pid;
    delete vm.startedAt;
    delete vm.agentReadyAt;
    delete vm.networkReadyAt;
    this.onChange();
  }

  private async startWorker(
    nodeName: string,
    vmid: number,
    skiplock: boolean,
    ctx: WorkerContext,
  ): Promise<void> {
    await this.waitFlock(vmid);
    const vm = this.reloadVm(nodeName, vmid);
    if (vm.config.template) throw new TaskError("you can't start a vm if it's a template");
    if (vm.config.lock !== undefined && vm.config.lock !== 'suspended') this.checkLock(vm, skiplock);
    if (vm.status === 'running') throw new TaskError(`VM ${vmid} already running`);
    await ctx.faultPoint(`start failed: QEMU exited with code 1`);
    const node = this.node(nodeName);
    const config = this.effectiveConfig(vm);
    if (this.vcpus(config) > node.maxcpu)
      throw new TaskError(`MAX ${node.maxcpu} vcpus allowed per VM on this node`);
    const needed = memoryMiB(config.memory) * MiB;
    if (this.nodeMemCommitted(nodeName, vmid) + needed > node.maxmem) {
      ctx.log("kvm: cannot set up guest memory 'pc.ram': Cannot allocate memory");
      throw new TaskError('start failed: QEMU exited with code 1');
    }
    await ctx.sleep(DURATION.start);
    // Another start may have won the race while QEMU was coming up.
    if ((vm.status as VmState['status']) === 'running') throw new TaskError(`VM ${vmid} already running`);
    if (vm.config.lock === 'suspended') {
      delete vm.config.lock;
      ctx.log('resuming VM from suspended state');
    }
    this.bootVm(vm, ctx);
  }

  private startVm(p: Params, caller: Caller): string {
    const nodeName = String(p.node);
    const vmid = Number(p.vmid);
    this.loadVm(nodeName, vmid);
    return this.startTask(nodeName, 'qmstart', String(vmid), caller, (ctx) =>
      this.startWorker(nodeName, vmid, p.skiplock === 1, ctx),
    );
  }

  private stopVm(p: Params, caller: Caller): string {
    const nodeName = String(p.node);
    const vmid = Number(p.vmid);
    this.loadVm(nodeName, vmid);
    if (p['overrule-shutdown'] === 1) {
      for (const task of this.state.tasks) {
        if (task.status === 'running' && task.type === 'qmshutdown' && task.id === String(vmid))
          this.tasks.kill(task);
      }
    }
    return this.startTask(nodeName, 'qmstop', String(vmid), caller, async (ctx) => {
      await this.waitFlock(vmid);
      const vm = this.reloadVm(nodeName, vmid);
      this.checkLock(vm, p.skiplock === 1);
      await ctx.faultPoint(`VM ${vmid} qmp command 'quit' failed - got timeout`);
      if (vm.status !== 'running') return;
      await ctx.sleep(DURATION.stop);
      this.powerOff(vm);
    });
  }

  /** ACPI (or agent) power-down; resolves true when the guest went down within `timeoutMs`. */
  private async guestPowerdown(vm: VmState, timeoutMs: number, ctx: WorkerContext): Promise<boolean> {
    if (vmSelected(this.faults.ignoreAcpi, vm.vmid) || timeoutMs < DURATION.shutdown) {
      await ctx.sleep(timeoutMs);
      return false;
    }
    await ctx.sleep(DURATION.shutdown);
    return true;
  }

  private shutdownVm(p: Params, caller: Caller): string {
    const nodeName = String(p.node);
    const vmid = Number(p.vmid);
    const vm = this.loadVm(nodeName, vmid);
    const forceStop = p.forceStop === 1;
    if (vm.status === 'running' && vm.qmpstatus === 'paused' && !forceStop)
      throw die('VM is paused - cannot shutdown');
    const timeoutMs = (p.timeout === undefined ? 60 : Number(p.timeout)) * 1000;
    return this.startTask(nodeName, 'qmshutdown', String(vmid), caller, async (ctx) => {
      await this.waitFlock(vmid);
      const current = this.reloadVm(nodeName, vmid);
      this.checkLock(current, p.skiplock === 1);
      await ctx.faultPoint(`VM ${vmid} qmp command 'system_powerdown' failed - got timeout`);
      if (current.status !== 'running') return;
      if (await this.guestPowerdown(current, timeoutMs, ctx)) {
        if (ctx.task.status === 'running') this.powerOff(current);
        return;
      }
      if (!forceStop) throw new TaskError('VM quit/powerdown failed - got timeout');
      ctx.log('VM still running - terminating now with SIGTERM');
      await ctx.sleep(DURATION.stop);
      this.powerOff(current);
    });
  }

  private requireRunning(vm: VmState): void {
    if (vm.status !== 'running') throw die(`VM ${vm.vmid} not running`);
  }

  private rebootVm(p: Params, caller: Caller): string {
    const nodeName = String(p.node);
    const vmid = Number(p.vmid);
    const vm = this.loadVm(nodeName, vmid);
    this.requireRunning(vm);
    if (vm.qmpstatus === 'paused') throw die('VM is paused - cannot shutdown');
    const timeoutMs = (p.timeout === undefined ? 60 : Number(p.timeout)) * 1000;
    return this.startTask(nodeName, 'qmreboot', String(vmid), caller, async (ctx) => {
      await this.waitFlock(vmid);
      const current = this.reloadVm(nodeName, vmid);
      this.checkLock(current, false);
      await ctx.faultPoint(`VM ${vmid} qmp command 'system_powerdown' failed - got timeout`);
      if (!(await this.guestPowerdown(current, timeoutMs, ctx)))
        throw new TaskError('VM quit/powerdown failed - got timeout');
      this.powerOff(current);
      await ctx.sleep(DURATION.start);
      this.bootVm(current, ctx);
    });
  }

  private resetVm(p: Params, caller: Caller): string {
    const nodeName = String(p.node);
    const vmid = Number(p.vmid);
    this.requireRunning(this.loadVm(nodeName, vmid));
    return this.startTask(nodeName, 'qmreset', String(vmid), caller, async (ctx) => {
      const vm = this.reloadVm(nodeName, vmid);
      this.checkLock(vm, p.skiplock === 1);
      await ctx.faultPoint(`VM ${vmid} qmp command 'system_reset' failed - got timeout`);
      if (vm.status !== 'running') throw new TaskError(`VM ${vmid} not running`);
      await ctx.sleep(DURATION.reset);
      // QEMU keeps running: the guest reboots, pending changes and cloud-init stay as they are.
      const now = Date.now();
      vm.agentReadyAt = now + this.clock.realMs(DURATION.agentAfterStart);
      vm.networkReadyAt = now + this.clock.realMs(DURATION.networkAfterStart - DURATION.start);
      this.onChange();
    });
  }

  private suspendVm(p: Params, caller: Caller): string {
    const nodeName = String(p.node);
    const vmid = Number(p.vmid);
    this.requireRunning(this.loadVm(nodeName, vmid));
    const toDisk = p.todisk === 1;
    return this.startTask(nodeName, 'qmsuspend', String(vmid), caller, async (ctx) => {
      const vm = this.reloadVm(nodeName, vmid);
      this.checkLock(vm, p.skiplock === 1);
      await ctx.faultPoint(`VM ${vmid} qmp command 'stop' failed - got timeout`);
      if (vm.status !== 'running') throw new TaskError(`VM ${vmid} not running`);
      if (!toDisk) {
        await ctx.sleep(DURATION.suspend);
        vm.qmpstatus = 'paused';
        this.onChange();
        return;
      }
      vm.config.lock = 'suspending';
      ctx.log('suspend VM to disk');
      await ctx.sleep(DURATION.suspendToDisk);
      this.powerOff(vm);
      vm.config.lock = 'suspended';
      this.onChange();
    });
  }

  private resumeVm(p: Params, caller: Caller): string {
    const nodeName = String(p.node);
    const vmid = Number(p.vmid);
    const vm = this.loadVm(nodeName, vmid);
    const fromDisk = vm.config.lock === 'suspended';
    if (!fromDisk) this.requireRunning(vm);
    return this.startTask(nodeName, 'qmresume', String(vmid), caller, async (ctx) => {
      if (fromDisk) {
        await this.startWorker(nodeName, vmid, true, ctx);
        return;
      }
      const current = this.reloadVm(nodeName, vmid);
      this.checkLock(current, p.skiplock === 1);
      await ctx.faultPoint(`VM ${vmid} qmp command 'cont' failed - got timeout`);
      await ctx.sleep(DURATION.resume);
      current.qmpstatus = 'running';
      this.onChange();
    });
  }

  // ---------------------------------------------------------------- destroy and template

  private destroyVm(p: Params, caller: Caller): string {
    const nodeName = String(p.node);
    const vmid = Number(p.vmid);
    const vm = this.loadVm(nodeName, vmid);
    if (vm.config.protection) throw die(`can't remove VM ${vmid} - protection mode enabled`);
    if (vm.status === 'running') throw die(`VM ${vmid} is running - destroy failed`);
    return this.startTask(nodeName, 'qmdestroy', String(vmid), caller, async (ctx) => {
      await this.waitFlock(vmid);
      const current = this.reloadVm(nodeName, vmid);
      this.checkLock(current, p.skiplock === 1);
      if (current.status === 'running') throw new TaskError(`VM ${vmid} is running - destroy failed`);
      await ctx.faultPoint(`can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`);
      for (const [key, value] of Object.entries(current.config)) {
        if (!DISK_KEY_RE.test(key) && !/^unused\d+$/.test(key)) continue;
        const drive = parseDrive(String(value));
        if (!drive.volname || (isCdrom(drive) && !/cloudinit/.test(drive.volname))) continue;
        if (drive.volname.startsWith('base-') && !drive.volname.includes('/')) {
          const inUse = Object.values(this.state.vms).some(
            (other) =>
              other.vmid !== vmid &&
              Object.values(other.config).some((v) => String(v).includes(`${drive.volname}/`)),
          );
          if (inUse) throw new TaskError(`base volume '${drive.volname}' is still in use by linked cloned`);
        }
      }
      await ctx.sleep(DURATION.destroy);
      for (const [key, value] of Object.entries(current.config)) {
        if (!DISK_KEY_RE.test(key) && !/^unused\d+$/.test(key)) continue;
        const drive = parseDrive(String(value));
        if (!drive.volname || (isCdrom(drive) && !/cloudinit/.test(drive.volname))) continue;
        ctx.log(`  Logical volume "${drive.volname.split('/').pop()}" successfully removed.`);
      }
      if (p.purge === 1) ctx.log(`purging VM ${vmid} from related configurations..`);
      // The config goes last, so the VMID stays taken until the task ends.
      Reflect.deleteProperty(this.state.vms, String(vmid));
      this.onChange();
    });
  }

  private convertToTemplate(p: Params, caller: Caller): string {
    const nodeName = String(p.node);
    const vmid = Number(p.vmid);
    const vm = this.loadVm(nodeName, vmid);
    if (vm.config.template) throw die("you can't convert a template to a template");
    if (vm.status === 'running') throw die("you can't convert a VM to template if VM is running");
    return this.startTask(nodeName, 'qmtemplate', String(vmid), caller, async (ctx) => {
      const current = this.reloadVm(nodeName, vmid);
      this.checkLock(current, false);
      await ctx.faultPoint(`can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`);
      await ctx.sleep(DURATION.template);
      for (const [key, value] of Object.entries(current.config)) {
        if (!DISK_KEY_RE.test(key)) continue;
        const drive = parseDrive(String(value));
        if (!drive.volname || isCdrom(drive) || (p.disk !== undefined && p.disk !== key)) continue;
        const base = drive.volname.replace(/^vm-/, 'base-');
        ctx.log(`  Renamed "${drive.volname}" to "${base}" in volume group "pve"`);
        current.config[key] = String(value).replace(drive.volname, base);
      }
      current.config.template = 1;
      this.onChange();
    });
  }

  // ---------------------------------------------------------------- guest agent

  private async agentAvailable(vm: VmState): Promise<void> {
    if (vm.config.agent === undefined) throw die('No QEMU guest agent configured');
    if (vm.status !== 'running') throw die(`VM ${vm.vmid} is not running`);
    const now = Date.now();
    const ready =
      agentEnabled(vm.config.agent) &&
      vm.qmpstatus === 'running' &&
      vm.agentReadyAt !== undefined &&
      now >= vm.agentReadyAt &&
      !vmSelected(this.faults.agentNeverAnswers, vm.vmid);
    if (!ready) {
      // guest-ping waits for its timeout before PVE gives up.
      await this.clock.sleep(DURATION.agentPingTimeout);
      throw die('QEMU guest agent is not running');
    }
  }

  private guestIpv4(vm: VmState): { ip: string; prefix: number } {
    const ip = parseIpConfig(vm.cloudinitApplied.ipconfig0).ip;
    const cidr = ip ? /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(ip) : null;
    if (cidr) return { ip: cidr[1] ?? '', prefix: Number(cidr[2]) };
    // DHCP: a stable lease per VMID from the simulated bridge's pool.
    return { ip: `192.168.100.${(vm.vmid % 200) + 20}`, prefix: 24 };
  }

  private async agentInterfaces(p: Params): Promise<unknown> {
    const vm = this.loadVm(String(p.node), Number(p.vmid));
    await this.agentAvailable(vm);
    const net0 = splitPropertyString(String(vm.config.net0 ?? ''));
    const mac = (
      net0.find(([, v]) => /^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/.test(v))?.[1] ?? 'BC:24:11:00:00:00'
    ).toLowerCase();
    const macBytes = mac.split(':');
    const linkLocal =
      `fe80::${(parseInt(macBytes[0] ?? '0', 16) ^ 2).toString(16)}${macBytes[1]}:${macBytes[2]}ff:fe${macBytes[3]}:${macBytes[4]}${macBytes[5]}`.replace(
        /:0+([0-9a-f])/g,
        ':$1',
      );
    const uptime = this.uptime(vm);
    const stats = (rx: number, tx: number): Record<string, number> => ({
      'rx-bytes': rx,
      'rx-dropped': 0,
      'rx-errs': 0,
      'rx-packets': Math.floor(rx / 600),
      'tx-bytes': tx,
      'tx-dropped': 0,
      'tx-errs': 0,
      'tx-packets': Math.floor(tx / 600),
    });
    const addresses: Record<string, unknown>[] = [];
    if (vm.networkReadyAt !== undefined && Date.now() >= vm.networkReadyAt) {
      const v4 = this.guestIpv4(vm);
      addresses.push({ 'ip-address-type': 'ipv4', 'ip-address': v4.ip, prefix: v4.prefix });
      const ip6 = parseIpConfig(vm.cloudinitApplied.ipconfig0).ip6;
      const v6 = ip6 ? /^([0-9a-fA-F:]+)\/(\d+)$/.exec(ip6) : null;
      if (v6) addresses.push({ 'ip-address-type': 'ipv6', 'ip-address': v6[1], prefix: Number(v6[2]) });
    }
    addresses.push({ 'ip-address-type': 'ipv6', 'ip-address': linkLocal, prefix: 64 });
    return {
      result: [
        {
          name: 'lo',
          'hardware-address': '00:00:00:00:00:00',
          'ip-addresses': [
            { 'ip-address-type': 'ipv4', 'ip-address': '127.0.0.1', prefix: 8 },
            { 'ip-address-type': 'ipv6', 'ip-address': '::1', prefix: 128 },
          ],
          statistics: stats(uptime * 120, uptime * 120),
        },
        {
          name: 'eth0',
          'hardware-address': mac,
          'ip-addresses': addresses,
          statistics: stats(uptime * 2100, uptime * 900),
        },
      ],
    };
  }

  // ---------------------------------------------------------------- cloud-init views

  private cloudinitPending(vm: VmState): unknown[] {
    const effective = this.effectiveConfig(vm);
    const keys = new Set(
      [...Object.keys(vm.cloudinitApplied), ...Object.keys(effective)].filter(
        (k) => isCloudinitKey(k) || k === 'name',
      ),
    );
    return [...keys].sort().map((key) => {
      const entry: Record<string, unknown> = { key };
      const applied = vm.cloudinitApplied[key];
      const wanted = effective[key];
      if (applied !== undefined) entry.value = key === 'cipassword' ? '**********' : applied;
      if (wanted === undefined && applied !== undefined) entry.delete = 1;
      else if (wanted !== undefined && wanted !== applied)
        entry.pending = key === 'cipassword' ? '**********' : wanted;
      return entry;
    });
  }

  private cloudinitDump(vm: VmState, type: string): string {
    const config = this.effectiveConfig(vm);
    const hostname = String(config.name ?? `VM ${vm.vmid}`);
    if (type === 'meta')
      return `instance-id: ${createHash('sha1').update(JSON.stringify(config)).digest('hex')}\n`;
    if (type === 'network') {
      const ipconfig = parseIpConfig(config.ipconfig0);
      const lines = ['version: 1', 'config:', '    - type: physical', '      name: eth0', '      subnets:'];
      if (!ipconfig.ip || ipconfig.ip === 'dhcp') lines.push('      - type: dhcp4');
      else
        lines.push(
          '      - type: static',
          `        address: '${ipconfig.ip}'`,
          ...(ipconfig.gw ? [`        gateway: '${ipconfig.gw}'`] : []),
        );
      if (config.nameserver !== undefined)
        lines.push(
          '    - type: nameserver',
          '      address:',
          ...String(config.nameserver)
            .split(/[\s,;]+/)
            .map((a) => `      - '${a}'`),
        );
      return `${lines.join('\n')}\n`;
    }
    const lines = ['#cloud-config', `hostname: ${hostname}`, 'manage_etc_hosts: true', 'fqdn: ' + hostname];
    if (config.ciuser !== undefined) lines.push(`user: ${config.ciuser}`);
    if (config.cipassword !== undefined) lines.push(`password: ${config.cipassword}`);
    if (config.sshkeys !== undefined) {
      lines.push(
        'ssh_authorized_keys:',
        ...uriUnescape(String(config.sshkeys))
          .split('\n')
          .filter(Boolean)
          .map((k) => `  - ${k}`),
      );
    }
    lines.push(
      'chpasswd:',
      '  expire: False',
      `package_upgrade: ${config.ciupgrade === 0 ? 'false' : 'true'}`,
    );
    return `${lines.join('\n')}\n`;
  }

  // ---------------------------------------------------------------- rrd

  private rrdData(vm: VmState, timeframe: string, cf: string): unknown[] {
    const setup: Record<string, [number, number]> = {
      hour: [60, 60],
      day: [60, 1440],
      week: [1800, 336],
      month: [1800, 1440],
      year: [21600, 1440],
    };
    const [step, points] = setup[timeframe] ?? [60, 60];
    const last = Math.floor(Date.now() / 1000 / step) * step;
    const createdAt = Math.floor(vm.createdAt / 1000);
    const startedAt = vm.startedAt ? Math.floor(vm.startedAt / 1000) : Infinity;
    const maxmem = memoryMiB(vm.config.memory) * MiB;
    const maxdisk = this.bootDiskSize(vm.config);
    const factor = cf === 'MAX' ? 1.3 : 1;
    const rows: Record<string, number>[] = [];
    for (let i = points - 1; i >= 0; i--) {
      const time = last - i * step;
      if (time < createdAt - step) {
        rows.push({ time });
        continue;
      }
      const running = vm.status === 'running' && time >= startedAt - step;
      const w = this.wobble(vm.vmid, time, 1800);
      rows.push({
        time,
        maxcpu: this.vcpus(vm.config),
        cpu: running ? Number(((0.02 + 0.1 * w) * factor).toFixed(6)) : 0,
        maxmem,
        mem: running ? Math.floor(maxmem * (0.3 + 0.2 * w)) : 0,
        memhost: running ? Math.floor(maxmem * (0.32 + 0.2 * w)) : 0,
        maxdisk,
        disk: 0,
        netin: running ? Number((1500 + 3000 * w * factor).toFixed(2)) : 0,
        netout: running ? Number((600 + 1200 * w * factor).toFixed(2)) : 0,
        diskread: running ? Number((4096 * w * factor).toFixed(2)) : 0,
        diskwrite: running ? Number((16384 * w * factor).toFixed(2)) : 0,
        pressurecpusome: 0,
        pressurecpufull: 0,
        pressureiosome: 0,
        pressureiofull: 0,
        pressurememorysome: 0,
        pressurememoryfull: 0,
      });
    }
    return rows;
  }

  // ---------------------------------------------------------------- tasks

  private findTask(p: Params): TaskState {
    const upid = String(p.upid);
    const decoded = decodeUpid(upid);
    if (!decoded) throw paramError({ upid: 'unable to parse worker upid' });
    const task = this.tasks.find(upid);
    if (!task || task.node !== p.node) throw paramError({ upid: 'no such task' });
    return task;
  }

  private taskStatus(task: TaskState): Record<string, unknown> {
    const [user = task.user, tokenid] = task.user.split('!');
    return {
      upid: task.upid,
      node: task.node,
      pid: task.pid,
      pstart: task.pstart,
      starttime: task.starttime,
      type: task.type,
      id: task.id,
      user,
      ...(tokenid ? { tokenid } : {}),
      status: task.status,
      ...(task.status === 'stopped' ? { exitstatus: task.exitstatus } : {}),
    };
  }

  private taskList(p: Params, result: { total?: number }): unknown[] {
    const source = p.source === undefined ? 'archive' : String(p.source);
    const list = this.state.tasks
      .filter((t) => t.node === p.node)
      .filter((t) =>
        source === 'active' ? t.status === 'running' : source === 'archive' ? t.status === 'stopped' : true,
      )
      .filter((t) => p.vmid === undefined || t.id === String(p.vmid))
      .filter((t) => p.typefilter === undefined || t.type === p.typefilter)
      .filter((t) => p.userfilter === undefined || t.user.includes(String(p.userfilter)))
      .filter((t) => p.errors !== 1 || (t.exitstatus !== 'OK' && t.status === 'stopped'))
      .filter((t) => p.since === undefined || t.starttime >= Number(p.since))
      .filter((t) => p.until === undefined || t.starttime <= Number(p.until))
      .reverse();
    result.total = list.length;
    const start = p.start === undefined ? 0 : Number(p.start);
    const limit = p.limit === undefined ? 50 : Number(p.limit);
    return list.slice(start, start + limit).map((t) => ({
      upid: t.upid,
      node: t.node,
      pid: t.pid,
      pstart: t.pstart,
      starttime: t.starttime,
      type: t.type,
      id: t.id,
      user: t.user,
      ...(t.status === 'stopped' ? { status: t.exitstatus, endtime: t.endtime } : {}),
    }));
  }

  /** A deep copy of the whole state, for inspection. */
  snapshot(): ClusterState {
    return structuredClone(this.state);
  }
}

export { TaskError };
