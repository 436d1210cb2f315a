/**
 * A typed client for the Proxmox VE calls Keel makes, and task waiting, over the transport in
 * transport.ts. The same code talks to the simulator in tests and to a real cluster in production.
 */
import { PveError } from './errors.ts';
import { TaskWatch } from './task-watch.ts';
import { PveTransport, type Params, type RequestOptions } from './transport.ts';
import type {
  AgentInterface,
  PveClusterNode,
  PveClusterVm,
  PveNode,
  PveNodeStorage,
  PveRrdRow,
  PveSnapshot,
  PveTaskResult,
  PveTaskStatus,
  PveVmStatus,
  PveVncProxy,
} from './types.ts';
import { parseUpid } from './upid.ts';

export type { PveClientOptions } from './transport.ts';

const toInt = (v: unknown): number => (typeof v === 'number' ? v : Number.parseInt(String(v), 10));

/** `sshkeys` is PVE's `urlencoded` format: newline-joined keys through encodeURIComponent, then form-encoded again. */
export function encodeSshKeys(keys: readonly string[]): string {
  return encodeURIComponent(keys.join('\n'));
}

export class PveClient extends PveTransport {
  // -- cluster and nodes --------------------------------------------------------------------------

  version(): Promise<{ version: string; release: string }> {
    return this.request('GET', '/version');
  }

  nodes(opts: RequestOptions = {}): Promise<PveNode[]> {
    return this.request('GET', '/nodes', {}, opts);
  }

  async clusterVms(): Promise<PveClusterVm[]> {
    const rows = await this.request<PveClusterVm[]>('GET', '/cluster/resources', { type: 'vm' });
    return rows.map((r) => ({ ...r, vmid: toInt(r.vmid) }));
  }

  /**
   * `GET /cluster/resources?type=node` (API2Tools.pm extract_node_stats): the figures of an online node
   * (cpu, maxcpu, mem, maxmem, disk and maxdisk of its root fs, uptime); an offline one has only
   * `id`, `node`, `status` and `type`.
   */
  async clusterNodes(): Promise<PveClusterNode[]> {
    return this.request<PveClusterNode[]>('GET', '/cluster/resources', { type: 'node' });
  }

  /** `GET /nodes/{node}/storage` (pve-storage API2/Storage/Status.pm index): the storages a node sees. */
  nodeStorages(node: string): Promise<PveNodeStorage[]> {
    return this.request('GET', `/nodes/${encodeURIComponent(node)}/storage`);
  }

  /** `vmid` free (returned) or taken (PveError already_exists). PVE sends the id as a string. */
  async nextId(vmid?: number): Promise<number> {
    return toInt(await this.request<string | number>('GET', '/cluster/nextid', { vmid }));
  }

  // -- VMs ----------------------------------------------------------------------------------------

  cloneVm(
    node: string,
    vmid: number,
    params: {
      newid: number;
      name?: string;
      target?: string;
      storage?: string;
      full?: boolean;
      description?: string;
    },
  ): Promise<string> {
    // A clone is never repeated blindly: a retry after an ambiguous failure could make a second VM.
    return this.request('POST', `/nodes/${node}/qemu/${vmid}/clone`, params, { retry: false });
  }

  async vmConfig(node: string, vmid: number): Promise<Record<string, string | number>> {
    return this.request('GET', `/nodes/${node}/qemu/${vmid}/config`);
  }

  /** Synchronous config update (PUT). Setting the same values twice is harmless, so it retries. */
  async updateVmConfig(node: string, vmid: number, params: Params): Promise<void> {
    await this.request('PUT', `/nodes/${node}/qemu/${vmid}/config`, params, { retry: true });
  }

  /** Returns the task's UPID, or null from PVE before 8.0 where resize was synchronous. */
  resizeDisk(node: string, vmid: number, disk: string, size: string): Promise<string | null> {
    return this.request('PUT', `/nodes/${node}/qemu/${vmid}/resize`, { disk, size }, { retry: false });
  }

  async vmStatus(node: string, vmid: number): Promise<PveVmStatus> {
    const status = await this.request<PveVmStatus>('GET', `/nodes/${node}/qemu/${vmid}/status/current`);
    return { ...status, vmid: toInt(status.vmid) };
  }

