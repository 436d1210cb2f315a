/**
 * Keel's Prometheus metrics: one registry per process, so an API process, each `pnpm worker` and the
 * embedded single process each expose what they did themselves. Labels are bounded by construction:
 * routes and PVE endpoints are templates (`/api/servers/:id`, `/nodes/{node}/qemu/{vmid}/config`),
 * never the raw URL, and every other label comes from a closed list.
 *
 * The metric names are what docs/grafana-keel.json queries; rename one and the dashboard goes blank.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const metricsRegistry = new Registry();

/** Request latencies from a cached REST read (~1 ms) to a slow sign-in (a KDF at ~100 ms, queued). */
const httpBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** PVE answers in milliseconds when idle and in seconds under a busy pveproxy. */
const pveBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** A job attempt: a power action in seconds, a clone with a start and an agent wait in minutes. */
const jobBuckets = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/** Requests by route template, method and status; its `_count` is the request counter. */
export const httpRequestDuration = new Histogram({
  name: 'keel_http_request_duration_seconds',
  help: 'HTTP requests by route template, method and status code, with their duration',
  labelNames: ['route', 'method', 'status'] as const,
  buckets: httpBuckets,
  registers: [metricsRegistry],
});

/** One attempt of a server job, by its kind and what came of it. */
export type JobOutcome = 'done' | 'retry' | 'failed' | 'lease_lost';

export const jobDuration = new Histogram({
  name: 'keel_job_duration_seconds',
  help: 'Server job attempts by kind and outcome (done, retry, failed, lease_lost), with their duration',
  labelNames: ['kind', 'outcome'] as const,
  buckets: jobBuckets,
  registers: [metricsRegistry],
});

export const jobsInQueue = new Gauge({
  name: 'keel_jobs',
  help: 'Server jobs waiting (queued, including those delayed for a retry) or running, read at scrape time',
  labelNames: ['state'] as const,
  registers: [metricsRegistry],
});

export const oldestQueuedJobAge = new Gauge({
  name: 'keel_jobs_oldest_queued_age_seconds',
  help: 'How long the job that has waited longest since it became due has been waiting (0 when none)',
  registers: [metricsRegistry],
});

/** A PVE call's result: `ok`, or the kind of PveError (transient, locked, not_found, auth, …). */
export const pveCallDuration = new Histogram({
  name: 'keel_pve_request_duration_seconds',
  help: 'Proxmox VE API calls by method, endpoint template and result (ok or the error kind), with their duration',
  labelNames: ['method', 'endpoint', 'result'] as const,
  buckets: pveBuckets,
  registers: [metricsRegistry],
});

export const reconcileRuns = new Counter({
  name: 'keel_reconcile_runs_total',
  help: 'Reconciliation passes against Proxmox VE by result (ok, error)',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});

/**
 * What a reconciliation pass found and acted on: a server whose VM PVE shows `running` or `stopped`
 * against Keel's status, a VM gone (`missing`), a suspended server's VM running (`suspended_running`).
 */
export const reconcileDrift = new Counter({
  name: 'keel_reconcile_drift_total',
  help: 'Differences between Keel and Proxmox VE found and corrected by reconciliation, by what was found',
  labelNames: ['found'] as const,
  registers: [metricsRegistry],
});

export type LoginFailureReason = 'unknown_email' | 'wrong_password' | 'disabled' | 'throttled' | 'busy';

export const loginFailures = new Counter({
  name: 'keel_login_failures_total',
  help: 'Refused sign-ins by reason (unknown_email, wrong_password, disabled, throttled, busy)',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
});

let defaultsCollected = false;

/**
 * Node's own metrics (CPU, memory, event-loop lag, GC, handles) under the usual `process_` and
 * `nodejs_` names. Started only where metrics are served: the event-loop monitor is not free.
 */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: metricsRegistry });
}

export interface QueueStats {
  queued: number;
  running: number;
  oldestQueuedAgeSeconds: number;
}

/** The text exposition, with the queue figures the caller read just before (null: could not). */
export async function renderMetrics(queue: QueueStats | null): Promise<string> {
  if (queue) {
    jobsInQueue.set({ state: 'queued' }, queue.queued);
    jobsInQueue.set({ state: 'running' }, queue.running);
    oldestQueuedJobAge.set(queue.oldestQueuedAgeSeconds);
  } else {
    // Unread (the database is away): no figure rather than the last one, which would look current.
    jobsInQueue.reset();
    oldestQueuedJobAge.reset();
  }
  return metricsRegistry.metrics();
}

export const metricsContentType = metricsRegistry.contentType;

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/**
 * Whether an `Authorization` header is `Bearer <token>` for this token. Both sides are hashed first,
 * so the comparison takes the same time whatever the length or content of the guess.
 */
export function bearerTokenMatches(header: string | undefined, token: string): boolean {
  const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
  const given = match?.[1] ?? '';
  return timingSafeEqual(sha256(given), sha256(token)) && match !== null;
}
