// Destroy (Qemu.pm destroy_vm) and convert to template: both tasks; the config goes last.
import { DISK_KEY_RE, isCdrom, parseDrive } from '../formats.ts';
import { DURATION, type Caller, type Params, type SimContext } from './context.ts';
import { TaskError, die } from './errors.ts';

const isVolumeKey = (key: string): boolean => DISK_KEY_RE.test(key) || /^unused\d+$/.test(key);

export function destroyVm(ctx: SimContext, p: Params, caller: Caller): string {
  const nodeName = String(p.node);
  const vmid = Number(p.vmid);
  const vm = ctx.loadVm(nodeName, vmid);
  if (vm.config.protection) throw die(`can't remove VM ${vmid} - protection mode enabled`);
  if (vm.status === 'running') throw die(`VM ${vmid} is running - destroy failed`);
  return ctx.startTask(nodeName, 'qmdestroy', String(vmid), caller, async (worker) => {
    await ctx.waitFlock(worker, vmid);
    const current = ctx.reloadVm(nodeName, vmid);
    ctx.checkLock(current, p.skiplock === 1);
    if (current.status === 'running') throw new TaskError(`VM ${vmid} is running - destroy failed`);
    await worker.faultPoint(`can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`);
    for (const [key, value] of Object.entries(current.config)) {
      if (!isVolumeKey(key)) continue;
      const drive = parseDrive(String(value));
      if (!drive.volname || (isCdrom(drive) && !/cloudinit/.test(drive.volname))) continue;
      if (drive.volname.startsWith('base-') && !drive.volname.includes('/')) {
        const inUse = Object.values(ctx.state.vms).some(
          (other) =>
            other.vmid !== vmid &&
            Object.values(other.config).some((v) => String(v).includes(`${drive.volname}/`)),
        );
        if (inUse) throw new TaskError(`base volume '${drive.volname}' is still in use by linked cloned`);
      }
    }
    await worker.sleep(DURATION.destroy);
    for (const [key, value] of Object.entries(current.config)) {
      if (!isVolumeKey(key)) continue;
      const drive = parseDrive(String(value));
      if (!drive.volname || (isCdrom(drive) && !/cloudinit/.test(drive.volname))) continue;
      worker.log(`  Logical volume "${drive.volname.split('/').pop()}" successfully removed.`);
    }
    if (p.purge === 1) worker.log(`purging VM ${vmid} from related configurations..`);
    // The config goes last, so the VMID stays taken until the task ends.
    Reflect.deleteProperty(ctx.state.vms, String(vmid));
    ctx.onChange();
  });
}

export function convertToTemplate(ctx: SimContext, p: Params, caller: Caller): string {
  const nodeName = String(p.node);
  const vmid = Number(p.vmid);
  const vm = ctx.loadVm(nodeName, vmid);
  if (vm.config.template) throw die("you can't convert a template to a template");
  if (vm.status === 'running') throw die("you can't convert a VM to template if VM is running");
  return ctx.startTask(nodeName, 'qmtemplate', String(vmid), caller, async (worker) => {
    const current = ctx.reloadVm(nodeName, vmid);
    ctx.checkLock(current, false);
    await worker.faultPoint(`can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`);
    await worker.sleep(DURATION.template);
    for (const [key, value] of Object.entries(current.config)) {
      if (!DISK_KEY_RE.test(key)) continue;
      const drive = parseDrive(String(value));
      if (!drive.volname || isCdrom(drive) || (p.disk !== undefined && p.disk !== key)) continue;
      const base = drive.volname.replace(/^vm-/, 'base-');
      worker.log(`  Renamed "${drive.volname}" to "${base}" in volume group "pve"`);
      current.config[key] = String(value).replace(drive.volname, base);
    }
    current.config.template = 1;
    ctx.onChange();
  });
}
