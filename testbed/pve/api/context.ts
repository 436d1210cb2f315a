// The shared context every API section works over: the cluster state, the clock, the task runner,
// fault settings, and the lookups PVE's handlers start with (node, VM config, storage, locks).
import { BandwidthScheduler, type SimClock } from '../clock.ts';
import {
  MiB,
  storageVisibleOn,
  type ClusterState,
  type NodeState,
  type StorageState,
  type VmState,
} from '../cluster.ts';
import type { FaultConfig } from '../faults.ts';
import type { HttpMethod } from '../api-subset.ts';
import type { ParamValue } from '../schema.ts';
import type { TaskRunner, WorkerContext } from '../tasks.ts';
import { TaskError, die } from './errors.ts';

export type Params = Record<string, ParamValue>;

export interface Caller {
  user: string; // user@realm
  tokenid?: string;
}

export interface HandlerContext {
  p: Params;
  caller: Caller;
  result: { total?: number };
}

export interface Route {
  method: HttpMethod;
  path: string;
  handler: (call: HandlerContext) => unknown;
}

// Simulated durations (ms at speed 1); exported for benchmarks that compute ideal times.
export const DURATION = {
  /** From the clone's UPID to its temporary config: fork, the source's and the new VMID's flocks. */
  cloneWorkerStart: 200,
  /** clone_vm takes the new VMID's flock with a 1 s timeout. */
  cloneFlockTimeout: 1000,
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

export interface SimContextOptions {
  state: ClusterState;
  clock: SimClock;
  tasks: TaskRunner;
  faults: () => FaultConfig;
  random: () => number;
  /** The node certificate's SHA-256 fingerprint, as GET /nodes reports it. */
  fingerprint: string;
  onChange: () => void;
}

export class SimContext {
  readonly state: ClusterState;
  readonly clock: SimClock;
  readonly tasks: TaskRunner;
  readonly faults: () => FaultConfig;
  readonly random: () => number;
  readonly fingerprint: string;
  readonly onChange: () => void;
  /** Config flocks held by workers, by `node/vmid` (qemu-server lock_config). */
  private readonly flocks = new Map<string, Promise<void>>();
  private readonly bandwidth = new Map<string, BandwidthScheduler>();

  constructor(opts: SimContextOptions) {
    this.state = opts.state;
    this.clock = opts.clock;
    this.tasks = opts.tasks;
    this.faults = opts.faults;
    this.random = opts.random;
    this.fingerprint = opts.fingerprint;
    this.onChange = opts.onChange;
  }

  stop(): void {
    for (const scheduler of this.bandwidth.values()) scheduler.stop();
  }

  findNode(name: string): NodeState | undefined {
    return this.state.nodes.find((n) => n.name === name);
  }

  node(name: string): NodeState {
    const node = this.findNode(name);
    if (!node) throw die(`no such cluster node '${name}'`);
    return node;
  }

  /** load_config: a VM is only found on the node that holds its config. */
  loadVm(node: string, vmid: number): VmState {
    const vm = this.state.vms[String(vmid)];
    if (!vm || vm.node !== node)
      throw die(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
    return vm;
  }

  /** Re-reads a VM inside a worker, after its flock: it may have gone meanwhile. */
  reloadVm(node: string, vmid: number): VmState {
    try {
      return this.loadVm(node, vmid);
    } catch (err) {
      throw new TaskError((err as Error).message);
    }
  }

  storagesOn(node: string): StorageState[] {
    return this.state.storages.filter((s) => storageVisibleOn(s, node));
  }

  storage(node: string, id: string): StorageState {
    const storage = this.storagesOn(node).find((s) => s.storage === id);
    if (!storage) throw die(`storage '${id}' does not exist`);
    return storage;
  }

  scheduler(node: string): BandwidthScheduler {
    let scheduler = this.bandwidth.get(node);
    if (!scheduler) {
      scheduler = new BandwidthScheduler(this.clock, STORAGE_BANDWIDTH);
      this.bandwidth.set(node, scheduler);
    }
    return scheduler;
  }

  startTask(
    nodeName: string,
    type: string,
    id: string,
    caller: Caller,
    worker: (ctx: WorkerContext) => Promise<void>,
  ): string {
    const user = caller.tokenid ? `${caller.user}!${caller.tokenid}` : caller.user;
    return this.tasks.start(this.node(nodeName), type, id, user, worker).upid;
  }

  checkLock(vm: VmState, skiplock: boolean): void {
    const lock = vm.config.lock;
    if (lock !== undefined && !skiplock) throw new TaskError(`VM is locked (${lock})`);
  }

  /** The config flock's timeout, as lock_config's default. */
  private lockTimeout(vmid: number): TaskError {
    return new TaskError(`can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`);
  }

  /**
   * lock_config_full: waits up to `timeoutMs` for the VMID's config flock on the worker's node and
   * holds it until the returned release is called. The wait is logged as lock_file_full prints it.
   */
  async lockConfig(worker: WorkerContext, vmid: number, timeoutMs: number): Promise<() => void> {
    await this.waitFlock(worker, vmid, timeoutMs);
    const key = `${worker.task.node}/${vmid}`;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.flocks.set(key, held);
    return () => {
      if (this.flocks.get(key) === held) this.flocks.delete(key);
      release();
    };
  }

  /**
   * Waits until no worker on this node holds the VMID's config flock (lock_config, 10 s). The
   * flock is a file under the node's own /var/lock, so workers on other nodes never meet it.
   */
  async waitFlock(
    worker: WorkerContext,
    vmid: number,
    timeoutMs: number = DURATION.flockTimeout,
  ): Promise<void> {
    const key = `${worker.task.node}/${vmid}`;
    if (!this.flocks.has(key)) return;
    worker.log('trying to acquire lock...');
    const timeout = this.clock.sleep(timeoutMs).then(() => 'timeout' as const);
    for (let held = this.flocks.get(key); held; held = this.flocks.get(key)) {
      const outcome = await Promise.race([held.then(() => 'released' as const), timeout]);
      if (outcome === 'timeout') throw this.lockTimeout(vmid);
    }
  }

  /** assert_config_exists_on_node, as check_running does it before any power change. */
  assertConfigOnNode(node: string, vmid: number): void {
    const vm = this.state.vms[String(vmid)];
    if (!vm || vm.node !== node)
      throw die(`unable to find configuration file for VM ${vmid} on node '${node}'`);
  }
}
