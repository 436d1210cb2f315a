// Guest agent (Qemu/Agent.pm): the availability checks in PVE's order, ping, network-get-interfaces.
import type { VmState } from '../cluster.ts';
import { vmSelected } from '../faults.ts';
import { agentEnabled, parseIpConfig, splitPropertyString } from '../formats.ts';
import { DURATION, type Params, type SimContext } from './context.ts';
import { die } from './errors.ts';
import { uptime } from './status.ts';

export async function agentAvailable(ctx: SimContext, vm: VmState): Promise<void> {
  if (vm.config.agent === undefined) throw die('No QEMU guest agent configured');
  if (vm.status !== 'running') throw die(`VM ${vm.vmid} is not running`);
  const now = Date.now();
  const ready =
    agentEnabled(vm.config.agent) &&
    vm.qmpstatus === 'running' &&
    vm.agentReadyAt !== undefined &&
    now >= vm.agentReadyAt &&
    !vmSelected(ctx.faults().agentNeverAnswers, vm.vmid);
  if (!ready) {
    // guest-ping waits for its timeout before PVE gives up.
    await ctx.clock.sleep(DURATION.agentPingTimeout);
    throw die('QEMU guest agent is not running');
  }
}

function guestIpv4(vm: VmState): { ip: string; prefix: number } {
  const ip = parseIpConfig(vm.cloudinitApplied.ipconfig0).ip;
  const cidr = ip ? /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(ip) : null;
  if (cidr) return { ip: cidr[1] ?? '', prefix: Number(cidr[2]) };
  // DHCP: a stable lease per VMID from the simulated bridge's pool.
  return { ip: `192.168.100.${(vm.vmid % 200) + 20}`, prefix: 24 };
}

export async function agentInterfaces(ctx: SimContext, p: Params): Promise<unknown> {
  const vm = ctx.loadVm(String(p.node), Number(p.vmid));
  await agentAvailable(ctx, vm);
  const net0 = splitPropertyString(String(vm.config.net0 ?? ''));
  const mac = (
    net0.find(([, v]) => /^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/.test(v))?.[1] ?? 'BC:24:11:00:00:00'
  ).toLowerCase();
  const macBytes = mac.split(':');
  const linkLocal =
    `fe80::${(parseInt(macBytes[0] ?? '0', 16) ^ 2).toString(16)}${macBytes[1]}:${macBytes[2]}ff:fe${macBytes[3]}:${macBytes[4]}${macBytes[5]}`.replace(
      /:0+([0-9a-f])/g,
      ':$1',
    );
  const up = uptime(vm);
  const stats = (rx: number, tx: number): Record<string, number> => ({
    'rx-bytes': rx,
    'rx-dropped': 0,
    'rx-errs': 0,
    'rx-packets': Math.floor(rx / 600),
    'tx-bytes': tx,
    'tx-dropped': 0,
    'tx-errs': 0,
    'tx-packets': Math.floor(tx / 600),
  });
  const addresses: Record<string, unknown>[] = [];
  if (vm.networkReadyAt !== undefined && Date.now() >= vm.networkReadyAt) {
    const v4 = guestIpv4(vm);
    addresses.push({ 'ip-address-type': 'ipv4', 'ip-address': v4.ip, prefix: v4.prefix });
    const ip6 = parseIpConfig(vm.cloudinitApplied.ipconfig0).ip6;
    const v6 = ip6 ? /^([0-9a-fA-F:]+)\/(\d+)$/.exec(ip6) : null;
    if (v6) addresses.push({ 'ip-address-type': 'ipv6', 'ip-address': v6[1], prefix: Number(v6[2]) });
  }
  addresses.push({ 'ip-address-type': 'ipv6', 'ip-address': linkLocal, prefix: 64 });
  return {
    result: [
      {
        name: 'lo',
        'hardware-address': '00:00:00:00:00:00',
        'ip-addresses': [
          { 'ip-address-type': 'ipv4', 'ip-address': '127.0.0.1', prefix: 8 },
          { 'ip-address-type': 'ipv6', 'ip-address': '::1', prefix: 128 },
        ],
        statistics: stats(up * 120, up * 120),
      },
      {
        name: 'eth0',
        'hardware-address': mac,
        'ip-addresses': addresses,
        statistics: stats(up * 2100, up * 900),
      },
    ],
  };
}
