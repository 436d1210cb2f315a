// Clone (qemu-server API2/Qemu.pm clone_vm). The same checks run before the worker forks and again
// inside it, under the new VMID's flock (taken with a 1 s timeout). Only then does the worker write
// the temporary config `# qmclone temporary file` + `lock: clone`, so two clones racing for one new
// VMID can both get a UPID, and the loser's task fails on the flock. The new config is written after
// the first drive, still locked, and unlocked at the end.
import { randomUUID } from 'node:crypto';
import type { Config, StorageState, VmState } from '../cluster.ts';
import {
  DISK_KEY_RE,
  formatDrive,
  humanBytes,
  isCdrom,
  parseDrive,
  withDriveSize,
  type Drive,
} from '../formats.ts';
import type { WorkerContext } from '../tasks.ts';
import { DURATION, type Caller, type Params, type SimContext } from './context.ts';
import { NET_KEY_RE, ensureSpace, withMac } from './config.ts';
import { SimHttpError, TaskError, die } from './errors.ts';

/** What parse_vm_config makes of the temporary file's comment line: a description. */
export const CLONE_TEMP_DESCRIPTION = ' qmclone temporary file';

interface CloneDrive {
  key: string;
  drive: Drive;
}

interface CloneCheck {
  source: VmState;
  full: boolean;
  drives: CloneDrive[];
  targetStorage: StorageState | undefined;
}

/** load_and_check: the checks in clone_vm's order, before the fork and again in the worker. */
function loadAndCheck(ctx: SimContext, p: Params, target: string | undefined): CloneCheck {
  const nodeName = String(p.node);
  const vmid = Number(p.vmid);
  const newid = Number(p.newid);
  if (target && !ctx.findNode(target)) throw die(`no such cluster node '${target}'`);
  let targetStorage: StorageState | undefined;
  if (p.storage !== undefined) {
    targetStorage = ctx.storage(nodeName, String(p.storage));
    if (!targetStorage.content.split(',').includes('images'))
      throw new SimHttpError(400, 'Parameter verification failed.', {
        storage: `storage '${p.storage}' does not support vm images`,
      });
    if (target) {
      ctx.storage(target, String(p.storage));
      if (!targetStorage.shared) throw die(`can't clone to non-shared storage '${p.storage}'`);
    }
  }
  const source = ctx.loadVm(nodeName, vmid);
  if (source.config.lock !== undefined) throw die(`VM is locked (${source.config.lock})`);
  if (p.snapname !== undefined) throw die(`snapshot '${p.snapname}' does not exist`);
  const full = p.full === undefined ? !source.config.template : p.full === 1;
  if (p.storage !== undefined && !full) throw die("parameter 'storage' not allowed for linked clones");
  if (p.format !== undefined && !full) throw die("parameter 'format' not allowed for linked clones");
  const drives = Object.keys(source.config)
    .filter((key) => DISK_KEY_RE.test(key))
    .sort()
    .map((key) => ({ key, drive: parseDrive(String(source.config[key])) }))
    .filter(
      ({ drive }) =>
        drive.storage !== undefined && (!isCdrom(drive) || /cloudinit/.test(drive.volname ?? '')),
    );
  if (target) {
    const shared = drives.every(
      ({ drive }) => ctx.storagesOn(nodeName).find((s) => s.storage === drive.storage)?.shared,
    );
    if (!shared) throw die(`can't clone VM to node '${target}' (VM uses local storage)`);
  }
  const existing = ctx.state.vms[String(newid)];
  if (existing && existing.node === nodeName)
    throw die(`unable to create VM ${newid}: config file already exists`);
  for (const { key, drive } of drives) {
    const cloudinit = /cloudinit/.test(drive.volname ?? '');
    if (!full && !cloudinit && !drive.volname?.startsWith('base-'))
      throw die(`Linked clone feature is not supported for '${drive.volume}' (${key})`);
  }
  return { source, full, drives, targetStorage };
}

