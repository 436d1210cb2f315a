// Snapshots (Qemu.pm snapshot_list … delsnapshot over pve-guest-common AbstractConfig.pm
// snapshot_create / snapshot_rollback / snapshot_delete and QemuConfig.pm's hooks): the config's
// snapshot sections, the `parent` chain, the `snapshot` / `rollback` / `snapshot-delete` locks held
// while their tasks run, and which storages can snapshot at all (pve-storage volume_has_feature).
import { MiB, vmstateBytes, type Config, type StorageState, type VmState } from '../cluster.ts';
import { DISK_KEY_RE, humanBytes, isCdrom, memoryMiB, parseDrive } from '../formats.ts';
import type { WorkerContext } from '../tasks.ts';
import { DURATION, type Caller, type Params, type SimContext } from './context.ts';
import { TaskError, die } from './errors.ts';
import { bootVm, powerOff, startVm } from './power.ts';
import { vmDigest } from './status.ts';
import { randomUUID } from 'node:crypto';

/** Keys __snapshot_copy_config leaves out when it copies a config into a snapshot and back. */
function copiedKey(key: string): boolean {
  return (
    !['snapstate', 'snaptime', 'vmstate', 'lock', 'digest', 'description'].includes(key) &&
    !/^unused\d+$/.test(key)
  );
}

function copyConfig(source: Config, dest: Config): void {
  for (const [key, value] of Object.entries(source)) if (copiedKey(key)) dest[key] = value;
}

/** The non-cdrom volumes of a config, as foreach_volume walks them for snapshot work. */
function volumes(
  config: Config,
): { key: string; volume: string; storage: string | undefined; volname: string }[] {
  return Object.entries(config)
    .filter(([key]) => DISK_KEY_RE.test(key))
    .map(([key, value]) => ({ key, drive: parseDrive(String(value)) }))
    .filter(({ drive }) => !isCdrom(drive) && drive.volname !== undefined)
    .map(({ key, drive }) => ({
      key,
      volume: drive.volume,
      storage: drive.storage,
      volname: drive.volname ?? '',
    }));
}

/**
 * pve-storage volume_has_feature('snapshot', current): LVM-thin (not on a base volume) and RBD can;
 * a directory storage and thick LVM only for qcow2 volumes (LVM: PVE 9's volume chains); raw cannot.
 */
export function canSnapshot(storage: StorageState | undefined, volname: string): boolean {
  if (!storage) return false;
  const base = /^base-/.test(volname) && !volname.includes('/');
  switch (storage.type) {
    case 'lvmthin':
      return !base;
    case 'rbd':
      return true;
    case 'dir':
    case 'lvm':
      return volname.endsWith('.qcow2');
  }
}

function snapshotFeature(ctx: SimContext, vm: VmState): boolean {
  return volumes(vm.config).every(({ storage, volname }) =>
    canSnapshot(
      ctx.storagesOn(vm.node).find((s) => s.storage === storage),
      volname,
    ),
  );
}

/** GET …/snapshot: every snapshot (snaptime, vmstate 0/1, description, parent) and `current`. */
export function snapshotList(ctx: SimContext, p: Params): unknown[] {
  const vm = ctx.loadVm(String(p.node), Number(p.vmid));
  const list: Record<string, unknown>[] = Object.entries(vm.snapshots ?? {}).map(([name, snap]) => {
    const item: Record<string, unknown> = {
      name,
      snaptime: Number(snap.snaptime ?? 0),
      vmstate: snap.vmstate ? 1 : 0,
      description: String(snap.description ?? ''),
    };
    if (snap.parent) item.parent = snap.parent;
    if (snap.snapstate) item.snapstate = snap.snapstate;
    return item;
  });
  const current: Record<string, unknown> = {
    name: 'current',
    digest: vmDigest(vm),
    running: vm.status === 'running' ? 1 : 0,
    description: 'You are here!',
  };
  if (vm.config.parent) current.parent = vm.config.parent;
  list.push(current);
  return list;
}

