/**
 * The job worker: a setInterval poller (woken early by LISTEN/NOTIFY) that claims jobs with SKIP
 * LOCKED, renews their leases while it works, retries with backoff, and on SIGTERM stops claiming,
 * lets running jobs finish for a grace period and hands back the rest.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Database, DatabaseHandle } from '../db/client.ts';
import { afterFailedAttempt, LeaseLostError } from '../domain/retry-policy.ts';
import {
  claimJob,
  jobsChannel,
  releaseJob,
  renewLeases,
  scheduleRetry,
  type ClaimedJob,
} from '../jobs/queue.ts';
import { jobDuration, reconcileRuns, type JobOutcome } from '../lib/metrics.ts';
import { Semaphore } from '../lib/semaphore.ts';
import type { PveClient } from '../pve/client.ts';
import { clusterOfServer, PveRegistry } from '../pve/registry.ts';
import { failServer, jobHandlers } from './handlers.ts';
import { JobContext, NodeSlots, defaultTimings, type WorkerTimings } from './job-context.ts';
import { reconcileClusters } from './reconcile.ts';

/** The worker settings an operator can set: how much it does at once, and its timings. */
export function workerSettings(
  config: Config,
): Pick<WorkerOptions, 'concurrency' | 'tasksPerNode' | 'copiesPerNode' | 'timings'> {
  return {
    concurrency: config.WORKER_CONCURRENCY,
    tasksPerNode: config.PVE_TASKS_PER_NODE,
    copiesPerNode: config.PVE_COPIES_PER_NODE,
    timings: {
      shutdownTimeoutS: config.SHUTDOWN_TIMEOUT_S,
      suspendGraceS: config.SUSPEND_GRACE_S,
      reconcileMs: config.RECONCILE_INTERVAL_MS,
      tickMs: config.WORKER_TICK_MS,
      leaseMs: config.WORKER_LEASE_MS,
    },
  };
}

export interface WorkerOptions {
  database: DatabaseHandle;
  /** The default cluster's client (PVE_URL, or the built-in simulator). */
  pve: PveClient;
  /** Every cluster's client; built from `pve` and the database when absent (no registered cluster then works without the key). */
  clusters?: PveRegistry;
  log: Logger;
  /** Jobs doing work at once; a job waiting on PVE does not count (see WorkPlaces). */
  concurrency?: number;
  /** PVE tasks at once per node other than disk copies. */
  tasksPerNode?: number;
  /** Disk copies (clones) at once per node: they share the node's storage bandwidth. */
  copiesPerNode?: number;
  timings?: Partial<WorkerTimings>;
  /** Run the periodic reconciliation with PVE in this worker. */
  reconcile?: boolean;
}

export interface Worker {
  readonly id: string;
  /** Claim now instead of at the next tick. */
  wake(): void;
  /** Stop claiming; wait up to `graceMs` for running jobs, then release what is left. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Jobs one worker holds at once, working or waiting. Waiting ones cost a share of one lease renewal
 * statement; beyond this many the queue keeps the rest for other workers.
 */
const maxHeldJobs = 1000;

export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const db: Database = options.database.db;
  const timings = { ...defaultTimings, ...options.timings };
  const concurrency = options.concurrency ?? 8;
  const log = options.log.child({ workerId: id });
  const clusters = options.clusters ?? new PveRegistry({ db, defaultClient: options.pve, log: options.log });
  const nodeSlots = new NodeSlots({ vm: options.tasksPerNode ?? 16, copy: options.copiesPerNode ?? 4 });
  const work = new Semaphore(concurrency);
  const running = new Map<number, { job: ClaimedJob; abort: AbortController; done: Promise<void> }>();
  let stopping = false;
  let claiming = false;
  let again = false;
  // The last claim stopped for want of a place, not of jobs: a place given back should claim again.
  let placesRanOut = false;
  const places = {
    acquire: () => work.acquire(),
    release() {
      work.release();
      if (placesRanOut) void claimLoop();
    },
  };

  // One statement renews the leases of every job held here, however many wait on PVE.
  const renew = setInterval(
    () => {
      const held = [...running.keys()];
      if (held.length === 0) return;
      renewLeases(db, held, id, timings.leaseMs)
        .then((kept) => {
          for (const jobId of held) if (!kept.has(jobId)) running.get(jobId)?.abort.abort();
        })
        .catch((err: unknown) => log.warn({ err }, 'could not renew the leases'));
    },
    Math.max(50, timings.leaseMs / 3),
  );

