// Entry point: starts the Proxmox VE API simulator in-process (tests, Keel's embedded mode).
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import {
  loadState,
  saveState,
  seedCluster,
  type ClusterState,
  type TaskState,
  type VmState,
} from './cluster.ts';
import { faultConfigSchema, seededRandom, type FaultConfig, type FaultConfigInput } from './faults.ts';
import type { PveStateVm } from '../whmcs/manifest.ts';
import { importVms } from './import.ts';
import { Simulator } from './simulator.ts';
import { ensureNodeCertificate } from './tls.ts';
import { mergeFaults, publicState, type PublicState } from './admin.ts';
import { Transport } from './transport.ts';

export type { FaultConfig, FaultConfigInput } from './faults.ts';
export type { PublicState } from './admin.ts';
export type { VmState, TaskState } from './cluster.ts';

export interface PveSimOptions {
  port?: number;
  host?: string;
  nodes?: number;
  statePath?: string;
  speed?: number;
  http?: boolean;
  certDir?: string;
  logger?: Logger;
  /** Seed for the fault and jitter random source; Math.random when absent. */
  seed?: number;
  /** Existing VMs to add at start (e.g. the WHMCS seeder's pve-state.json `vms`); see import.ts. */
  vms?: readonly PveStateVm[];
}

/** In-process control of the simulator, the same powers as the /_sim/ HTTP API. */
export interface PveSimHandle {
  readonly speed: number;
  faults(): FaultConfig;
  /** Replaces all faults (unset fields take their defaults: no fault). */
  setFaults(faults: FaultConfigInput): FaultConfig;
  /** Changes only the given fault fields. */
  updateFaults(patch: Partial<FaultConfigInput>): FaultConfig;
  clearFaults(): void;
  /** A deep copy of the whole state: nodes, storages, VMs, tasks and locks (no credentials). */
  state(): PublicState;
  vm(vmid: number): VmState | undefined;
  task(upid: string): TaskState | undefined;
  /** Resolves when the task has stopped (never for a hung task). */
  waitForTask(upid: string): Promise<TaskState>;
  /** Rebuilds the seeded cluster and clears faults; credentials stay. */
  reset(): void;
  routes(): { method: string; path: string }[];
}

export interface PveSim {
  /** Base URL without `/api2/json`, as an operator sets PVE_URL. */
  url: string;
  /** `USER@REALM!TOKENID`. */
  tokenId: string;
  tokenSecret: string;
  /** SHA-256 fingerprint of the certificate served, colon-separated uppercase hex; null with http (GET /nodes still reports the node certificate's). */
  fingerprint: string | null;
  /** Secret for the /_sim/ admin API (header `X-Sim-Admin`). */
  adminSecret: string;
  /** Password login for POST /access/ticket. */
  username: string;
  password: string;
  sim: PveSimHandle;
  stop(): Promise<void>;
}

export async function startPveSim(opts: PveSimOptions = {}): Promise<PveSim> {
  const host = opts.host ?? '127.0.0.1';
  const speed = opts.speed ?? 1;
  const nodeCount = opts.nodes ?? 2;
  const loaded = opts.statePath ? loadState(opts.statePath) : undefined;
  const state: ClusterState = loaded ?? seedCluster(nodeCount);
  // VMs already in a persisted state (imported at an earlier start) stay as they are.
  if (opts.vms)
    importVms(
      state,
      opts.vms.filter((vm) => !state.vms[String(vm.vmid)]),
    );
  const certDir = opts.certDir ?? (opts.statePath ? dirname(opts.statePath) : join(tmpdir(), 'keel-pve-sim'));
  // The node certificate exists even when the simulator serves plain HTTP (as PVE behind a proxy):
  // GET /nodes always reports its fingerprint.
  const nodeCertificate = await ensureNodeCertificate(certDir);
  const certificate = opts.http ? undefined : nodeCertificate;
  const fingerprint = certificate?.fingerprint ?? null;

  let saveTimer: NodeJS.Timeout | undefined;
  const persist = (): void => {
    if (!opts.statePath) return;
    try {
      saveState(opts.statePath, state);
    } catch (err) {
      opts.logger?.error({ err, statePath: opts.statePath }, 'pve simulator could not save its state');
    }
  };
  const onChange = (): void => {
    if (!opts.statePath || saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      persist();
    }, 50);
  };

  const sim = new Simulator({
    state,
    speed,
    fingerprint: nodeCertificate.fingerprint,
    onChange,
    ...(opts.seed !== undefined ? { random: seededRandom(opts.seed) } : {}),
  });
  const reset = (): void => {
    const fresh = seedCluster(state.nodes.length);
    const secrets = state.secrets;
    Object.assign(state, fresh, { secrets });
    sim.faults = faultConfigSchema.parse({});
    onChange();
  };
  const transport = new Transport({ sim, state, reset, ...(opts.logger ? { logger: opts.logger } : {}) });
  const listener = (
    req: Parameters<Transport['handle']>[0],
    res: Parameters<Transport['handle']>[1],
  ): void => {
    transport.handle(req, res).catch((err: unknown) => {
      opts.logger?.error({ err }, 'pve simulator request failed');
      if (!res.headersSent) res.writeHead(500, 'Internal Server Error');
      res.end();
    });
  };
  const server: Server = certificate
    ? createHttpsServer({ key: certificate.key, cert: certificate.cert }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8006, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `${certificate ? 'https' : 'http'}://${urlHost}:${port}`;
  persist();
  opts.logger?.info(
    { url, nodes: state.nodes.map((n) => n.name), speed, statePath: opts.statePath },
    'pve simulator listening',
  );

  const handle: PveSimHandle = {
    speed,
    faults: () => structuredClone(sim.faults),
    setFaults: (faults) => {
      sim.faults = faultConfigSchema.parse(faults);
      return structuredClone(sim.faults);
    },
    updateFaults: (patch) => {
      sim.faults = mergeFaults(sim.faults, patch);
      return structuredClone(sim.faults);
    },
    clearFaults: () => {
      sim.faults = faultConfigSchema.parse({});
    },
    state: () => publicState(sim.snapshot()),
    vm: (vmid) => {
      const vm = state.vms[String(vmid)];
      return vm ? structuredClone(vm) : undefined;
    },
    task: (upid) => {
      const task = sim.tasks.find(upid);
      return task ? structuredClone(task) : undefined;
    },
    waitForTask: async (upid) => {
      await sim.tasks.finished(upid);
      const task = sim.tasks.find(upid);
      if (!task) throw new Error(`no such task ${upid}`);
      return structuredClone(task);
    },
    reset,
    routes: () => sim.routeTable(),
  };

  let stopped = false;
  return {
    url,
    tokenId: state.secrets.tokenId,
    tokenSecret: state.secrets.tokenSecret,
    fingerprint,
    adminSecret: state.secrets.adminSecret,
    username: 'root@pam',
    password: state.secrets.rootPassword,
    sim: handle,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      sim.stop();
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = undefined;
      persist();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      opts.logger?.info({ url }, 'pve simulator stopped');
    },
  };
}