/** GET …/snapshot/{snapname}: the directory index, whether or not the snapshot exists. */
export function snapshotIndex(): unknown[] {
  return [{ cmd: 'rollback' }, { cmd: 'config' }];
}

function findSnapshot(vm: VmState, name: string): Config {
  const snap = vm.snapshots?.[name];
  if (!snap) throw new TaskError(`snapshot '${name}' does not exist`);
  return snap;
}

/** GET …/snapshot/{snapname}/config: the snapshot's section as stored (cipassword masked). */
export function snapshotConfig(ctx: SimContext, p: Params): Config {
  const vm = ctx.loadVm(String(p.node), Number(p.vmid));
  const snap = vm.snapshots?.[String(p.snapname)];
  if (!snap) throw die(`snapshot '${p.snapname}' does not exist`);
  const config = { ...snap };
  if (config.cipassword) config.cipassword = '**********';
  return config;
}

/** PUT …/snapshot/{snapname}/config: only `description`; without it nothing is checked at all. */
export function updateSnapshotConfig(ctx: SimContext, p: Params): null {
  if (p.description === undefined) return null;
  const vm = ctx.loadVm(String(p.node), Number(p.vmid));
  if (vm.config.lock !== undefined) throw die(`VM is locked (${vm.config.lock})`);
  const snap = vm.snapshots?.[String(p.snapname)];
  if (!snap) throw die(`snapshot '${p.snapname}' does not exist`);
  snap.description = String(p.description);
  ctx.onChange();
  return null;
}

const lockFault = (vmid: number): string =>
  `can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`;

/** __snapshot_save_vmstate: a raw state volume of twice the memory plus 500 MiB on the boot disk's storage. */
function saveVmstate(vm: VmState, snapname: string): { volid: string; storage: string; bytes: number } {
  const storage = volumes(vm.config)[0]?.storage ?? 'local-lvm';
  const bytes = vmstateBytes(vm.config.memory);
  return { volid: `${storage}:vm-${vm.vmid}-state-${snapname}`, storage, bytes };
}

/** POST …/snapshot: the reserved names are refused before the fork; everything else fails the task. */
export function createSnapshot(ctx: SimContext, p: Params, caller: Caller): string {
  const nodeName = String(p.node);
  const vmid = Number(p.vmid);
  const snapname = String(p.snapname);
  if (snapname === 'current') throw die("unable to use snapshot name 'current' (reserved name)");
  if (snapname.toLowerCase() === 'pending')
    throw die("unable to use snapshot name 'pending' (reserved name)");
  ctx.loadVm(nodeName, vmid);
  return ctx.startTask(nodeName, 'qmsnapshot', String(vmid), caller, async (worker) => {
    await ctx.waitFlock(worker, vmid);
    const vm = ctx.reloadVm(nodeName, vmid);
    // __snapshot_prepare, in its order; nothing is written until every check passed.
    if (vm.config.template) throw new TaskError("you can't take a snapshot if it's a template");
    ctx.checkLock(vm, false);
    const snapshots = (vm.snapshots ??= {});
    if (snapshots[snapname]) throw new TaskError(`snapshot name '${snapname}' already used`);
    if (!snapshotFeature(ctx, vm)) throw new TaskError('snapshot feature is not available');
    await worker.faultPoint(lockFault(vmid));
    for (const [name, other] of Object.entries(snapshots)) {
      if (other.parent === snapname) {
        worker.log(`deleting parent '${snapname}' reference from '${name}' to avoid bogus snapshot cycle.`);
        delete other.parent;
      }
    }
    vm.config.lock = 'snapshot';
    const snap: Config = {};
    copyConfig(vm.config, snap);
    const running = vm.status === 'running';
    const state = p.vmstate === 1 && running ? saveVmstate(vm, snapname) : undefined;
    if (state) {
      snap.vmstate = state.volid;
      snap.runningmachine = 'pc-i440fx-9.2+pve1';
      snap.runningcpu = 'x86-64-v2-AES,enforce,+kvm_pv_eoi,+kvm_pv_unhalt';
    }
    snap.snapstate = 'prepare';
    snap.snaptime = Math.floor(Date.now() / 1000);
    if (p.description) snap.description = String(p.description);
    snapshots[snapname] = snap;
    ctx.onChange();
    if (state) {
      worker.log(`saving VM state and RAM using storage '${state.storage}'`);
      const ram = memoryMiB(vm.config.memory) * MiB * 0.3;
      await worker.sleep(DURATION.snapshotVmstatePerGiB * (ram / 1024 ** 3) + DURATION.snapshot);
      worker.log(`completed saving the VM state in 2s, saved ${humanBytes(ram)}`);
    }
    for (const { key, volume } of volumes(snap)) worker.log(`snapshotting 'drive-${key}' (${volume})`);
    await worker.sleep(DURATION.snapshot);
    // __snapshot_commit
    const current = ctx.reloadVm(nodeName, vmid);
    if (current.config.lock !== 'snapshot') throw new TaskError('missing snapshot lock');
    delete snap.snapstate;
    delete current.config.lock;
    current.config.parent = snapname;
    ctx.onChange();
  });
}