  async function runJob(job: ClaimedJob, abort: AbortController): Promise<void> {
    // Taken synchronously when free, before the next claim: a job starts out working.
    await work.acquire();
    // The server's cluster: its VM lives there for good (servers.cluster_id, set when it was ordered).
    // A cluster that cannot be reached now fails the attempt like a PVE error would: retried, then error.
    let clusterId: string | null = null;
    let pve: PveClient | undefined;
    let noCluster: Error | null = null;
    try {
      clusterId = await clusterOfServer(db, job.serverId);
      pve = await clusters.forCluster(clusterId);
    } catch (err) {
      noCluster = err as Error;
    }
    const ctx = new JobContext(
      db,
      pve ?? options.pve,
      job,
      id,
      timings,
      abort.signal,
      log,
      nodeSlots,
      places,
      clusterId,
    );
    ctx.log.info({ attempt: job.attempts, step: job.step }, 'job claimed');
    const started = performance.now();
    let result: JobOutcome = 'done';
    try {
      if (noCluster) throw noCluster;
      await jobHandlers[job.kind](ctx);
      ctx.log.info('job done');
    } catch (err) {
      // Events the attempt deferred (its last PVE task's) come before what its failure writes.
      await ctx.flushAudits().catch((e: unknown) => ctx.log.warn({ err: e }, 'could not write audit events'));
      const outcome = afterFailedAttempt(err, job, timings.retryBaseMs);
      const message = (err as Error).message;
      if (err instanceof LeaseLostError || abort.signal.aborted) {
        result = 'lease_lost';
        ctx.log.warn('job no longer held by this worker; stopped without writing its outcome');
      } else if (outcome.retry) {
        result = 'retry';
        ctx.log.warn({ err: message, retryInMs: outcome.delayMs }, 'job failed; will retry');
        await scheduleRetry(db, job.id, id, message, outcome.delayMs);
        await ctx.audit({
          kind: 'job.retry',
          message: `${job.kind} attempt ${job.attempts} failed: ${message}; retrying`,
        });
      } else {
        result = 'failed';
        ctx.log.error({ err: message }, 'job failed for good');
        await failServer(ctx, message);
      }
    } finally {
      await ctx.flushAudits().catch((e: unknown) => ctx.log.warn({ err: e }, 'could not write audit events'));
      jobDuration.observe({ kind: job.kind, outcome: result }, (performance.now() - started) / 1000);
    }
  }

  async function claimLoop(): Promise<void> {
    if (claiming) {
      again = true;
      return;
    }
    claiming = true;
    try {
      do {
        again = false;
        while (!stopping) {
          placesRanOut = work.free === 0 || running.size >= maxHeldJobs;
          if (placesRanOut) break;
          const job = await claimJob(db, id, timings.leaseMs);
          if (!job) break;
          const abort = new AbortController();
          const done = runJob(job, abort)
            .catch((err: unknown) => log.error({ err, jobId: job.id }, 'job crashed'))
            .finally(() => {
              running.delete(job.id);
              work.release();
              void claimLoop();
            });
          running.set(job.id, { job, abort, done });
        }
      } while (again && !stopping);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'claiming jobs failed; will try again');
    } finally {
      claiming = false;
    }
  }

  const tick = setInterval(() => void claimLoop(), timings.tickMs);
  const reconcileTimer =
    options.reconcile === false
      ? null
      : setInterval(() => {
          // Cluster by cluster: one that does not answer is logged and skipped, the others reconciled.
          reconcileClusters(db, clusters, log).then(
            (runs) => {
              for (const run of runs) reconcileRuns.inc({ result: run.ok ? 'ok' : 'error' });
            },
            (err: unknown) => {
              reconcileRuns.inc({ result: 'error' });
              log.warn({ err: (err as Error).message }, 'reconciliation failed');
            },
          );
        }, timings.reconcileMs);
  let unlisten: (() => Promise<void>) | null = null;
  try {
    unlisten = await options.database.listen(jobsChannel, () => void claimLoop());
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'LISTEN unavailable; polling only');
  }
  log.info({ concurrency, tickMs: timings.tickMs }, 'worker started');
  void claimLoop();

  return {
    id,
    wake: () => void claimLoop(),
    async stop(graceMs = 10_000) {
      stopping = true;
      clearInterval(tick);
      if (reconcileTimer) clearInterval(reconcileTimer);
      await unlisten?.().catch(() => {});
      const all = Promise.all([...running.values()].map((r) => r.done));
      const timedOut = await Promise.race([
        all.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref()),
      ]);
      if (timedOut) {
        for (const { job } of running.values()) {
          await releaseJob(db, job.id, id).catch(() => {});
          log.info({ jobId: job.id }, 'job handed back at shutdown');
        }
      }
      clearInterval(renew);
      log.info('worker stopped');
    },
  };
}
