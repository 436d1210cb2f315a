// VM config: GET with pending values and digest, the pending list, PUT (sync) and POST (a task),
// and the normalisation PVE applies on write (MACs, hashed passwords, new disks).
import { createHash, randomBytes } from 'node:crypto';
import {
  CLOUDINIT_KEYS,
  GiB,
  MiB,
  isCloudinitKey,
  randomMac,
  storageUsed,
  type Config,
  type ConfigValue,
  type StorageState,
  type VmState,
} from '../cluster.ts';
import {
  DISK_KEY_RE,
  configDigest,
  formatDrive,
  isCdrom,
  memoryMiB,
  parseDrive,
  splitPropertyString,
  uniqueTags,
  uriUnescape,
  validateSshKeys,
  withDriveSize,
} from '../formats.ts';
import { DURATION, type Caller, type Params, type SimContext } from './context.ts';
import { die } from './errors.ts';
import { effectiveConfig } from './status.ts';

/** Keys a running VM takes at once (vmconfig_hotplug_pending's "fast plug" set). */
const FAST_PLUG_KEYS = new Set([
  'name',
  'tags',
  'onboot',
  'description',
  'protection',
  'balloon',
  ...CLOUDINIT_KEYS,
]);
export const NET_KEY_RE = /^net\d+$/;
const NIC_MODELS = [
  'e1000',
  'e1000-82540em',
  'e1000-82544gc',
  'e1000-82545em',
  'e1000e',
  'i82551',
  'i82557b',
  'i82559er',
  'ne2k_isa',
  'ne2k_pci',
  'pcnet',
  'rtl8139',
  'virtio',
  'vmxnet3',
];
const CONTROL_PARAMS = new Set([
  'node',
  'vmid',
  'digest',
  'delete',
  'revert',
  'skiplock',
  'background_delay',
  'force',
  'import-working-storage',
]);

export function getConfig(ctx: SimContext, p: Params): Record<string, unknown> {
  const vm = ctx.loadVm(String(p.node), Number(p.vmid));
  if (p.snapshot !== undefined) throw die(`snapshot '${p.snapshot}' does not exist`);
  const config: Record<string, unknown> = p.current === 1 ? { ...vm.config } : effectiveConfig(vm);
  if (config.cipassword !== undefined) config.cipassword = '**********';
  config.digest = configDigest(vm.config, vm.pending, vm.pendingDelete);
  return config;
}

export function pendingList(vm: VmState): unknown[] {
  const keys = new Set([...Object.keys(vm.config), ...Object.keys(vm.pending), ...vm.pendingDelete]);
  return [...keys].sort().map((key) => {
    const entry: Record<string, unknown> = { key };
    if (vm.config[key] !== undefined) entry.value = key === 'cipassword' ? '**********' : vm.config[key];
    if (vm.pending[key] !== undefined) entry.pending = key === 'cipassword' ? '**********' : vm.pending[key];
    if (vm.pendingDelete.includes(key)) entry.delete = 1;
    return entry;
  });
}

function hashPassword(password: string): string {
  if (/^\$(?:[156]|2[ayb]?|y)\$/.test(password)) return password;
  const salt = randomBytes(12).toString('base64').replace(/[+/=]/g, '').slice(0, 16);
  const hash = createHash('sha256').update(`${salt}${password}`).digest('base64').replace(/[+/=]/g, '');
  return `$5$${salt}$${hash}`;
}

/** A net device without a MAC gets one, as PVE adds it. */
export function withMac(value: string): string {
  const parts = splitPropertyString(value);
  const rest = parts.filter(([k]) => k !== '' && k !== 'model' && k !== 'macaddr' && !NIC_MODELS.includes(k));
  const modelPart = parts.find(([k, v]) => (k === '' || k === 'model') && NIC_MODELS.includes(v));
  const macPart = parts.find(([k]) => NIC_MODELS.includes(k));
  const macaddr = parts.find(([k]) => k === 'macaddr')?.[1];
  const model = macPart?.[0] ?? modelPart?.[1] ?? 'virtio';
  const mac = macPart?.[1] ?? macaddr ?? randomMac();
  return formatDrive(`${model}=${mac}`, rest);
}

export function ensureSpace(
  ctx: SimContext,
  storage: StorageState,
  node: string,
  bytes: number,
  volname: string,
): void {
  const avail = storage.total - storageUsed(ctx.state, storage, node);
  if (bytes > avail) {
    const extents = (b: number): number => Math.ceil(b / (4 * MiB));
    throw die(
      `lvcreate 'pve/${volname}' error:   Volume group "pve" has insufficient free space (${extents(Math.max(0, avail))} extents): ${extents(bytes)} required.`,
    );
  }
}

