// Clone (Qemu.pm clone_vm): the checks made before the worker forks, then the copy inside the task
// while the new VMID's config exists with `lock: clone` and its flock is held.
import { randomUUID } from 'node:crypto';
import type { Config, StorageState } from '../cluster.ts';
import { DISK_KEY_RE, formatDrive, humanBytes, isCdrom, parseDrive, withDriveSize } from '../formats.ts';
import { DURATION, type Caller, type Params, type SimContext } from './context.ts';
import { NET_KEY_RE, ensureSpace, withMac } from './config.ts';
import { TaskError, die } from './errors.ts';

export function cloneVm(ctx: SimContext, p: Params, caller: Caller): string {
  const nodeName = String(p.node);
  const vmid = Number(p.vmid);
  const newid = Number(p.newid);
  const source = ctx.loadVm(nodeName, vmid);
  const isTemplate = Boolean(source.config.template);
  const full = p.full === undefined ? !isTemplate : p.full === 1;
  const target = p.target !== undefined && p.target !== nodeName ? String(p.target) : undefined;
  if (target && !ctx.findNode(target)) throw die(`no such cluster node '${target}'`);
  if (p.snapname !== undefined) throw die(`snapshot '${p.snapname}' does not exist`);
  if (source.config.lock !== undefined) throw die(`VM is locked (${source.config.lock})`);
  const existing = ctx.state.vms[String(newid)];
  if (existing && existing.node === nodeName)
    throw die(`unable to create VM ${newid}: config file already exists`);
  if (!full) {
    if (p.storage !== undefined) throw die("parameter 'storage' not allowed for linked clones");
    if (p.format !== undefined) throw die("parameter 'format' not allowed for linked clones");
  }
  const disks = Object.entries(source.config)
    .filter(([k]) => DISK_KEY_RE.test(k))
    .map(([key, value]) => ({ key, drive: parseDrive(String(value)), value: String(value) }))
    .filter(
      ({ drive }) =>
        drive.storage !== undefined && (!isCdrom(drive) || /cloudinit/.test(drive.volname ?? '')),
    );
  if (target) {
    for (const { drive } of disks) {
      const storage = ctx.storagesOn(nodeName).find((s) => s.storage === drive.storage);
      if (!storage?.shared) throw die(`can't clone VM to node '${target}' (VM uses local storage)`);
    }
  }
  let targetStorage: StorageState | undefined;
  if (p.storage !== undefined) {
    targetStorage = ctx.storage(target ?? nodeName, String(p.storage));
    if (target && !targetStorage.shared) throw die(`can't clone to non-shared storage '${p.storage}'`);
    if (!targetStorage.content.split(',').includes('images'))
      throw die(`storage '${p.storage}' does not support vm images`);
  }
  if (!full) {
    for (const { key, drive } of disks) {
      if (isCdrom(drive)) continue;
      if (!drive.volname?.startsWith('base-'))
        throw die(`Linked clone feature is not supported for '${drive.volume}' (${key})`);
    }
  }

  let releaseFlock: () => void = () => undefined;
  const flock = new Promise<void>((resolve) => {
    releaseFlock = resolve;
  });
  const createdTemp = !existing;
  if (createdTemp) {
    // create_and_lock_config: the new VMID's config exists, locked, from the first moment.
    ctx.state.vms[String(newid)] = {
      vmid: newid,
      node: nodeName,
      config: { lock: 'clone' },
      pending: {},
      pendingDelete: [],
      status: 'stopped',
      qmpstatus: 'running',
      cloudinitApplied: {},
      createdAt: Date.now(),
    };
    ctx.flocks.set(newid, flock);
  }
  const sourceName = String(source.config.name ?? `VM ${vmid}`);
  return ctx.startTask(nodeName, 'qmclone', String(vmid), caller, async (worker) => {
    try {
      if (!createdTemp) {
        const other = existing?.node ?? nodeName;
        throw new TaskError(
          `close (rename) atomic file '/etc/pve/nodes/${other}/qemu-server/${newid}.conf' failed: File exists`,
        );
      }
      await worker.faultPoint(
        `can't lock file '/var/lock/pve-manager/pve-storage-${disks[0]?.drive.storage ?? 'local-lvm'}' - got timeout`,
      );
      await worker.sleep(DURATION.cloneSetup);
      const newConfig: Config = {};
      for (const [key, value] of Object.entries(source.config)) {
        if (key === 'template' || key === 'lock' || /^unused\d+$/.test(key)) continue;
        newConfig[key] = value;
      }
      let diskIndex = 0;
      for (const { key, drive } of disks) {
        const cloudinit = /cloudinit/.test(drive.volname ?? '');
        const storageId = targetStorage?.storage ?? drive.storage ?? 'local-lvm';
        const options = drive.options.filter(([k]) => k !== 'size');
        if (cloudinit) {
          worker.log(`create full clone of drive ${key} (${drive.volume})`);
          worker.log(`  Logical volume "vm-${newid}-cloudinit" created.`);
          newConfig[key] = formatDrive(`${storageId}:vm-${newid}-cloudinit`, options);
          continue;
        }
        const volname = `vm-${newid}-disk-${diskIndex++}`;
        const size = drive.size ?? 0;
        if (full) {
          const storage = ctx.storage(target ?? nodeName, storageId);
          try {
            ensureSpace(ctx, storage, target ?? nodeName, size, volname);
          } catch (err) {
            throw new TaskError((err as Error).message);
          }
          worker.log(`create full clone of drive ${key} (${drive.volume})`);
          worker.log(`  Logical volume "${volname}" created.`);
          // The volume is allocated before the copy, so concurrent clones see the space taken.
          const temp = ctx.state.vms[String(newid)];
          if (temp) temp.config[`unused${diskIndex + 200}`] = withDriveSize(`${storageId}:${volname}`, size);
          worker.log(`transferred 0.0 B of ${humanBytes(size)} (0.00%)`);
          await ctx.scheduler(nodeName).transfer(size);
          worker.log(`transferred ${humanBytes(size)} of ${humanBytes(size)} (100.00%)`);
          newConfig[key] = withDriveSize(formatDrive(`${storageId}:${volname}`, options), size);
        } else {
          worker.log(`create linked clone of drive ${key} (${drive.volume})`);
          worker.log(`clone ${drive.volname}: ${drive.volname} snapname __base__ to ${volname}`);
          await worker.sleep(DURATION.linkedClone);
          newConfig[key] = withDriveSize(
            formatDrive(`${storageId}:${drive.volname}/${volname}`, options),
            size,
          );
        }
      }
      for (const key of Object.keys(newConfig)) {
        if (NET_KEY_RE.test(key))
          newConfig[key] = withMac(String(newConfig[key]).replace(/=([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}/, ''));
      }
      newConfig.name = p.name !== undefined ? String(p.name) : `Copy-of-VM-${sourceName}`;
      if (p.description !== undefined) newConfig.description = String(p.description);
      newConfig.smbios1 = `uuid=${randomUUID()}`;
      if (newConfig.vmgenid !== undefined) newConfig.vmgenid = randomUUID();
      const vm = ctx.state.vms[String(newid)];
      if (!vm)
        throw new TaskError(
          `Configuration file 'nodes/${nodeName}/qemu-server/${newid}.conf' does not exist`,
        );
      vm.config = newConfig;
      if (target) vm.node = target;
      ctx.onChange();
    } catch (err) {
      if (createdTemp && ctx.state.vms[String(newid)]?.config.lock === 'clone')
        Reflect.deleteProperty(ctx.state.vms, String(newid));
      throw new TaskError(`clone failed: ${(err as Error).message}`);
    } finally {
      if (createdTemp) {
        ctx.flocks.delete(newid);
        releaseFlock();
      }
    }
  });
}
