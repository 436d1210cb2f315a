// rrddata (Qemu.pm rrddata → pve-cluster PVE/RRD.pm create_rrd_data over `pve-vm-9.0/<vmid>`):
// PVE 9's resolutions, rrdtool fetch's row labels, and the pve-vm-9.0 data sources. The figures are
// synthesised, deterministic per VMID and bucket, from the VM's power history: a bucket the VM spent
// stopped has zero cpu, memory, network and disk traffic; one before the VM existed has only `time`.
import { MiB, type VmState } from '../cluster.ts';
import { memoryMiB } from '../formats.ts';
import { bootDiskSize, vcpus } from './status.ts';

/** RRD.pm `$setup`: [resolution in s, number of rows] per timeframe. */
export const RRD_SETUP: Record<string, [step: number, rows: number]> = {
  hour: [60, 60],
  day: [60, 1440],
  week: [60 * 30, 336],
  month: [60 * 30, 1440],
  year: [3600 * 6, 1440],
};

/** A stable fraction in [0, 1) for (vmid, t, salt): integer hashing, no state, so calls agree. */
export function noise(vmid: number, t: number, salt: number): number {
  let h = Math.imul(vmid ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(Math.floor(t) | 0, 0xc2b2ae35) ^ salt;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** Load in [0, 1]: a daily curve with a per-VM phase plus per-bucket jitter. */
function load(vmid: number, t: number, bucket: number): number {
  const daily = Math.sin((2 * Math.PI * (t % 86_400)) / 86_400 + vmid * 1.7);
  return Math.min(1, Math.max(0, 0.45 + 0.3 * daily + 0.25 * (noise(vmid, bucket, 1) - 0.5)));
}

/** Seconds of (from, to] the VM was running, from its power history (epoch s). */
function runningSeconds(vm: VmState, from: number, to: number): number {
  const history =
    vm.powerHistory ?? (vm.status === 'running' && vm.startedAt ? [{ at: vm.startedAt, running: true }] : []);
  let total = 0;
  let since: number | undefined;
  for (const { at, running } of history) {
    const s = at / 1000;
    if (running && since === undefined) since = s;
    if (!running && since !== undefined) {
      total += Math.max(0, Math.min(to, s) - Math.max(from, since));
      since = undefined;
    }
  }
  if (since !== undefined) total += Math.max(0, to - Math.max(from, since));
  return total;
}

const round = (value: number): number => Number(value.toPrecision(10));

export function rrdData(vm: VmState, timeframe: string, cf: string, now = Date.now()): unknown[] {
  const [step, rows] = RRD_SETUP[timeframe] ?? [60, 60];
  // create_rrd_data fetches [ctime - step*rows, ctime - 1]; rrdtool labels each row with the start of
  // its interval and the last, still-empty row is popped.
  const ctime = step * Math.floor(now / 1000 / step);
  const start = ctime - step * rows;
  const createdAt = vm.createdAt / 1000;
  const maxmem = memoryMiB(vm.config.memory) * MiB;
  const maxcpu = vcpus(vm.config);
  const maxdisk = bootDiskSize(vm.config);
  const peak = cf === 'MAX';
  const out: Record<string, number>[] = [];
  for (let i = 0; i < rows; i++) {
    const time = start + i * step;
    const end = time + step;
    if (end <= createdAt) {
      out.push({ time });
      continue;
    }
    const bucket = time / step;
    const share = runningSeconds(vm, time, end) / step;
    const level = load(vm.vmid, time, bucket);
    // MAX keeps the busiest sample of the bucket: it is as high as the running part reached.
    const on = peak ? (share > 0 ? 1 : 0) : share;
    const burst = peak ? 1.4 + 0.6 * noise(vm.vmid, bucket, 2) : 1;
    const mem = on * maxmem * Math.min(0.95, (0.3 + 0.3 * level) * (peak ? 1.1 : 1));
    out.push({
      time,
      maxcpu,
      cpu: round(on * Math.min(1, (0.02 + 0.18 * level) * burst)),
      maxmem,
      mem: round(mem),
      memhost: round(mem + on * 40 * MiB),
      maxdisk,
      disk: 0,
      netin: round(on * (1500 + 24_000 * level) * burst),
      netout: round(on * (600 + 9_000 * level) * burst),
      diskread: round(on * 48_000 * level * burst),
      diskwrite: round(on * (8_000 + 150_000 * level) * burst),
      pressurecpusome: round(on * 0.02 * level),
      pressurecpufull: round(on * 0.005 * level),
      pressureiosome: round(on * 0.01 * level),
      pressureiofull: round(on * 0.004 * level),
      pressurememorysome: 0,
      pressurememoryfull: 0,
    });
  }
  return out;
}
