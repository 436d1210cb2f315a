// rrddata: PVE 9 resolutions and the pve-vm-9.0 fields, derived from the VM's current status.
import { MiB, type VmState } from '../cluster.ts';
import { memoryMiB } from '../formats.ts';
import { bootDiskSize, vcpus, wobble } from './status.ts';

const SETUP: Record<string, [step: number, points: number]> = {
  hour: [60, 60],
  day: [60, 1440],
  week: [1800, 336],
  month: [1800, 1440],
  year: [21600, 1440],
};

export function rrdData(vm: VmState, timeframe: string, cf: string): unknown[] {
  const [step, points] = SETUP[timeframe] ?? [60, 60];
  const last = Math.floor(Date.now() / 1000 / step) * step;
  const createdAt = Math.floor(vm.createdAt / 1000);
  const startedAt = vm.startedAt ? Math.floor(vm.startedAt / 1000) : Infinity;
  const maxmem = memoryMiB(vm.config.memory) * MiB;
  const maxdisk = bootDiskSize(vm.config);
  const factor = cf === 'MAX' ? 1.3 : 1;
  const rows: Record<string, number>[] = [];
  for (let i = points - 1; i >= 0; i--) {
    const time = last - i * step;
    if (time < createdAt - step) {
      rows.push({ time });
      continue;
    }
    const running = vm.status === 'running' && time >= startedAt - step;
    const w = wobble(vm.vmid, time, 1800);
    rows.push({
      time,
      maxcpu: vcpus(vm.config),
      cpu: running ? Number(((0.02 + 0.1 * w) * factor).toFixed(6)) : 0,
      maxmem,
      mem: running ? Math.floor(maxmem * (0.3 + 0.2 * w)) : 0,
      memhost: running ? Math.floor(maxmem * (0.32 + 0.2 * w)) : 0,
      maxdisk,
      disk: 0,
      netin: running ? Number((1500 + 3000 * w * factor).toFixed(2)) : 0,
      netout: running ? Number((600 + 1200 * w * factor).toFixed(2)) : 0,
      diskread: running ? Number((4096 * w * factor).toFixed(2)) : 0,
      diskwrite: running ? Number((16384 * w * factor).toFixed(2)) : 0,
      pressurecpusome: 0,
      pressurecpufull: 0,
      pressureiosome: 0,
      pressureiofull: 0,
      pressurememorysome: 0,
      pressurememoryfull: 0,
    });
  }
  return rows;
}
