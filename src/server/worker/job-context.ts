/** What a job handler gets: the job, the database, PVE, a logger with ids, and step persistence. */
import type { Logger } from 'pino';
import { recordAudit, type AuditEvent } from '../db/audit.ts';
import type { Database } from '../db/client.ts';
import { LeaseLostError } from '../domain/retry-policy.ts';
import { saveProgress, type ClaimedJob } from '../jobs/queue.ts';
import type { PveClient, PveTaskResult } from '../pve/client.ts';

export interface WorkerTimings {
  /** Poll for claimable jobs this often when nothing wakes the worker. */
  tickMs: number;
  leaseMs: number;
  /** Upper bound for one PVE task (clone, start, …). */
  taskTimeoutMs: number;
  /** How long to wait for the guest agent to report an address after boot. */
  agentTimeoutMs: number;
  agentPollMs: number;
  /** Seconds a guest gets to power off on shutdown. */
  shutdownTimeoutS: number;
  /** Seconds a suspended server's guest gets to power off before PVE stops it hard. */
  suspendGraceS: number;
  reconcileMs: number;
  /** First retry after about this long, doubling each time. */
  retryBaseMs: number;
}

export const defaultTimings: WorkerTimings = {
  tickMs: 1000,
  leaseMs: 30_000,
  taskTimeoutMs: 30 * 60_000,
  agentTimeoutMs: 180_000,
  agentPollMs: 2000,
  shutdownTimeoutS: 60,
  suspendGraceS: 30,
  reconcileMs: 30_000,
  retryBaseMs: 2000,
};

export class JobContext {
  readonly log: Logger;
  constructor(
    readonly db: Database,
    readonly pve: PveClient,
    readonly job: ClaimedJob,
    readonly owner: string,
    readonly timings: WorkerTimings,
    readonly signal: AbortSignal,
    log: Logger,
    private readonly nodeSlots: NodeSlots,
  ) {
    this.log = log.child({
      jobId: job.id,
      serverId: job.serverId,
      jobKind: job.kind,
      requestId: job.requestId ?? undefined,
    });
  }

  checkLease(): void {
    if (this.signal.aborted) throw new LeaseLostError(`job ${this.job.id} is no longer held by this worker`);
  }

  async save(step: string, progress: Record<string, unknown>): Promise<void> {
    this.checkLease();
    if (!(await saveProgress(this.db, this.job.id, this.owner, step, progress))) {
      throw new LeaseLostError(`job ${this.job.id} is no longer held by this worker`);
    }
    this.job.step = step;
    this.job.progress = progress;
  }

  audit(event: Omit<AuditEvent, 'serverId' | 'jobId' | 'requestId'>): Promise<void> {
    return recordAudit(this.db, {
      ...event,
      serverId: this.job.serverId,
      jobId: this.job.id,
      requestId: this.job.requestId,
      actorUserId: event.actorUserId ?? null,
    });
  }

  /**
   * Dispatches a PVE task under the node's concurrency cap, waits for it, and records it in the audit
   * log with its UPID. Null when the call ran synchronously (no task); the caller judges the result.
   */
  async runTask(
    node: string,
    label: string,
    dispatch: () => Promise<string | null>,
    timeoutMs = this.timings.taskTimeoutMs,
  ): Promise<PveTaskResult | null> {
    return this.nodeSlots.run(node, async () => {
      this.checkLease();
      const upid = await dispatch();
      if (!upid) return null;
      this.log.info({ pveUpid: upid, node }, `${label}: PVE task started`);
      const result = await this.pve.waitForTask(upid, timeoutMs);
      await this.audit({
        kind: 'pve.task',
        message: `${label}: ${result.exitstatus}`,
        pveUpid: upid,
        data: { node, exitstatus: result.exitstatus },
      });
      this.log.info({ pveUpid: upid, node, exitstatus: result.exitstatus }, `${label}: PVE task ended`);
      return result;
    });
  }
}

/** Caps concurrent PVE tasks per node within this worker process. */
export class NodeSlots {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();
  constructor(private readonly perNode: number) {}

  async run<T>(node: string, fn: () => Promise<T>): Promise<T> {
    const queue = this.waiting.get(node) ?? [];
    this.waiting.set(node, queue);
    if ((this.active.get(node) ?? 0) >= this.perNode) {
      // The slot is handed over by the task that finishes, so the count never overshoots.
      await new Promise<void>((resolve) => queue.push(resolve));
    } else {
      this.active.set(node, (this.active.get(node) ?? 0) + 1);
    }
    try {
      return await fn();
    } finally {
      const next = queue.shift();
      if (next) next();
      else this.active.set(node, (this.active.get(node) ?? 1) - 1);
    }
  }
}
