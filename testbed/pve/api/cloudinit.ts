// Cloud-init views: the pending list (GET cloudinit), the regenerated drive, and the dumped files.
import { createHash } from 'node:crypto';
import { isCloudinitKey, type Config, type VmState } from '../cluster.ts';
import { DISK_KEY_RE, parseIpConfig, uriUnescape } from '../formats.ts';
import type { Params, SimContext } from './context.ts';
import { die } from './errors.ts';
import { effectiveConfig } from './status.ts';

/** The user cloud-init gives `cipassword` to: `ciuser`, else the image's default user. */
export const CLOUDINIT_DEFAULT_USER = 'default';

export function hasCloudinitDrive(config: Config): boolean {
  return Object.entries(config).some(([k, v]) => DISK_KEY_RE.test(k) && /cloudinit/.test(String(v)));
}

/**
 * At boot, cloud-init's per-instance modules run again when the drive carries a new instance (PVE's
 * instance-id is a hash of the generated files), and set_passwords gives `cipassword` to the user.
 */
export function applyCloudinitPassword(vm: VmState, now = Date.now()): void {
  const applied = vm.cloudinitApplied;
  if (Object.keys(applied).length === 0) return;
  const instance = createHash('sha1').update(JSON.stringify(applied)).digest('hex');
  if (vm.cloudinitInstance === instance) return;
  vm.cloudinitInstance = instance;
  if (applied.cipassword === undefined) return;
  const user = applied.ciuser === undefined ? CLOUDINIT_DEFAULT_USER : String(applied.ciuser);
  vm.guestPasswords = {
    ...vm.guestPasswords,
    [user]: { hash: String(applied.cipassword), setBy: 'cloud-init', at: now },
  };
}

/**
 * PUT …/cloudinit (Qemu.pm cloudinit_update): under the config lock, refused while locked; it
 * regenerates the drive (and swaps the medium of a running VM), which the guest reads at its next boot.
 */
export function regenerateCloudinit(ctx: SimContext, p: Params): null {
  const vm = ctx.loadVm(String(p.node), Number(p.vmid));
  if (vm.config.lock !== undefined) throw die(`VM is locked (${vm.config.lock})`);
  if (!hasCloudinitDrive(vm.config)) return null;
  vm.cloudinitApplied = cloudinitSnapshot(effectiveConfig(vm));
  ctx.onChange();
  return null;
}

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
  // dump_cloudinit_config reads the config itself (cloud-init keys are never pending).
  const config = vm.config;
  const hostname = String(config.name ?? `VM${vm.vmid}`);
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
  // Cloudinit.pm cloudinit_userdata.
  const fqdn = hostname.includes('.')
    ? hostname
    : config.searchdomain !== undefined
      ? `${hostname}.${String(config.searchdomain).split(/[\s,;]+/)[0]}`
      : hostname;
  const lines = [
    '#cloud-config',
    `hostname: ${hostname.replace(/\..*$/, '')}`,
    'manage_etc_hosts: true',
    `fqdn: ${fqdn}`,
  ];
  const user = config.ciuser === undefined ? undefined : String(config.ciuser);
  if (user !== undefined) lines.push(`user: ${user}`);
  if (user === 'root') lines.push('disable_root: False');
  if (config.cipassword !== undefined) lines.push(`password: ${config.cipassword}`);
  if (config.sshkeys !== undefined) {
    lines.push(
      'ssh_authorized_keys:',
      ...uriUnescape(String(config.sshkeys))
        .split('\n')
        .filter((k) => /\S/.test(k))
        .map((k) => `  - ${k}`),
    );
  }
  lines.push('chpasswd:', '  expire: False');
  if (user !== 'root') lines.push('users:', '  - default');
  if (config.ciupgrade === undefined || Number(config.ciupgrade) !== 0) lines.push('package_upgrade: true');
  return `${lines.join('\n')}\n`;
}
