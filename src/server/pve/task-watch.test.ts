import { describe, expect, it } from 'vitest';
import { PveError } from './errors.ts';
import { TaskWatch, type TaskReads } from './task-watch.ts';
import type { PveTaskStatus } from './types.ts';

/** A node whose tasks end when told to; counts the reads made of it. */
function fakeNode(upids: string[]) {
  const ended = new Map<string, string>();
  const reads = { list: 0, status: 0, failList: false };
  const api: TaskReads = {
    async activeTasks() {
      reads.list++;
      if (reads.failList) throw new PveError(500, 'list broken', 'transient');
      return upids.map((upid) => (ended.has(upid) ? { upid, status: ended.get(upid)! } : { upid }));
    },
    async taskStatus(_node, upid) {
      reads.status++;
      const exit = ended.get(upid);
      return (exit ? { status: 'stopped', exitstatus: exit } : { status: 'running' }) as PveTaskStatus;
    },
  };
  return { api, reads, end: (upid: string, exit = 'OK') => ended.set(upid, exit) };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('TaskWatch', () => {
  it('reads the node’s task list once a round for many tasks, and the status of those that ended', async () => {
    const upids = ['UPID:a', 'UPID:b', 'UPID:c'];
    const node = fakeNode(upids);
    const watch = new TaskWatch(node.api, 10);
    const waits = upids.map((u) => watch.wait('pve1', u, 5000));
    await tick(55);
    expect(node.reads.status).toBe(0);
    expect(node.reads.list).toBeGreaterThanOrEqual(1);
    node.end('UPID:b', 'some failure');
    expect(await waits[1]).toEqual({ upid: 'UPID:b', exitstatus: 'some failure', ok: false });
    expect(node.reads.status).toBe(1);
    node.end('UPID:a');
    node.end('UPID:c', 'WARNINGS: 1');
    expect(await Promise.all([waits[0], waits[2]])).toEqual([
      { upid: 'UPID:a', exitstatus: 'OK', ok: true },
      { upid: 'UPID:c', exitstatus: 'WARNINGS: 1', ok: true },
    ]);
  });

  it('asks each task directly when the list cannot be read, and gives up at the deadline', async () => {
    const node = fakeNode(['UPID:a', 'UPID:b']);
    node.reads.failList = true;
    const watch = new TaskWatch(node.api, 10);
    const a = watch.wait('pve1', 'UPID:a', 5000);
    const b = watch.wait('pve1', 'UPID:b', 30);
    expect(await b).toBeUndefined();
    node.end('UPID:a');
    expect(await a).toMatchObject({ ok: true });
    expect(node.reads.status).toBeGreaterThanOrEqual(4);
  });

  it('ends a wait with an error that is not a task still unknown', async () => {
    const node = fakeNode(['UPID:a']);
    node.api.taskStatus = () => Promise.reject(new PveError(403, 'Permission check failed', 'permanent'));
    const watch = new TaskWatch(node.api, 10);
    await expect(watch.wait('pve1', 'UPID:a', 5000)).rejects.toThrow('Permission check failed');
  });
});
