// Power (Qemu.pm vm_start … vm_resume; QemuServer.pm vm_start, _do_vm_stop): each a task; the
// checks PVE makes before forking fail synchronously, the rest fail the task.
import { MiB, type VmState } from '../cluster.ts';
import { vmSelected } from '../faults.ts';
import { DISK_KEY_RE, memoryMiB } from '../formats.ts';
import type { WorkerContext } from '../tasks.ts';
import { cloudinitSnapshot } from './cloudinit.ts';
import { DURATION, type Caller, type Params, type SimContext } from './context.ts';
import { TaskError, die } from './errors.ts';
import { effectiveConfig, nodeMemCommitted, vcpus } from './status.ts';

/** vm_start's effect once QEMU runs: pending applied, cloud-init drive regenerated, guest booting. */
function bootVm(ctx: SimContext, vm: VmState): void {
  for (const [key, value] of Object.entries(vm.pending)) vm.config[key] = value;
  for (const key of vm.pendingDelete) Reflect.deleteProperty(vm.config, key);
  vm.pending = {};
  vm.pendingDelete = [];
  const hasCloudinitDrive = Object.entries(vm.config).some(
    ([k, v]) => DISK_KEY_RE.test(k) && /cloudinit/.test(String(v)),
  );
  vm.cloudinitApplied = hasCloudinitDrive ? cloudinitSnapshot(vm.config) : {};
  const node = ctx.node(vm.node);
  node.nextPid += 1 + Math.floor(ctx.random() * 20);
  const now = Date.now();
  vm.status = 'running';
  vm.qmpstatus = 'running';
  vm.pid = node.nextPid;
  vm.startedAt = now;
  vm.agentReadyAt = now + ctx.clock.realMs(DURATION.agentAfterStart);
  vm.networkReadyAt = now + ctx.clock.realMs(DURATION.networkAfterStart);
  ctx.onChange();
}

export function powerOff(ctx: SimContext, vm: VmState): void {
  vm.status = 'stopped';
  vm.qmpstatus = 'running';
  delete vm.pid;
  delete vm.startedAt;
  delete vm.agentReadyAt;
  delete vm.networkReadyAt;
  ctx.onChange();
}

async function startWorker(
  ctx: SimContext,
  nodeName: string,
  vmid: number,
  skiplock: boolean,
  worker: WorkerContext,
): Promise<void> {
  await ctx.waitFlock(worker, vmid);
  const vm = ctx.reloadVm(nodeName, vmid);
  if (vm.config.template) throw new TaskError("you can't start a vm if it's a template");
  if (vm.config.lock !== undefined && vm.config.lock !== 'suspended') ctx.checkLock(vm, skiplock);
  if (vm.status === 'running') throw new TaskError(`VM ${vmid} already running`);
  await worker.faultPoint(`start failed: QEMU exited with code 1`);
  const node = ctx.node(nodeName);
  const config = effectiveConfig(vm);
  if (vcpus(config) > node.maxcpu)
    throw new TaskError(`MAX ${node.maxcpu} vcpus allowed per VM on this node`);
  const needed = memoryMiB(config.memory) * MiB;
  if (nodeMemCommitted(ctx.state, nodeName, vmid) + needed > node.maxmem) {
    worker.log("kvm: cannot set up guest memory 'pc.ram': Cannot allocate memory");
    throw new TaskError('start failed: QEMU exited with code 1');
  }
  await worker.sleep(DURATION.start);
  // Another start may have won the race while QEMU was coming up.
  if ((vm.status as VmState['status']) === 'running') throw new TaskError(`VM ${vmid} already running`);
  if (vm.config.lock === 'suspended') {
    delete vm.config.lock;
    worker.log('resuming VM from suspended state');
  }
  bootVm(ctx, vm);
}

/** vm_start checks nothing before it forks: a missing VM fails the task (load_config). */
export function startVm(ctx: SimContext, p: Params, caller: Caller): string {
  const nodeName = String(p.node);
  const vmid = Number(p.vmid);
  return ctx.startTask(nodeName, 'qmstart', String(vmid), caller, (worker) =>
    startWorker(ctx, nodeName, vmid, p.skiplock === 1, worker),
  );
}