  startVm(node: string, vmid: number): Promise<string> {
    return this.request('POST', `/nodes/${node}/qemu/${vmid}/status/start`, {}, { retry: false });
  }

  stopVm(node: string, vmid: number): Promise<string> {
    return this.request('POST', `/nodes/${node}/qemu/${vmid}/status/stop`, {}, { retry: false });
  }

  shutdownVm(
    node: string,
    vmid: number,
    params: { timeout?: number; forceStop?: boolean } = {},
  ): Promise<string> {
    return this.request('POST', `/nodes/${node}/qemu/${vmid}/status/shutdown`, params, { retry: false });
  }

  rebootVm(node: string, vmid: number): Promise<string> {
    return this.request('POST', `/nodes/${node}/qemu/${vmid}/status/reboot`, {}, { retry: false });
  }

  deleteVm(node: string, vmid: number): Promise<string> {
    return this.request(
      'DELETE',
      `/nodes/${node}/qemu/${vmid}`,
      { purge: true, 'destroy-unreferenced-disks': true },
      { retry: false },
    );
  }

  async agentInterfaces(node: string, vmid: number): Promise<AgentInterface[]> {
    const data = await this.request<{ result: AgentInterface[] }>(
      'GET',
      `/nodes/${node}/qemu/${vmid}/agent/network-get-interfaces`,
      {},
      { retry: false },
    );
    return data.result;
  }

  /** The VM's RRD rows for a timeframe, oldest first (consolidated with `cf`, AVERAGE by default). */
  rrdData(
    node: string,
    vmid: number,
    timeframe: 'hour' | 'day' | 'week' | 'month' | 'year',
    cf: 'AVERAGE' | 'MAX' = 'AVERAGE',
  ): Promise<PveRrdRow[]> {
    return this.request('GET', `/nodes/${node}/qemu/${vmid}/rrddata`, { timeframe, cf });
  }

  // -- console ------------------------------------------------------------------------------------

  /**
   * Starts a VNC proxy for one WebSocket connection (PVE waits 10 s for it). Not repeated: each call
   * starts a task and takes a port.
   */
  async vncProxy(node: string, vmid: number): Promise<PveVncProxy> {
    const answer = await this.request<PveVncProxy>(
      'POST',
      `/nodes/${node}/qemu/${vmid}/vncproxy`,
      { websocket: true },
      { retry: false },
    );
    return { ...answer, port: toInt(answer.port) };
  }

  /** Opens `…/vncwebsocket` for a proxy from vncProxy, over this client's (pinned) connection; paused until resumed. */
  openVncWebSocket(node: string, vmid: number, proxy: Pick<PveVncProxy, 'port' | 'ticket'>) {
    return this.openWebSocket(`/nodes/${node}/qemu/${vmid}/vncwebsocket`, {
      port: proxy.port,
      vncticket: proxy.ticket,
    });
  }

  // -- self-service: snapshots, passwords, cloud-init ----------------------------------------------

  /** `GET …/feature` (Qemu.pm vm_feature): whether every volume of the VM supports `feature`. */
  async vmFeature(node: string, vmid: number, feature: 'snapshot' | 'clone' | 'copy'): Promise<boolean> {
    const data = await this.request<{ hasFeature: boolean | number }>(
      'GET',
      `/nodes/${node}/qemu/${vmid}/feature`,
      { feature },
    );
    return Boolean(data.hasFeature);
  }

  /** `GET …/snapshot`: the snapshots and, last, `current` (the running state), which callers skip. */
  async snapshots(node: string, vmid: number): Promise<PveSnapshot[]> {
    const rows = await this.request<PveSnapshot[]>('GET', `/nodes/${node}/qemu/${vmid}/snapshot`);
    return rows.map((r) => ({ ...r, snaptime: r.snaptime === undefined ? undefined : toInt(r.snaptime) }));
  }

  createSnapshot(
    node: string,
    vmid: number,
    params: { snapname: string; description?: string },
  ): Promise<string> {
    return this.request('POST', `/nodes/${node}/qemu/${vmid}/snapshot`, params, { retry: false });
  }

