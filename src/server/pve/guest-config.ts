/**
 * Reading a guest's config as `GET /nodes/{node}/qemu/{vmid}/config` returns it (qemu-server
 * QemuServer.pm, Drive.pm): which drive it boots from, where that disk lives and how big it is,
 * and whether it has a cloud-init drive. Pure.
 */

const diskKey = /^(?:ide|sata|scsi|virtio)\d+$/;

/** qemu-server Drive.pm drive_is_cloudinit: the volume is `…:vm-N-cloudinit[.fmt]` or `…/cloudinit`. */
const cloudInitVolume = /[:/](?:vm-\d+-)?cloudinit(?:\.(?:raw|cow|qcow|qed|qcow2|vmdk|cloop))?$/;

export interface DriveSpec {
  /** The volume id, `storage:volume`, or a path, or `none`. */
  file: string;
  options: Record<string, string>;
}

/** `local-lvm:vm-100-disk-0,discard=on,size=32G` → its volume and options. */
export function parseDrive(value: string): DriveSpec {
  const [first = '', ...rest] = value.split(',');
  const options: Record<string, string> = {};
  let file = first;
  if (first.includes('=')) {
    const [k, v = ''] = first.split('=', 2);
    if (k === 'file' || k === 'volume') file = v;
    else options[k!] = v;
  }
  for (const part of rest) {
    const at = part.indexOf('=');
    if (at > 0) options[part.slice(0, at)] = part.slice(at + 1);
  }
  return { file, options };
}

export function isCloudInitDrive(drive: DriveSpec): boolean {
  return cloudInitVolume.test(drive.file);
}

const sizeUnits: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** PVE's disk size text (`32G`, `3584M`, `1T`, `4096`) in bytes; null when it is not one. */
export function parseDiskSize(text: string | undefined): number | null {
  if (!text) return null;
  const m = /^(\d+(?:\.\d+)?)([KMGT])?$/.exec(text.trim());
  if (!m) return null;
  return Math.round(Number(m[1]) * (m[2] ? sizeUnits[m[2]]! : 1));
}

export interface BootDisk {
  key: string;
  storage: string | null;
  sizeBytes: number | null;
}

/** The storage part of a volume id (`ceph-vm:base-9000-disk-0` → `ceph-vm`); null for a path. */
export function volumeStorage(file: string): string | null {
  const m = /^([a-zA-Z][a-zA-Z0-9._-]*):/.exec(file);
  return m ? m[1]! : null;
}

function isHardDisk(drive: DriveSpec): boolean {
  return drive.options.media !== 'cdrom' && drive.file !== 'none' && !isCloudInitDrive(drive);
}

/**
 * The disk the guest boots from: the first disk in `boot: order=…` (PVE 6.2+), else the legacy
 * `bootdisk`, else the first hard disk by bus and number.
 */
export function bootDisk(config: Record<string, unknown>): BootDisk | null {
  const drives = new Map<string, DriveSpec>();
  for (const [key, value] of Object.entries(config)) {
    if (diskKey.test(key) && typeof value === 'string') drives.set(key, parseDrive(value));
  }
  const candidates: string[] = [];
  const boot = typeof config.boot === 'string' ? config.boot : '';
  const order = /(?:^|,)order=([^,]*)/.exec(boot);
  if (order) candidates.push(...order[1]!.split(';'));
  if (typeof config.bootdisk === 'string') candidates.push(config.bootdisk);
  candidates.push(
    ...[...drives.keys()].sort((a, b) => {
      const bus = (k: string) => ['scsi', 'virtio', 'sata', 'ide'].indexOf(k.replace(/\d+$/, ''));
      return bus(a) - bus(b) || Number(a.replace(/^\D+/, '')) - Number(b.replace(/^\D+/, ''));
    }),
  );
  for (const key of candidates) {
    const drive = drives.get(key);
    if (drive && isHardDisk(drive))
      return { key, storage: volumeStorage(drive.file), sizeBytes: parseDiskSize(drive.options.size) };
  }
  return null;
}

export function hasCloudInitDrive(config: Record<string, unknown>): boolean {
  return Object.entries(config).some(
    ([key, value]) => diskKey.test(key) && typeof value === 'string' && isCloudInitDrive(parseDrive(value)),
  );
}
