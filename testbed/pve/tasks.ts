// Task workers: UPIDs, the running → stopped lifecycle, logs ending in TASK OK / WARNINGS / ERROR.
import type { SimClock } from './clock.ts';
import type { ClusterState, NodeState, TaskState } from './cluster.ts';
import { taskFaultApplies, type FaultConfig } from './faults.ts';
import { encodeUpid } from './formats.ts';

/** A failure inside a worker: the message becomes the task's exitstatus. */
export class TaskError extends Error {}

export interface WorkerContext {
  readonly task: TaskState;
  log(line: string): void;
  warn(line: string): void;
  sleep(simMs: number): Promise<void>;
  /** Applies the configured task faults: may hang forever or throw the fault's error. */
  faultPoint(defaultError: string): Promise<void>;
}

export type Worker = (ctx: WorkerContext) => Promise<void>;

const MAX_KEPT_TASKS = 2000;

/** PVE's exitstatus from the last log line (UPID.pm read_status). */
export function exitStatusFromLastLine(line: string | undefined): string {
  if (line === undefined) return 'unexpected status';
  if (line === 'TASK OK') return 'OK';
  const warnings = /^TASK WARNINGS: (\d+)$/.exec(line);
  if (warnings) return `WARNINGS: ${warnings[1]}`;
  const error = /^TASK ERROR: (.*)$/.exec(line);
  if (error) return error[1] ?? '';
  return 'unexpected status';
}

export class TaskRunner {
  private readonly done = new Map<string, Promise<void>>();

  constructor(
    private readonly state: ClusterState,
    private readonly clock: SimClock,
    private readonly faults: () => FaultConfig,
    private readonly random: () => number,
    private readonly onChange: () => void,
  ) {}

  find(upid: string): TaskState | undefined {
    return this.state.tasks.find((t) => t.upid === upid);
  }

  /** Resolves when the task has stopped (never for a hung task). */
  finished(upid: string): Promise<void> {
    return this.done.get(upid) ?? Promise.resolve();
  }

  start(node: NodeState, type: string, id: string, user: string, worker: Worker): TaskState {
    const now = Date.now();
    node.nextPid += 1 + Math.floor(this.random() * 40);
    const pid = node.nextPid;
    // pstart is the worker's start time in clock ticks (100 Hz) since the node booted.
    const pstart = Math.floor((now - node.bootedAt) / 10);
    const starttime = Math.floor(now / 1000);
    const task: TaskState = {
      upid: encodeUpid({ node: node.name, pid, pstart, starttime, type, id, user }),
      node: node.name,
      pid,
      pstart,
      starttime,
      type,
      id,
      user,
      status: 'running',
      log: [],
    };
    this.state.tasks.push(task);
    if (this.state.tasks.length > MAX_KEPT_TASKS)
      this.state.tasks.splice(0, this.state.tasks.length - MAX_KEPT_TASKS);
    let warnings = 0;
    const ctx: WorkerContext = {
      task,
      log: (line) => {
        task.log.push(line);
      },
      warn: (line) => {
        warnings += 1;
        task.log.push(`WARN: ${line}`);
      },
      sleep: (ms) => this.clock.sleep(ms),
      faultPoint: async (defaultError) => {
        const faults = this.faults();
        if (taskFaultApplies(faults.taskHang, type, this.random)) await this.clock.forever();
        if (taskFaultApplies(faults.taskFailure, type, this.random)) {
          await this.clock.sleep(300);
          throw new TaskError(faults.taskFailure?.message ?? defaultError);
        }
        if (taskFaultApplies(faults.taskWarning, type, this.random)) {
          ctx.warn(faults.taskWarning?.message ?? 'simulated warning (fault injection)');
        }
      },
    };
    const run = (async () => {
      // Let the caller receive the UPID before the worker changes anything visible.
      await Promise.resolve();
      let final: string;
      try {
        await worker(ctx);
        final = warnings > 0 ? `TASK WARNINGS: ${warnings}` : 'TASK OK';
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        final = `TASK ERROR: ${message.replace(/\n+$/, '')}`;
      }
      if (task.status === 'stopped') return; // killed meanwhile
      task.log.push(final);
      task.status = 'stopped';
      task.exitstatus = exitStatusFromLastLine(final);
      task.endtime = Math.floor(Date.now() / 1000);
      this.onChange();
    })();
    this.done.set(task.upid, run);
    this.onChange();
    return task;
  }

  /** DELETE /nodes/{node}/tasks/{upid}: the worker is killed where it stands. */
  kill(task: TaskState): void {
    if (task.status !== 'running') return;
    task.log.push('received interrupt', 'TASK ERROR: received interrupt');
    task.status = 'stopped';
    task.exitstatus = 'received interrupt';
    task.endtime = Math.floor(Date.now() / 1000);
    this.onChange();
  }
}