  rollbackSnapshot(node: string, vmid: number, snapname: string): Promise<string> {
    return this.request(
      'POST',
      `/nodes/${node}/qemu/${vmid}/snapshot/${encodeURIComponent(snapname)}/rollback`,
      {},
      { retry: false },
    );
  }

  deleteSnapshot(node: string, vmid: number, snapname: string): Promise<string> {
    return this.request(
      'DELETE',
      `/nodes/${node}/qemu/${vmid}/snapshot/${encodeURIComponent(snapname)}`,
      {},
      { retry: false },
    );
  }

  /**
   * `POST …/agent/set-user-password` with `crypted`: the guest's chpasswd -e takes the hash as given,
   * so the password itself never leaves Keel. Setting the same hash twice is harmless.
   */
  async agentSetUserPassword(node: string, vmid: number, username: string, hash: string): Promise<void> {
    await this.request(
      'POST',
      `/nodes/${node}/qemu/${vmid}/agent/set-user-password`,
      { username, password: hash, crypted: true },
      { retry: false },
    );
  }

  /** `PUT …/cloudinit`: regenerates the cloud-init drive from the current config. */
  async regenerateCloudinit(node: string, vmid: number): Promise<void> {
    await this.request('PUT', `/nodes/${node}/qemu/${vmid}/cloudinit`, {}, { retry: true });
  }

  /** `GET …/pending`: each config key, with `pending` or `delete` where a change waits for a reboot. */
  pendingConfig(
    node: string,
    vmid: number,
  ): Promise<{ key: string; value?: unknown; pending?: unknown; delete?: number }[]> {
    return this.request('GET', `/nodes/${node}/qemu/${vmid}/pending`);
  }

  // -- tasks --------------------------------------------------------------------------------------

  /**
   * `GET /nodes/{node}/tasks` with `source=all` (running and finished): the node's tasks on `vmid` of
   * one type started at `since` (epoch seconds) or later, newest first.
   */
  async tasksSince(
    node: string,
    filter: { vmid: number; type: string; since: number },
  ): Promise<{ upid: string; starttime: number; type: string }[]> {
    const rows = await this.request<{ upid: string; starttime: number | string; type: string }[]>(
      'GET',
      `/nodes/${node}/tasks`,
      { vmid: filter.vmid, typefilter: filter.type, since: filter.since, source: 'all', limit: 50 },
    );
    return rows.map((r) => ({ ...r, starttime: toInt(r.starttime) }));
  }

  taskStatus(node: string, upid: string): Promise<PveTaskStatus> {
    return this.request('GET', `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`);
  }

  async taskLog(node: string, upid: string, limit = 50): Promise<string[]> {
    const lines = await this.request<{ n: number; t: string }[]>(
      'GET',
      `/nodes/${node}/tasks/${encodeURIComponent(upid)}/log`,
      {
        start: 0,
        limit,
      },
    );
    return lines.map((l) => l.t);
  }

  /**
   * `GET /nodes/{node}/tasks?source=active`: the node's running tasks, and those just finished (with
   * their exit status in `status`) that PVE has not archived yet.
   */
  activeTasks(node: string): Promise<{ upid: string; status?: string }[]> {
    return this.request('GET', `/nodes/${encodeURIComponent(node)}/tasks`, {
      source: 'active',
      limit: 10_000,
    });
  }

  private tasks: TaskWatch | undefined;

  /**
   * Waits until a task stops or `timeoutMs` passes, looking every poll interval; the tasks waited for
   * on one node are looked at together (task-watch.ts). `WARNINGS: N` is success. A failed task's
   * result carries its exit status (PVE's error text).
   */
  async waitForTask(upid: string, timeoutMs: number): Promise<PveTaskResult> {
    const parsed = parseUpid(upid);
    if (!parsed) throw new PveError(0, `not a PVE task id: ${upid}`, 'permanent');
    this.tasks ??= new TaskWatch(this, this.pollMs);
    const result = await this.tasks.wait(parsed.node, upid, timeoutMs);
    if (result) return result;
    const limit = timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`;
    throw new PveError(
      0,
      `the PVE task ${parsed.type} (${upid}) did not finish within ${limit}`,
      'transient',
    );
  }
}
