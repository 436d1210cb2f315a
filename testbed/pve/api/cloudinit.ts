// Cloud-init views: the pending list (GET cloudinit), the regenerated drive, and the dumped files.
import { createHash } from 'node:crypto';
import { isCloudinitKey, type Config, type VmState } from '../cluster.ts';
import { parseIpConfig, uriUnescape } from '../formats.ts';
import { effectiveConfig } from './status.ts';

/** The cloud-init values a regenerated drive carries (the VM name is the hostname). */
export function cloudinitSnapshot(config: Config): Config {
  const snapshot: Config = {};
  for (const [key, value] of Object.entries(config))
    if (isCloudinitKey(key) || key === 'name') snapshot[key] = value;
  return snapshot;
}

export function cloudinitPending(vm: VmState): unknown[] {
  const effective = effectiveConfig(vm);
  const keys = new Set(
    [...Object.keys(vm.cloudinitApplied), ...Object.keys(effective)].filter(
      (k) => isCloudinitKey(k) || k === 'name',
    ),
  );
  return [...keys].sort().map((key) => {
    const entry: Record<string, unknown> = { key };
    const applied = vm.cloudinitApplied[key];
    const wanted = effective[key];
    if (applied !== undefined) entry.value = key === 'cipassword' ? '**********' : applied;
    if (wanted === undefined && applied !== undefined) entry.delete = 1;
    else if (wanted !== undefined && wanted !== applied)
      entry.pending = key === 'cipassword' ? '**********' : wanted;
    return entry;
  });
}

export function cloudinitDump(vm: VmState, type: string): string {
  const config = effectiveConfig(vm);
  const hostname = String(config.name ?? `VM ${vm.vmid}`);
  if (type === 'meta')
    return `instance-id: ${createHash('sha1').update(JSON.stringify(config)).digest('hex')}\n`;
  if (type === 'network') {
    const ipconfig = parseIpConfig(config.ipconfig0);
    const lines = ['version: 1', 'config:', '    - type: physical', '      name: eth0', '      subnets:'];
    if (!ipconfig.ip || ipconfig.ip === 'dhcp') lines.push('      - type: dhcp4');
    else
      lines.push(
        '      - type: static',
        `        address: '${ipconfig.ip}'`,
        ...(ipconfig.gw ? [`        gateway: '${ipconfig.gw}'`] : []),
      );
    if (config.nameserver !== undefined)
      lines.push(
        '    - type: nameserver',
        '      address:',
        ...String(config.nameserver)
          .split(/[\s,;]+/)
          .map((a) => `      - '${a}'`),
      );
    return `${lines.join('\n')}\n`;
  }
  const lines = ['#cloud-config', `hostname: ${hostname}`, 'manage_etc_hosts: true', 'fqdn: ' + hostname];
  if (config.ciuser !== undefined) lines.push(`user: ${config.ciuser}`);
  if (config.cipassword !== undefined) lines.push(`password: ${config.cipassword}`);
  if (config.sshkeys !== undefined) {
    lines.push(
      'ssh_authorized_keys:',
      ...uriUnescape(String(config.sshkeys))
        .split('\n')
        .filter(Boolean)
        .map((k) => `  - ${k}`),
    );
  }
  lines.push('chpasswd:', '  expire: False', `package_upgrade: ${config.ciupgrade === 0 ? 'false' : 'true'}`);
  return `${lines.join('\n')}\n`;
}