/** add_unused_volume: the first free unusedN, unless the volume is already listed. */
function addUnused(config: Config, volume: string): void {
  if (Object.entries(config).some(([k, v]) => /^unused\d+$/.test(k) && v === volume)) return;
  let i = 0;
  while (config[`unused${i}`] !== undefined) i++;
  config[`unused${i}`] = volume;
}

/**
 * POST …/snapshot/{snapname}/rollback: a `qmrollback` task. A running VM is stopped first (vm_stop,
 * no shutdown); the config becomes the snapshot's (pending changes dropped, description and unused
 * disks kept, disks only in the current config become unused), `parent` the snapshot, a new vmgenid.
 * With RAM the VM resumes from it; with `start` a separate `qmstart` task boots it.
 */
export function rollbackSnapshot(ctx: SimContext, p: Params, caller: Caller): string {
  const nodeName = String(p.node);
  const vmid = Number(p.vmid);
  const snapname = String(p.snapname);
  return ctx.startTask(nodeName, 'qmrollback', String(vmid), caller, async (worker) => {
    await ctx.waitFlock(worker, vmid);
    const vm = ctx.reloadVm(nodeName, vmid);
    if (vm.config.template) throw new TaskError("you can't rollback if vm is a template");
    const snap = findSnapshot(vm, snapname);
    if (snap.snapstate)
      throw new TaskError(`unable to rollback to incomplete snapshot (snapstate = ${snap.snapstate})`);
    ctx.checkLock(vm, false);
    await worker.faultPoint(lockFault(vmid));
    if (vm.status === 'running') {
      await worker.sleep(DURATION.stop);
      powerOff(ctx, vm);
    }
    vm.config.lock = 'rollback';
    ctx.onChange();
    for (const { volname } of volumes(snap)) {
      const lv = volname.split('/').pop() ?? volname;
      worker.log(`  Logical volume "${lv}" successfully removed.`);
      worker.log(`  Logical volume "${lv}" created.`);
    }
    await worker.sleep(DURATION.rollback);
    const current = ctx.reloadVm(nodeName, vmid);
    if (current.config.lock !== 'rollback') throw new TaskError('got wrong lock');
    const kept = new Set(volumes(snap).map((v) => v.volume));
    const next: Config = {};
    for (const [key, value] of Object.entries(current.config))
      if (/^unused\d+$/.test(key) || key === 'description') next[key] = value;
    for (const { volume } of volumes(current.config)) if (!kept.has(volume)) addUnused(next, volume);
    copyConfig(snap, next);
    delete next.runningmachine;
    delete next.runningcpu;
    if (next.vmgenid !== undefined) next.vmgenid = randomUUID();
    next.parent = snapname;
    current.config = next;
    current.pending = {};
    current.pendingDelete = [];
    ctx.onChange();
    if (snap.vmstate) {
      // __snapshot_rollback_vm_start: vm_start with the saved RAM as statefile, inside this task.
      await worker.sleep(DURATION.start);
      bootVm(ctx, current);
    } else if (p.start === 1) {
      startVm(ctx, { node: nodeName, vmid }, caller);
    }
  });
}

