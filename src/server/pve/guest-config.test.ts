import { describe, expect, it } from 'vitest';
import { bootDisk, hasCloudInitDrive, parseDiskSize, parseDrive } from './guest-config.ts';

describe('parseDiskSize', () => {
  it.each([
    ['32G', 32 * 2 ** 30],
    ['3584M', 3584 * 2 ** 20],
    ['1T', 2 ** 40],
    ['512K', 512 * 1024],
    ['4096', 4096],
    ['1.5G', 1.5 * 2 ** 30],
    ['lots', null],
    [undefined, null],
  ])('%s → %s', (text, bytes) => expect(parseDiskSize(text)).toBe(bytes));
});

describe('parseDrive', () => {
  it('splits the volume from its options, with or without file=', () => {
    expect(parseDrive('ceph-vm:base-9000-disk-0,discard=on,size=3584M')).toEqual({
      file: 'ceph-vm:base-9000-disk-0',
      options: { discard: 'on', size: '3584M' },
    });
    expect(parseDrive('file=local-lvm:vm-1-disk-0,size=8G').file).toBe('local-lvm:vm-1-disk-0');
  });
});

// Configs as GET /nodes/{node}/qemu/{vmid}/config returns them (qemu-server: `qm config`).
const template = {
  name: 'ubuntu-24.04-cloudinit',
  template: 1,
  scsi0: 'ceph-vm:base-9000-disk-0,discard=on,iothread=1,size=3584M',
  ide2: 'ceph-vm:vm-9000-cloudinit,media=cdrom',
  boot: 'order=scsi0',
};

describe('bootDisk and hasCloudInitDrive', () => {
  it.each<[string, Record<string, unknown>, ReturnType<typeof bootDisk>, boolean]>([
    [
      'a cloud-init template',
      template,
      { key: 'scsi0', storage: 'ceph-vm', sizeBytes: 3584 * 2 ** 20 },
      true,
    ],
    [
      'boot order naming the cdrom first',
      {
        ...template,
        ide0: 'local:iso/x.iso,media=cdrom',
        boot: 'order=ide0;virtio1;scsi0',
        virtio1: 'local-lvm:vm-5-disk-1,size=10G',
      },
      { key: 'virtio1', storage: 'local-lvm', sizeBytes: 10 * 2 ** 30 },
      true,
    ],
    [
      'legacy bootdisk',
      { bootdisk: 'sata0', sata0: 'local-lvm:vm-5-disk-0,size=2G' },
      { key: 'sata0', storage: 'local-lvm', sizeBytes: 2 * 2 ** 30 },
      false,
    ],
    [
      'no boot entry',
      { virtio0: 'san-lvm:vm-7-disk-0,size=1G', scsi1: 'local-lvm:vm-7-disk-1,size=4G' },
      { key: 'scsi1', storage: 'local-lvm', sizeBytes: 4 * 2 ** 30 },
      false,
    ],
    [
      'cloud-init drive on a dir storage',
      { scsi0: 'local:100/vm-100-cloudinit.qcow2,media=cdrom' },
      null,
      true,
    ],
    ['no disks at all', { name: 'empty' }, null, false],
  ])('%s', (_, config, disk, cloudInit) => {
    expect(bootDisk(config)).toEqual(disk);
    expect(hasCloudInitDrive(config)).toBe(cloudInit);
  });
});