/** `STORAGE:SIZE` on a disk key allocates a new volume, as the API does on update. */
function allocateDisk(ctx: SimContext, vm: VmState, value: string): string {
  const drive = parseDrive(value);
  if (!drive.storage || !drive.volname || !/^\d+(\.\d+)?$/.test(drive.volname) || isCdrom(drive))
    return value;
  const storage = ctx.storage(vm.node, drive.storage);
  const bytes = Math.floor(Number(drive.volname) * GiB);
  ensureSpace(ctx, storage, vm.node, bytes, `vm-${vm.vmid}-disk-N`);
  const used = new Set(
    Object.values({ ...vm.config, ...vm.pending })
      .map((v) => /vm-\d+-disk-(\d+)/.exec(String(v))?.[1])
      .filter(Boolean),
  );
  let index = 0;
  while (used.has(String(index))) index++;
  const options = drive.options.filter(([k]) => k !== 'size' && k !== 'import-from');
  return withDriveSize(formatDrive(`${drive.storage}:vm-${vm.vmid}-disk-${index}`, options), bytes);
}

const listParam = (value: Params[string] | undefined): string[] =>
  value === undefined
    ? []
    : String(value)
        .split(/[,;\s]+/)
        .filter(Boolean);

/** update_vm_api: checks, normalises and applies (or pends) the change; returns the task log summary. */
export function updateConfig(ctx: SimContext, p: Params): string[] {
  const vm = ctx.loadVm(String(p.node), Number(p.vmid));
  const changes = Object.entries(p).filter(([k]) => !CONTROL_PARAMS.has(k));
  const deletes = listParam(p.delete);
  const reverts = listParam(p.revert);
  if (changes.length === 0 && deletes.length === 0 && reverts.length === 0) throw die('no options specified');
  if (vm.config.lock !== undefined && p.skiplock !== 1) throw die(`VM is locked (${vm.config.lock})`);
  if (p.digest !== undefined && p.digest !== configDigest(vm.config, vm.pending, vm.pendingDelete)) {
    throw die('checksum mismatch (file change by other user?)');
  }
  for (const key of deletes) {
    if (changes.some(([k]) => k === key)) throw die(`you can't change and delete the same option ('${key}')`);
  }
  const effective = effectiveConfig(vm);
  const normalised: [string, ConfigValue][] = changes.map(([key, value]) => {
    if (key === 'sshkeys') {
      if (!validateSshKeys(uriUnescape(String(value)))) throw die('SSH public key validation error');
      return [key, value];
    }
    if (key === 'cipassword') return [key, hashPassword(String(value))];
    if (key === 'tags') return [key, uniqueTags(String(value))];
    if (NET_KEY_RE.test(key)) return [key, withMac(String(value))];
    if (DISK_KEY_RE.test(key)) return [key, allocateDisk(ctx, vm, String(value))];
    return [key, value];
  });
  const next: Config = { ...effective, ...Object.fromEntries(normalised) };
  for (const key of deletes) Reflect.deleteProperty(next, key);
  if (next.balloon !== undefined && Number(next.balloon) > memoryMiB(next.memory)) {
    throw die('balloon value too large (must be smaller than assigned memory)');
  }
  const running = vm.status === 'running';
  const appliesNow = (key: string): boolean =>
    !running ||
    FAST_PLUG_KEYS.has(key) ||
    isCloudinitKey(key) ||
    NET_KEY_RE.test(key) ||
    DISK_KEY_RE.test(key);
  for (const key of reverts) {
    Reflect.deleteProperty(vm.pending, key);
    vm.pendingDelete = vm.pendingDelete.filter((k) => k !== key);
  }
  for (const [key, value] of normalised) {
    vm.pendingDelete = vm.pendingDelete.filter((k) => k !== key);
    if (appliesNow(key)) {
      vm.config[key] = value;
      Reflect.deleteProperty(vm.pending, key);
    } else {
      vm.pending[key] = value;
    }
  }
  for (const key of deletes) {
    Reflect.deleteProperty(vm.pending, key);
    if (appliesNow(key)) Reflect.deleteProperty(vm.config, key);
    else if (!vm.pendingDelete.includes(key)) vm.pendingDelete.push(key);
  }
  ctx.onChange();
  return [
    ...normalised.map(([k, v]) => `-${k} ${k === 'cipassword' ? '<hidden>' : v}`),
    ...(deletes.length > 0 ? [`-delete ${deletes.join(',')}`] : []),
  ];
}

/** POST config: the same update, logged by a `qmconfig` task; `background_delay` may wait it out. */
export async function updateConfigAsync(ctx: SimContext, p: Params, caller: Caller): Promise<string | null> {
  const summary = updateConfig(ctx, p);
  const vmid = Number(p.vmid);
  const upid = ctx.startTask(String(p.node), 'qmconfig', String(vmid), caller, async (worker) => {
    await worker.faultPoint(`can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`);
    worker.log(`update VM ${vmid}: ${summary.join(' ')}`);
    await worker.sleep(DURATION.config);
  });
  if (p.background_delay !== undefined) {
    const waited = ctx.clock.sleep(Number(p.background_delay) * 1000).then(() => false);
    const finished = ctx.tasks.finished(upid).then(() => true);
    if (await Promise.race([finished, waited])) return null;
  }
  return upid;
}
