// The simulator's own admin API under /_sim/ (faults, state, reset), guarded by the admin secret.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { ClusterState } from './cluster.ts';
import { faultConfigSchema, type FaultConfig } from './faults.ts';
import type { Simulator } from './simulator.ts';

export interface AdminReply {
  status: number;
  reason: string;
  json: unknown;
}

export function mergeFaults(current: FaultConfig, patch: unknown): FaultConfig {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw new Error('fault patch must be an object');
  }
  return faultConfigSchema.parse({ ...current, ...(patch as Record<string, unknown>) });
}

export interface PublicState {
  clusterName: string;
  nodes: ClusterState['nodes'];
  storages: ClusterState['storages'];
  vms: ClusterState['vms'];
  tasks: ClusterState['tasks'];
  locks: { vmid: number; node: string; lock: string }[];
  /** vncproxy's listening and connected consoles (never their ticket or password). */
  consoles: Record<string, unknown>[];
}

/** The state without credentials, plus the current config locks. */
export function publicState(state: ClusterState, consoles: Record<string, unknown>[] = []): PublicState {
  const locks = Object.values(state.vms)
    .filter((vm) => vm.config.lock !== undefined)
    .map((vm) => ({ vmid: vm.vmid, node: vm.node, lock: String(vm.config.lock) }));
  return {
    clusterName: state.clusterName,
    nodes: state.nodes,
    storages: state.storages,
    vms: state.vms,
    tasks: state.tasks,
    locks,
    consoles,
  };
}

// eslint-disable-next-line @typescript-eslint/require-await -- async like the other handlers the transport awaits
export async function handleAdmin(
  req: IncomingMessage,
  url: URL,
  body: string,
  sim: Simulator,
  adminSecret: string,
  reset: () => void,
): Promise<AdminReply> {
  const given = String(req.headers['x-sim-admin'] ?? '');
  if (given.length !== adminSecret.length || !timingSafeEqual(Buffer.from(given), Buffer.from(adminSecret))) {
    return {
      status: 403,
      reason: 'simulator admin secret required',
      json: { error: 'simulator admin secret required (header X-Sim-Admin)' },
    };
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const json = (): unknown => (body.length > 0 ? JSON.parse(body) : {});
  const route = `${method} ${url.pathname.replace(/\/+$/, '')}`;
  const ok = (data: unknown): AdminReply => ({ status: 200, reason: 'OK', json: { data } });
  try {
    switch (route) {
      case 'GET /_sim/state':
        return ok(publicState(sim.snapshot(), sim.vnc.list()));
      case 'GET /_sim/faults':
        return ok(sim.faults);
      case 'PUT /_sim/faults':
        sim.faults = faultConfigSchema.parse(json());
        return ok(sim.faults);
      case 'POST /_sim/faults':
        sim.faults = mergeFaults(sim.faults, json());
        return ok(sim.faults);
      case 'DELETE /_sim/faults':
        sim.faults = faultConfigSchema.parse({});
        return ok(sim.faults);
      case 'POST /_sim/reset':
        reset();
        return ok(null);
      default:
        return { status: 404, reason: 'Not Found', json: { error: `no simulator route ${route}` } };
    }
  } catch (err) {
    const message =
      err instanceof z.ZodError ? z.prettifyError(err) : err instanceof Error ? err.message : String(err);
    return { status: 400, reason: 'Bad Request', json: { error: message } };
  }
}