/** The new VM's config before its drives: everything else copied, MACs, uuid and vmgenid new. */
function baseConfig(source: VmState, p: Params, sourceVmid: number): Config {
  const config: Config = { lock: 'clone' };
  for (const [key, value] of Object.entries(source.config)) {
    if (key === 'template' || key === 'lock' || /^unused\d+$/.test(key)) continue;
    if (DISK_KEY_RE.test(key)) {
      const drive = parseDrive(String(value));
      if (!isCdrom(drive) || /cloudinit/.test(drive.volname ?? '')) continue; // cloned below
    }
    config[key] = NET_KEY_RE.test(key)
      ? withMac(String(value).replace(/=([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}/, ''))
      : value;
  }
  config.smbios1 = `uuid=${randomUUID()}`;
  if (config.vmgenid !== undefined) config.vmgenid = randomUUID();
  config.name =
    p.name !== undefined ? String(p.name) : `Copy-of-VM-${String(source.config.name ?? sourceVmid)}`;
  if (p.description) config.description = String(p.description);
  return config;
}

export function cloneVm(ctx: SimContext, p: Params, caller: Caller): string {
  const nodeName = String(p.node);
  const vmid = Number(p.vmid);
  const newid = Number(p.newid);
  const target = p.target !== undefined && p.target !== nodeName ? String(p.target) : undefined;
  loadAndCheck(ctx, p, target); // early checks before forking/locking
  return ctx.startTask(nodeName, 'qmclone', String(vmid), caller, async (worker) => {
    await worker.sleep(DURATION.cloneWorkerStart);
    const release = await ctx.lockConfig(worker, newid, DURATION.cloneFlockTimeout);
    try {
      await worker.sleep(ctx.faults().cloneConfigDelayMs);
      await cloneLocked(ctx, p, target, worker);
    } finally {
      release();
    }
  });
}

async function cloneLocked(
  ctx: SimContext,
  p: Params,
  target: string | undefined,
  worker: WorkerContext,
): Promise<void> {
  const nodeName = String(p.node);
  const vmid = Number(p.vmid);
  const newid = Number(p.newid);
  let checked: CloneCheck;
  try {
    checked = loadAndCheck(ctx, p, target);
  } catch (err) {
    throw new TaskError((err as Error).message);
  }
  const { source, full, drives, targetStorage } = checked;
  worker.log(`creating a clone of VM ${vmid} with ID ${newid}`);
  const newConfig = baseConfig(source, p, vmid);
  // file_set_contents of the temporary config: pmxcfs refuses a VMID another node holds.
  if (ctx.state.vms[String(newid)])
    throw new TaskError(
      `close (rename) atomic file '/etc/pve/nodes/${nodeName}/qemu-server/${newid}.conf' failed: File exists`,
    );
  const vm: VmState = {
    vmid: newid,
    node: nodeName,
    config: { description: CLONE_TEMP_DESCRIPTION, lock: 'clone' },
    pending: {},
    pendingDelete: [],
    status: 'stopped',
    qmpstatus: 'running',
    cloudinitApplied: {},
    createdAt: Date.now(),
    allocated: {},
  };
  ctx.state.vms[String(newid)] = vm;
  ctx.onChange();
  try {
    await worker.faultPoint(
      `can't lock file '/var/lock/pve-manager/pve-storage-${drives[0]?.drive.storage ?? 'local-lvm'}' - got timeout`,
    );
    await worker.sleep(DURATION.cloneSetup);
    let diskIndex = 0;
    for (const { key, drive } of drives) {
      const storageId = targetStorage?.storage ?? drive.storage ?? 'local-lvm';
      const options = drive.options.filter(([k]) => k !== 'size');
      if (/cloudinit/.test(drive.volname ?? '')) {
        worker.log(`create full clone of drive ${key} (${drive.volume})`);
        worker.log(`  Logical volume "vm-${newid}-cloudinit" created.`);
        newConfig[key] = formatDrive(`${storageId}:vm-${newid}-cloudinit`, options);
      } else if (full) {
        const volname = `vm-${newid}-disk-${diskIndex++}`;
        const size = drive.size ?? 0;
        try {
          ensureSpace(ctx, ctx.storage(target ?? nodeName, storageId), target ?? nodeName, size, volname);
        } catch (err) {
          throw new TaskError((err as Error).message);
        }
        worker.log(`create full clone of drive ${key} (${drive.volume})`);
        worker.log(`  Logical volume "${volname}" created.`);
        // The volume exists from here on, so concurrent clones see the space taken.
        (vm.allocated ??= {})[key] = withDriveSize(`${storageId}:${volname}`, size);
        worker.log(`transferred 0.0 B of ${humanBytes(size)} (0.00%)`);
        await ctx.scheduler(nodeName).transfer(size);
        worker.log(`transferred ${humanBytes(size)} of ${humanBytes(size)} (100.00%)`);
        newConfig[key] = withDriveSize(formatDrive(`${storageId}:${volname}`, options), drive.size ?? 0);
      } else {
        const volname = `vm-${newid}-disk-${diskIndex++}`;
        worker.log(`create linked clone of drive ${key} (${drive.volume})`);
        worker.log(`clone ${drive.volname}: ${drive.volname} snapname __base__ to ${volname}`);
        await worker.sleep(DURATION.linkedClone);
        newConfig[key] = withDriveSize(
          formatDrive(`${storageId}:${drive.volname}/${volname}`, options),
          drive.size ?? 0,
        );
      }
      // write_config after every drive: the config is whole but for the drives still to come.
      if (ctx.state.vms[String(newid)] !== vm)
        throw new TaskError(
          `Configuration file 'nodes/${nodeName}/qemu-server/${newid}.conf' does not exist`,
        );
      vm.config = { ...newConfig };
      Reflect.deleteProperty(vm.allocated ?? {}, key);
      ctx.onChange();
    }
    delete newConfig.lock;
    vm.config = newConfig;
    delete vm.allocated;
    if (target) vm.node = target;
    ctx.onChange();
  } catch (err) {
    if (ctx.state.vms[String(newid)] === vm) Reflect.deleteProperty(ctx.state.vms, String(newid));
    ctx.onChange();
    throw new TaskError(`clone failed: ${(err as Error).message}`);
  }
}
