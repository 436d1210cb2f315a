// Resize (Qemu.pm resize_vm): a `resize` task that grows a disk, never shrinks it.
import { GiB, MiB, storageUsed } from '../cluster.ts';
import { configDigest, isCdrom, parseDrive, resolveResize, withDriveSize } from '../formats.ts';
import { DURATION, type Caller, type Params, type SimContext } from './context.ts';
import { TaskError } from './errors.ts';

/** resize_vm forks at once: even a missing VM gets a UPID, and its task fails in load_config. */
export function resizeDisk(ctx: SimContext, p: Params, caller: Caller): string {
  const nodeName = String(p.node);
  const vmid = Number(p.vmid);
  const disk = String(p.disk);
  return ctx.startTask(nodeName, 'resize', String(vmid), caller, async (worker) => {
    await ctx.waitFlock(worker, vmid);
    const vm = ctx.reloadVm(nodeName, vmid);
    if (p.digest !== undefined && p.digest !== configDigest(vm.config, vm.pending, vm.pendingDelete)) {
      throw new TaskError('checksum mismatch (file change by other user?)');
    }
    ctx.checkLock(vm, p.skiplock === 1);
    await worker.faultPoint(`can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`);
    const value = vm.config[disk];
    if (value === undefined) throw new TaskError(`disk '${disk}' does not exist`);
    const drive = parseDrive(String(value));
    if (isCdrom(drive)) throw new TaskError("you can't resize a cdrom");
    const current = drive.size ?? 0;
    const resolved = resolveResize(current, String(p.size));
    if (!resolved.ok) throw new TaskError(resolved.error);
    if (resolved.bytes === current) return;
    const storage = ctx.storagesOn(nodeName).find((s) => s.storage === drive.storage);
    if (storage) {
      const avail = storage.total - storageUsed(ctx.state, storage, nodeName);
      if (resolved.bytes - current > avail) {
        throw new TaskError(
          `  Insufficient free space: ${Math.ceil((resolved.bytes - current) / (4 * MiB))} extents needed, but only ${Math.floor(avail / (4 * MiB))} available`,
        );
      }
    }
    await worker.sleep(DURATION.resize);
    const extents = (b: number): number => Math.ceil(b / (4 * MiB));
    const gib = (b: number): string => `${(b / GiB).toFixed(2)} GiB`;
    const lv = drive.volname?.split('/').pop() ?? disk;
    worker.log(
      `  Size of logical volume pve/${lv} changed from ${gib(current)} (${extents(current)} extents) to ${gib(resolved.bytes)} (${extents(resolved.bytes)} extents).`,
    );
    worker.log(`  Logical volume pve/${lv} successfully resized.`);
    vm.config[disk] = withDriveSize(String(value), resolved.bytes);
    ctx.onChange();
  });
}