/**
 * DELETE …/snapshot/{snapname}: a `qmdelsnapshot` task under the `snapshot-delete` lock; the RAM
 * volume and the volume snapshots go, children are re-parented to the deleted one's parent.
 */
export function deleteSnapshot(ctx: SimContext, p: Params, caller: Caller): string {
  const nodeName = String(p.node);
  const vmid = Number(p.vmid);
  const snapname = String(p.snapname);
  return ctx.startTask(nodeName, 'qmdelsnapshot', String(vmid), caller, async (worker) => {
    await ctx.waitFlock(worker, vmid);
    const vm = ctx.reloadVm(nodeName, vmid);
    const snap = findSnapshot(vm, snapname);
    ctx.checkLock(vm, false); // set_lock
    await worker.faultPoint(lockFault(vmid));
    vm.config.lock = 'snapshot-delete';
    if (vm.config.template) throw new TaskError("you can't delete a snapshot if vm is a template");
    snap.snapstate = 'delete';
    ctx.onChange();
    await deleteVolumes(worker, snap, snapname);
    const current = ctx.reloadVm(nodeName, vmid);
    if (current.config.lock !== 'snapshot-delete')
      throw new TaskError("encountered invalid lock, expected 'snapshot-delete'");
    const unlink = (config: Config): void => {
      if (config.parent !== snapname) return;
      if (snap.parent) config.parent = snap.parent;
      else delete config.parent;
    };
    unlink(current.config);
    for (const [name, other] of Object.entries(current.snapshots ?? {})) if (name !== snapname) unlink(other);
    delete current.snapshots?.[snapname];
    delete current.config.lock;
    ctx.onChange();
  });
}

async function deleteVolumes(worker: WorkerContext, snap: Config, snapname: string): Promise<void> {
  if (snap.vmstate) {
    const volname = String(snap.vmstate).split(':').pop() ?? '';
    worker.log(`  Logical volume "${volname}" successfully removed.`);
    delete snap.vmstate;
  }
  for (const { volname } of volumes(snap)) {
    const lv = volname.split('/').pop() ?? volname;
    worker.log(`  Logical volume "snap_${lv}_${snapname}" successfully removed.`);
  }
  await worker.sleep(DURATION.snapshotDelete);
}

/**
 * GET …/feature (Qemu.pm vm_feature): whether every volume of the config (or of a snapshot) supports
 * the feature (QemuConfig has_feature over pve-storage volume_has_feature), and the nodes sharing all
 * its storages. A snapshot that does not exist is PVE's `snapshot '…' does not exist`.
 */
export function vmFeature(ctx: SimContext, p: Params): { hasFeature: boolean; nodes: string[] } {
  const vm = ctx.loadVm(String(p.node), Number(p.vmid));
  const config = p.snapname === undefined ? vm.config : vm.snapshots?.[String(p.snapname)];
  if (!config) throw die(`snapshot '${p.snapname}' does not exist`);
  const feature = String(p.feature);
  const storages = volumes(config).map(({ storage, volname }) => ({
    volname,
    storage: ctx.storagesOn(vm.node).find((s) => s.storage === storage),
  }));
  const hasFeature = storages.every(({ storage, volname }) =>
    feature === 'snapshot'
      ? canSnapshot(storage, volname)
      : // clone and copy: every storage type modelled can copy; a linked clone needs a base volume.
        storage !== undefined && (feature !== 'clone' || /^base-/.test(volname)),
  );
  // shared_nodes: the nodes that see every storage of the config (none when one is local).
  const nodes = ctx.state.nodes
    .map((n) => n.name)
    .filter((node) =>
      storages.every(({ storage }) => storage?.shared && ctx.storagesOn(node).some((s) => s === storage)),
    );
  return { hasFeature, nodes };
}
