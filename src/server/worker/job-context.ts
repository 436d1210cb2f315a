/** What a job handler gets: the job, the database, PVE, a logger with ids, and step persistence. */
import type { Logger } from 'pino';
import { recordAudits, type AuditEvent } from '../db/audit.ts';
import type { Database } from '../db/client.ts';
import { LeaseLostError } from '../domain/retry-policy.ts';
import { saveProgress, type ClaimedJob } from '../jobs/queue.ts';
import { Semaphore } from '../lib/semaphore.ts';
import type { PveClient } from '../pve/client.ts';
import type { PveTaskResult } from '../pve/types.ts';

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

/**
 * The worker's places for work. A job holds one while it reads, decides and writes, and gives it back
 * while it waits on something outside Keel (a PVE task, a lock, a guest's boot): waiting is not work,
 * and a start or a config of another job can use the place meanwhile.
 */
export interface WorkPlaces {
  acquire(): Promise<void>;
  release(): void;
}

/** What a PVE task loads on its node: a disk copy (clone) shares the node's storage, the rest do not. */
export type TaskLane = 'copy' | 'vm';

export interface TaskOptions {
  timeoutMs?: number;
  lane?: TaskLane;
}

export class JobContext {
  readonly log: Logger;
  /** Nested waits give the place back once and take it again once. */
  private waitsOutside = 0;
  /** Events recorded with the job's next write (see deferAudit). */
  private pendingAudits: AuditEvent[] = [];
  constructor(
    readonly db: Database,
    readonly pve: PveClient,
    readonly job: ClaimedJob,
    readonly owner: string,
    readonly timings: WorkerTimings,
    readonly signal: AbortSignal,
    log: Logger,
    private readonly nodeSlots: NodeSlots,
    private readonly places: WorkPlaces,
    /** The server's cluster (null: the default one): node caps are per cluster and node. */
    readonly clusterId: string | null = null,
  ) {
    this.log = log.child({
      jobId: job.id,
      serverId: job.serverId,
      clusterId: clusterId ?? undefined,
      jobKind: job.kind,
      requestId: job.requestId ?? undefined,
    });
  }

  checkLease(): void {
    if (this.signal.aborted) throw new LeaseLostError(`job ${this.job.id} is no longer held by this worker`);
  }

  async save(step: string, progress: Record<string, unknown>): Promise<void> {
    this.checkLease();
    const saved = await this.writingAudits((audits) =>
      saveProgress(this.db, this.job.id, this.owner, step, progress, audits),
    );
    if (!saved) throw new LeaseLostError(`job ${this.job.id} is no longer held by this worker`);
    this.job.step = step;
    this.job.progress = progress;
  }

  private event(event: Omit<AuditEvent, 'serverId' | 'jobId' | 'requestId'>): AuditEvent {
    return {
      ...event,
      serverId: this.job.serverId,
      jobId: this.job.id,
      requestId: this.job.requestId,
      actorUserId: event.actorUserId ?? null,
    };
  }

  /** Records an event now, after (in the same statement as) any deferred ones. */
  async audit(event: Omit<AuditEvent, 'serverId' | 'jobId' | 'requestId'>): Promise<void> {
    const now = this.event(event);
    await this.writingAudits((deferred) => recordAudits(this.db, [...deferred, now]));
  }

  /**
   * Records an event with the job's next write: its next step save (one statement with it), audit,
   * finish, or at the latest when its attempt ends. The events keep their order among the job's own.
   */
  deferAudit(event: Omit<AuditEvent, 'serverId' | 'jobId' | 'requestId'>): void {
    this.pendingAudits.push(this.event(event));
  }

  /**
   * Runs a write that takes the deferred events with it. If it fails, nothing of it was written (one
   * statement, or one transaction): the events come first again, in their order, for the next write.
   */
  async writingAudits<T>(write: (deferred: readonly AuditEvent[]) => Promise<T>): Promise<T> {
    const deferred = this.pendingAudits;
    this.pendingAudits = [];
    try {
      return await write(deferred);
    } catch (err) {
      this.pendingAudits.unshift(...deferred);
      throw err;
    }
  }

  /** Writes the deferred events now, if any. */
  flushAudits(): Promise<void> {
    return this.writingAudits((deferred) => recordAudits(this.db, deferred));
  }

  /** Runs `wait` without holding one of the worker's places for work; holds one again afterwards. */
  async waitOutside<T>(wait: () => Promise<T>): Promise<T> {
    if (this.waitsOutside++ === 0) this.places.release();
    try {
      return await wait();
    } finally {
      if (--this.waitsOutside === 0) await this.places.acquire();
    }
  }

  /**
   * Runs `fn` holding one of the node's places for `lane` tasks: dispatching a task and waiting for it
   * within one place keeps the node's cap honest. A job waits for the place outside the worker's places.
   */
  onNode<T>(node: string, lane: TaskLane, fn: () => Promise<T>): Promise<T> {
    return this.waitOutside(() => this.nodeSlots.run(`${this.clusterId ?? 'default'}/${node}`, lane, fn));
  }

  /**
   * Dispatches a PVE task under the node's cap, waits for it, and records it in the audit log with its
   * UPID. Null when the call ran synchronously (no task); the caller judges the result.
   */
  runTask(
    node: string,
    label: string,
    dispatch: () => Promise<string | null>,
    options: TaskOptions = {},
  ): Promise<PveTaskResult | null> {
    return this.onNode(node, options.lane ?? 'vm', async () => {
      this.checkLease();
      const upid = await dispatch();
      if (!upid) return null;
      return this.awaitTask(node, label, upid, options.timeoutMs);
    });
  }

  /** Waits for a dispatched task and records it; for a caller already holding the node's place. */
  async awaitTask(
    node: string,
    label: string,
    upid: string,
    timeoutMs = this.timings.taskTimeoutMs,
  ): Promise<PveTaskResult> {
    this.log.info({ pveUpid: upid, node }, `${label}: PVE task started`);
    const result = await this.waitOutside(() => this.pve.waitForTask(upid, timeoutMs));
    // Written with the step's save (or whatever the job writes next), not in a statement of its own.
    this.deferAudit({
      kind: 'pve.task',
      message: `${label}: ${result.exitstatus}`,
      pveUpid: upid,
      data: { node, exitstatus: result.exitstatus },
    });
    this.log.info({ pveUpid: upid, node, exitstatus: result.exitstatus }, `${label}: PVE task ended`);
    return result;
  }
}

/**
 * Caps the PVE tasks this worker runs at once per node and lane: disk copies share the node's storage
 * bandwidth, so more of them at once only delays the first; other tasks are short and per VM.
 */
export class NodeSlots {
  private readonly lanes = new Map<string, Semaphore>();
  constructor(private readonly perNode: Record<TaskLane, number>) {}

  run<T>(node: string, lane: TaskLane, fn: () => Promise<T>): Promise<T> {
    const key = `${lane}/${node}`;
    let places = this.lanes.get(key);
    if (!places) {
      places = new Semaphore(this.perNode[lane]);
      this.lanes.set(key, places);
    }
    return places.run(fn);
  }
}
