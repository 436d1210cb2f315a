// Fault injection settings and the pure decisions made from them.
import { z } from 'zod';

const rate = z.number().min(0).max(1);
const taskFault = z.object({
  rate,
  /** Task types (`qmclone`, `qmstart`, ...) the fault applies to; all when absent. */
  types: z.array(z.string()).optional(),
  message: z.string().optional(),
});

export const routeFaultSchema = z.object({
  /** HTTP method; any when absent. */
  method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).optional(),
  /** A route template from the schema (`/nodes/{node}/qemu/{vmid}/clone`) or `*` for every route. */
  path: z.string(),
  rate,
  status: z.number().int().min(400).max(599).default(500),
  message: z.string().default("can't lock file '/var/lock/pve-manager/pve-sim.lck' - got timeout"),
});

const vmSelector = z.union([z.boolean(), z.array(z.number().int())]);

export const faultConfigSchema = z.object({
  routeErrors: z.array(routeFaultSchema).default([]),
  /** Extra real (unscaled) latency added to every /api2 request. */
  latencyMs: z
    .object({ min: z.number().min(0), max: z.number().min(0) })
    .nullable()
    .default(null),
  taskFailure: taskFault.nullable().default(null),
  taskWarning: taskFault.nullable().default(null),
  taskHang: taskFault.nullable().default(null),
  /** Guests that ignore ACPI power-down: true for all, or a list of VMIDs. */
  ignoreAcpi: vmSelector.default(false),
  /** Guests whose agent never answers: true for all, or a list of VMIDs. */
  agentNeverAnswers: vmSelector.default(false),
  /**
   * Extra simulated ms a clone worker takes, holding the new VMID's flock, before its temporary
   * config exists (a slow pmxcfs): widens the window in which a second clone of that VMID still gets
   * a UPID and then fails on the flock.
   */
  cloneConfigDelayMs: z.number().min(0).default(0),
  /**
   * Simulated ms by which `/cluster/resources` lags: each guest's status there is the one it had that
   * long ago, as real PVE serves pvestatd's last sample (taken every 10 s) rather than the live state.
   * `status/current` stays live. 0 (the default) serves live statuses.
   */
  resourcesStaleMs: z.number().min(0).default(0),
  /**
   * Epoch ms (wall time): `/cluster/resources` serves the guests' statuses as they were then, whatever
   * happens after, until the fault is cleared: one sample held still, for tests that must be sure
   * the sample they act on is stale. Null (the default) for none.
   */
  resourcesSampledAt: z.number().int().min(0).nullable().default(null),
});

export type RouteFault = z.output<typeof routeFaultSchema>;
export type FaultConfig = z.output<typeof faultConfigSchema>;
export type FaultConfigInput = z.input<typeof faultConfigSchema>;
export type TaskFault = z.output<typeof taskFault>;

export const noFaults = (): FaultConfig => faultConfigSchema.parse({});

export function vmSelected(selector: boolean | number[], vmid: number): boolean {
  return selector === true || (Array.isArray(selector) && selector.includes(vmid));
}

export function routeFaultFor(
  faults: FaultConfig,
  method: string,
  routePath: string,
  random: () => number,
): RouteFault | undefined {
  for (const fault of faults.routeErrors) {
    if (fault.method && fault.method !== method) continue;
    if (fault.path !== '*' && fault.path !== routePath) continue;
    if (random() < fault.rate) return fault;
  }
  return undefined;
}

export function taskFaultApplies(fault: TaskFault | null, type: string, random: () => number): boolean {
  if (!fault) return false;
  if (fault.types && !fault.types.includes(type)) return false;
  return random() < fault.rate;
}

export function pickLatency(faults: FaultConfig, random: () => number): number {
  if (!faults.latencyMs) return 0;
  const { min, max } = faults.latencyMs;
  return min + (Math.max(min, max) - min) * random();
}

/** A seeded PRNG (mulberry32) so fault tests can be reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
