// The route table: every method and path the simulator answers, and the section that handles it.
import type { HttpMethod } from '../api-subset.ts';
import { agentAvailable, agentInterfaces, setUserPassword } from './agent.ts';
import { cloneVm } from './clone.ts';
import { cloudinitDump, cloudinitPending, regenerateCloudinit } from './cloudinit.ts';
import { getConfig, pendingList, updateConfig, updateConfigAsync } from './config.ts';
import type { Route, SimContext } from './context.ts';
import { convertToTemplate, destroyVm } from './destroy.ts';
import { die } from './errors.ts';
import { clusterResources, nextId, nodeList, nodeStatus, storageList } from './nodes.ts';
import { rebootVm, resetVm, resumeVm, shutdownVm, startVm, stopVm, suspendVm } from './power.ts';
import { resizeDisk } from './resize.ts';
import { rrdData } from './rrd.ts';
import {
  createSnapshot,
  deleteSnapshot,
  rollbackSnapshot,
  snapshotConfig,
  snapshotIndex,
  snapshotList,
  updateSnapshotConfig,
  vmFeature,
} from './snapshot.ts';
import { vmStatus, vmStatusCurrent } from './status.ts';
import { findTask, taskList, taskLog, taskStatus } from './tasks.ts';
import { vncProxy, vncWebsocket } from './vnc.ts';

export function buildRoutes(ctx: SimContext): Route[] {
  const r = (method: HttpMethod, path: string, handler: Route['handler']): Route => ({
    method,
    path,
    handler,
  });
  const vmPath = '/nodes/{node}/qemu/{vmid}';
  const vm = (p: Parameters<Route['handler']>[0]['p']) => ctx.loadVm(String(p.node), Number(p.vmid));
  return [
    r('POST', '/access/ticket', () => {
      // Answered by the HTTP layer, which owns the credentials; listed for conformance.
      throw die('ticket creation is handled by the transport');
    }),
    r('GET', '/version', () => ({ version: '9.1.1', release: '9.1', repoid: '5a8bf6f7c2b0e8d1' })),
    r('GET', '/nodes', () => nodeList(ctx)),
    r('GET', '/nodes/{node}/status', ({ p }) => nodeStatus(ctx, String(p.node))),
    r('GET', '/cluster/nextid', ({ p }) => nextId(ctx, p.vmid === undefined ? undefined : Number(p.vmid))),
    r('GET', '/cluster/resources', ({ p }) =>
      clusterResources(ctx, p.type === undefined ? undefined : String(p.type)),
    ),
    r('GET', '/nodes/{node}/qemu', ({ p }) => {
      const hostCpus = ctx.node(String(p.node)).maxcpu;
      return Object.values(ctx.state.vms)
        .filter((v) => v.node === p.node)
        .map((v) => vmStatus(v, { full: p.full === 1, hostCpus }));
    }),
    r('GET', '/nodes/{node}/storage', ({ p }) => storageList(ctx, p)),
    r('GET', `${vmPath}/status/current`, ({ p }) => vmStatusCurrent(vm(p), ctx.node(String(p.node)).maxcpu)),
    r('GET', `${vmPath}/config`, ({ p }) => getConfig(ctx, p)),
    r('PUT', `${vmPath}/config`, ({ p }) => {
      updateConfig(ctx, p);
      return null;
    }),
    r('POST', `${vmPath}/config`, ({ p, caller }) => updateConfigAsync(ctx, p, caller)),
    r('GET', `${vmPath}/pending`, ({ p }) => pendingList(vm(p))),
    r('POST', `${vmPath}/clone`, ({ p, caller }) => cloneVm(ctx, p, caller)),
    r('PUT', `${vmPath}/resize`, ({ p, caller }) => resizeDisk(ctx, p, caller)),
    r('POST', `${vmPath}/status/start`, ({ p, caller }) => startVm(ctx, p, caller)),
    r('POST', `${vmPath}/status/stop`, ({ p, caller }) => stopVm(ctx, p, caller)),
    r('POST', `${vmPath}/status/shutdown`, ({ p, caller }) => shutdownVm(ctx, p, caller)),
    r('POST', `${vmPath}/status/reboot`, ({ p, caller }) => rebootVm(ctx, p, caller)),
    r('POST', `${vmPath}/status/reset`, ({ p, caller }) => resetVm(ctx, p, caller)),
    r('POST', `${vmPath}/status/suspend`, ({ p, caller }) => suspendVm(ctx, p, caller)),
    r('POST', `${vmPath}/status/resume`, ({ p, caller }) => resumeVm(ctx, p, caller)),
    r('DELETE', vmPath, ({ p, caller }) => destroyVm(ctx, p, caller)),
    r('POST', `${vmPath}/vncproxy`, ({ p, caller }) => vncProxy(ctx, p, caller)),
    r('GET', `${vmPath}/vncwebsocket`, ({ p, caller }) => vncWebsocket(ctx, p, caller)),
    r('POST', `${vmPath}/template`, ({ p, caller }) => convertToTemplate(ctx, p, caller)),
    r('GET', `${vmPath}/feature`, ({ p }) => vmFeature(ctx, p)),
    r('GET', `${vmPath}/snapshot`, ({ p }) => snapshotList(ctx, p)),
    r('POST', `${vmPath}/snapshot`, ({ p, caller }) => createSnapshot(ctx, p, caller)),
    r('GET', `${vmPath}/snapshot/{snapname}`, () => snapshotIndex()),
    r('DELETE', `${vmPath}/snapshot/{snapname}`, ({ p, caller }) => deleteSnapshot(ctx, p, caller)),
    r('GET', `${vmPath}/snapshot/{snapname}/config`, ({ p }) => snapshotConfig(ctx, p)),
    r('PUT', `${vmPath}/snapshot/{snapname}/config`, ({ p }) => updateSnapshotConfig(ctx, p)),
    r('POST', `${vmPath}/snapshot/{snapname}/rollback`, ({ p, caller }) => rollbackSnapshot(ctx, p, caller)),
    r('GET', `${vmPath}/agent/network-get-interfaces`, ({ p }) => agentInterfaces(ctx, p)),
    r('POST', `${vmPath}/agent/ping`, async ({ p }) => {
      await agentAvailable(ctx, vm(p));
      return { result: {} };
    }),
    r('POST', `${vmPath}/agent/set-user-password`, ({ p }) => setUserPassword(ctx, p)),
    r('GET', `${vmPath}/cloudinit`, ({ p }) => cloudinitPending(vm(p))),
    r('PUT', `${vmPath}/cloudinit`, ({ p }) => regenerateCloudinit(ctx, p)),
    r('GET', `${vmPath}/cloudinit/dump`, ({ p }) => cloudinitDump(vm(p), String(p.type))),
    r('GET', `${vmPath}/rrddata`, ({ p }) =>
      rrdData(vm(p), String(p.timeframe), p.cf === undefined ? 'AVERAGE' : String(p.cf)),
    ),
    r('GET', '/nodes/{node}/tasks', ({ p, result }) => taskList(ctx, p, result)),
    r('GET', '/nodes/{node}/tasks/{upid}/status', ({ p }) => taskStatus(findTask(ctx, p))),
    r('GET', '/nodes/{node}/tasks/{upid}/log', ({ p, result }) => taskLog(findTask(ctx, p), p, result)),
    r('DELETE', '/nodes/{node}/tasks/{upid}', ({ p }) => {
      ctx.tasks.kill(findTask(ctx, p));
      return null;
    }),
  ];
}