/**
 * _do_vm_stop's first steps inside the worker: the config must exist on this node (check_running),
 * a VM that is not running is done at once, and only a running one has its lock checked.
 */
function runningForStop(
  ctx: SimContext,
  nodeName: string,
  vmid: number,
  skiplock: boolean,
): VmState | undefined {
  try {
    ctx.assertConfigOnNode(nodeName, vmid);
  } catch (err) {
    throw new TaskError((err as Error).message);
  }
  const vm = ctx.reloadVm(nodeName, vmid);
  if (vm.status !== 'running') return undefined;
  ctx.checkLock(vm, skiplock);
  return vm;
}

/** vm_stop forks at once; `overrule-shutdown` aborts running shutdowns from inside the worker. */
export function stopVm(ctx: SimContext, p: Params, caller: Caller): string {
  const nodeName = String(p.node);
  const vmid = Number(p.vmid);
  return ctx.startTask(nodeName, 'qmstop', String(vmid), caller, async (worker) => {
    if (p['overrule-shutdown'] === 1) {
      const overruled = ctx.state.tasks.filter(
        (t) => t.status === 'running' && t.type === 'qmshutdown' && t.id === String(vmid),
      );
      for (const task of overruled) ctx.tasks.kill(task);
      if (overruled.length > 0)
        worker.log(`overruled qmshutdown tasks: ${overruled.map((t) => t.upid).join(', ')}`);
    }
    await ctx.waitFlock(worker, vmid);
    const vm = runningForStop(ctx, nodeName, vmid, p.skiplock === 1);
    await worker.faultPoint(`VM ${vmid} qmp command 'quit' failed - got timeout`);
    if (!vm || vm.status !== 'running') return;
    await worker.sleep(DURATION.stop);
    powerOff(ctx, vm);
  });
}

/** ACPI (or agent) power-down; resolves true when the guest went down within `timeoutMs`. */
async function guestPowerdown(
  ctx: SimContext,
  vm: VmState,
  timeoutMs: number,
  worker: WorkerContext,
): Promise<boolean> {
  if (vmSelected(ctx.faults().ignoreAcpi, vm.vmid) || timeoutMs < DURATION.shutdown) {
    await worker.sleep(timeoutMs);
    return false;
  }
  await worker.sleep(DURATION.shutdown);
  return true;
}

/** vm_shutdown refuses a paused VM before forking (vm_is_paused only warns for a missing one). */
export function shutdownVm(ctx: SimContext, p: Params, caller: Caller): string {
  const nodeName = String(p.node);
  const vmid = Number(p.vmid);
  const vm = ctx.state.vms[String(vmid)];
  const forceStop = p.forceStop === 1;
  if (vm?.node === nodeName && vm.status === 'running' && vm.qmpstatus === 'paused' && !forceStop)
    throw die('VM is paused - cannot shutdown');
  const timeoutMs = (p.timeout === undefined ? 60 : Number(p.timeout)) * 1000;
  return ctx.startTask(nodeName, 'qmshutdown', String(vmid), caller, async (worker) => {
    await ctx.waitFlock(worker, vmid);
    const current = runningForStop(ctx, nodeName, vmid, p.skiplock === 1);
    await worker.faultPoint(`VM ${vmid} qmp command 'system_powerdown' failed - got timeout`);
    if (!current || current.status !== 'running') return;
    if (await guestPowerdown(ctx, current, timeoutMs, worker)) {
      if (worker.task.status === 'running') powerOff(ctx, current);
      return;
    }
    if (!forceStop) throw new TaskError('VM quit/powerdown failed - got timeout');
    worker.log('VM still running - terminating now with SIGTERM');
    await worker.sleep(DURATION.stop);
    powerOff(ctx, current);
  });
}

/** check_running before the fork: the config must be on this node, and the VM running. */
function requireRunning(ctx: SimContext, nodeName: string, vmid: number): VmState {
  ctx.assertConfigOnNode(nodeName, vmid);
  const vm = ctx.loadVm(nodeName, vmid);
  if (vm.status !== 'running') throw die(`VM ${vmid} not running`);
  return vm;
}

