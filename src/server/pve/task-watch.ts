/**
 * Waiting on PVE tasks, node by node. Every task waited for on a node is watched by one loop that,
 * each poll interval, reads the node's active task list once (`GET /nodes/{node}/tasks?source=active`,
 * pve-manager API2/Tasks.pm node_tasks) and asks for the status of only the tasks that list no longer
 * shows running: twenty clones on a node cost one read per interval, not twenty. With one task to
 * watch, its own status is the one read. A task the list does not show (or a list that cannot be
 * read) is asked for directly, so the answer is always the task's own status, as before.
 */
import { sleep } from '../lib/poll-until.ts';
import { PveError } from './errors.ts';
import type { PveTaskResult, PveTaskStatus } from './types.ts';
import { isTaskSuccess } from './upid.ts';

/** What the watcher needs of the client: the two reads. */
export interface TaskReads {
  activeTasks(node: string): Promise<{ upid: string; status?: string }[]>;
  taskStatus(node: string, upid: string): Promise<PveTaskStatus>;
}

interface Waiter {
  upid: string;
  deadline: number;
  done(result: PveTaskResult | undefined): void;
  fail(err: unknown): void;
}

export class TaskWatch {
  private readonly nodes = new Map<string, Set<Waiter>>();
  constructor(
    private readonly reads: TaskReads,
    private readonly pollMs: number,
  ) {}

  /**
   * Resolves with the task's result once it stopped, or undefined once `timeoutMs` passed. A task just
   * dispatched is still running: its first look comes with the node's next round, at most one interval
   * later.
   */
  wait(node: string, upid: string, timeoutMs: number): Promise<PveTaskResult | undefined> {
    return new Promise((done, fail) => {
      let waiters = this.nodes.get(node);
      const first = !waiters;
      if (!waiters) {
        waiters = new Set();
        this.nodes.set(node, waiters);
      }
      waiters.add({ upid, deadline: Date.now() + timeoutMs, done, fail });
      if (first) void this.watch(node, waiters);
    });
  }

  private async watch(node: string, waiters: Set<Waiter>): Promise<void> {
    try {
      while (waiters.size > 0) {
        await sleep(this.pollMs);
        const round = [...waiters];
        const running = round.length > 1 ? await this.runningOn(node) : null;
        await Promise.all(round.map((w) => this.look(node, w, running, waiters)));
      }
    } finally {
      this.nodes.delete(node);
    }
  }

  /** The UPIDs the node lists as running; null when the list cannot be read (each task is asked then). */
  private async runningOn(node: string): Promise<Set<string> | null> {
    try {
      const list = await this.reads.activeTasks(node);
      // A finished task stays in the active list, with its exit status, until PVE archives it.
      return new Set(list.filter((t) => !t.status || t.status === 'RUNNING').map((t) => t.upid));
    } catch {
      return null;
    }
  }

  private async look(node: string, w: Waiter, running: Set<string> | null, waiters: Set<Waiter>) {
    let result: PveTaskResult | undefined;
    if (!running?.has(w.upid)) {
      try {
        const status = await this.reads.taskStatus(node, w.upid);
        if (status.status === 'stopped') {
          const exitstatus = status.exitstatus ?? 'unexpected status';
          result = { upid: w.upid, exitstatus, ok: isTaskSuccess(exitstatus) };
        }
      } catch (err) {
        // Right after dispatch a task can briefly be unknown ("no such task"); keep polling.
        if (!(err instanceof PveError && (err.kind === 'not_found' || err.kind === 'transient'))) {
          waiters.delete(w);
          w.fail(err);
          return;
        }
      }
    }
    if (result || Date.now() >= w.deadline) {
      waiters.delete(w);
      w.done(result);
    }
  }
}
