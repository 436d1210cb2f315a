// The tasks API (pve-manager API2/Tasks.pm): list, status, log and kill, over the task runner.
import type { TaskState } from '../cluster.ts';
import { parseUpid } from '../../../src/server/pve/upid.ts';
import type { Params, SimContext } from './context.ts';
import { paramError } from './errors.ts';

export function findTask(ctx: SimContext, p: Params): TaskState {
  const upid = String(p.upid);
  if (!parseUpid(upid)) throw paramError({ upid: 'unable to parse worker upid' });
  const task = ctx.tasks.find(upid);
  if (!task || task.node !== p.node) throw paramError({ upid: 'no such task' });
  return task;
}

export function taskStatus(task: TaskState): Record<string, unknown> {
  const [user = task.user, tokenid] = task.user.split('!');
  return {
    upid: task.upid,
    node: task.node,
    pid: task.pid,
    pstart: task.pstart,
    starttime: task.starttime,
    type: task.type,
    id: task.id,
    user,
    ...(tokenid ? { tokenid } : {}),
    status: task.status,
    ...(task.status === 'stopped' ? { exitstatus: task.exitstatus } : {}),
  };
}

export function taskLog(task: TaskState, p: Params, result: { total?: number }): unknown[] {
  const start = p.start === undefined ? 0 : Number(p.start);
  const limit = p.limit === undefined ? 50 : Number(p.limit);
  result.total = task.log.length;
  return task.log.slice(start, start + limit).map((t, i) => ({ n: start + i + 1, t }));
}

export function taskList(ctx: SimContext, p: Params, result: { total?: number }): unknown[] {
  const source = p.source === undefined ? 'archive' : String(p.source);
  const list = ctx.state.tasks
    .filter((t) => t.node === p.node)
    .filter((t) =>
      source === 'active' ? t.status === 'running' : source === 'archive' ? t.status === 'stopped' : true,
    )
    .filter((t) => p.vmid === undefined || t.id === String(p.vmid))
    .filter((t) => p.typefilter === undefined || t.type === p.typefilter)
    .filter((t) => p.userfilter === undefined || t.user.includes(String(p.userfilter)))
    .filter((t) => p.errors !== 1 || (t.exitstatus !== 'OK' && t.status === 'stopped'))
    .filter((t) => p.since === undefined || t.starttime >= Number(p.since))
    .filter((t) => p.until === undefined || t.starttime <= Number(p.until))
    .reverse();
  result.total = list.length;
  const start = p.start === undefined ? 0 : Number(p.start);
  const limit = p.limit === undefined ? 50 : Number(p.limit);
  return list.slice(start, start + limit).map((t) => ({
    upid: t.upid,
    node: t.node,
    pid: t.pid,
    pstart: t.pstart,
    starttime: t.starttime,
    type: t.type,
    id: t.id,
    user: t.user,
    ...(t.status === 'stopped' ? { status: t.exitstatus, endtime: t.endtime } : {}),
  }));
}