export function rebootVm(ctx: SimContext, p: Params, caller: Caller): string {
  const nodeName = String(p.node);
  const vmid = Number(p.vmid);
  const existing = ctx.state.vms[String(vmid)];
  if (existing?.node === nodeName && existing.status === 'running' && existing.qmpstatus === 'paused')
    throw die('VM is paused - cannot shutdown');
  requireRunning(ctx, nodeName, vmid);
  const timeoutMs = (p.timeout === undefined ? 60 : Number(p.timeout)) * 1000;
  return ctx.startTask(nodeName, 'qmreboot', String(vmid), caller, async (worker) => {
    await ctx.waitFlock(worker, vmid);
    const current = ctx.reloadVm(nodeName, vmid);
    ctx.checkLock(current, false);
    await worker.faultPoint(`VM ${vmid} qmp command 'system_powerdown' failed - got timeout`);
    if (!(await guestPowerdown(ctx, current, timeoutMs, worker)))
      throw new TaskError('VM quit/powerdown failed - got timeout');
    powerOff(ctx, current);
    await worker.sleep(DURATION.start);
    bootVm(ctx, current);
  });
}

export function resetVm(ctx: SimContext, p: Params, caller: Caller): string {
  const nodeName = String(p.node);
  const vmid = Number(p.vmid);
  requireRunning(ctx, nodeName, vmid);
  return ctx.startTask(nodeName, 'qmreset', String(vmid), caller, async (worker) => {
    const vm = ctx.reloadVm(nodeName, vmid);
    ctx.checkLock(vm, p.skiplock === 1);
    await worker.faultPoint(`VM ${vmid} qmp command 'system_reset' failed - got timeout`);
    if (vm.status !== 'running') throw new TaskError(`VM ${vmid} not running`);
    await worker.sleep(DURATION.reset);
    // QEMU keeps running: the guest reboots, pending changes and cloud-init stay as they are.
    const now = Date.now();
    vm.agentReadyAt = now + ctx.clock.realMs(DURATION.agentAfterStart);
    vm.networkReadyAt = now + ctx.clock.realMs(DURATION.networkAfterStart - DURATION.start);
    ctx.onChange();
  });
}

export function suspendVm(ctx: SimContext, p: Params, caller: Caller): string {
  const nodeName = String(p.node);
  const vmid = Number(p.vmid);
  requireRunning(ctx, nodeName, vmid);
  const toDisk = p.todisk === 1;
  return ctx.startTask(nodeName, 'qmsuspend', String(vmid), caller, async (worker) => {
    const vm = ctx.reloadVm(nodeName, vmid);
    ctx.checkLock(vm, p.skiplock === 1);
    await worker.faultPoint(`VM ${vmid} qmp command 'stop' failed - got timeout`);
    if (vm.status !== 'running') throw new TaskError(`VM ${vmid} not running`);
    if (!toDisk) {
      await worker.sleep(DURATION.suspend);
      vm.qmpstatus = 'paused';
      ctx.onChange();
      return;
    }
    vm.config.lock = 'suspending';
    worker.log('suspend VM to disk');
    await worker.sleep(DURATION.suspendToDisk);
    powerOff(ctx, vm);
    vm.config.lock = 'suspended';
    ctx.onChange();
  });
}

export function resumeVm(ctx: SimContext, p: Params, caller: Caller): string {
  const nodeName = String(p.node);
  const vmid = Number(p.vmid);
  const vm = ctx.state.vms[String(vmid)];
  const fromDisk = vm?.node === nodeName && vm.config.lock === 'suspended';
  if (!fromDisk) requireRunning(ctx, nodeName, vmid);
  return ctx.startTask(nodeName, 'qmresume', String(vmid), caller, async (worker) => {
    if (fromDisk) {
      await startWorker(ctx, nodeName, vmid, true, worker);
      return;
    }
    const current = ctx.reloadVm(nodeName, vmid);
    ctx.checkLock(current, p.skiplock === 1);
    await worker.faultPoint(`VM ${vmid} qmp command 'cont' failed - got timeout`);
    await worker.sleep(DURATION.resume);
    current.qmpstatus = 'running';
    ctx.onChange();
  });
}
