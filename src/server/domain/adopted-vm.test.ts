import { describe, expect, it } from 'vitest';
import { adoptedSpecs, agentAddress, bootDisk, cloudInitAddress, sizeToGb } from './adopted-vm.ts';

describe('sizeToGb', () => {
  it.each([
    ['32G', 32],
    ['3584M', 4],
    ['1T', 1024],
    ['10737418240', 10],
    ['1.5G', 2],
    ['big', null],
  ])('%s → %s', (size, gb) => expect(sizeToGb(size)).toBe(gb));
});

describe('bootDisk', () => {
  it.each([
    [{ scsi0: 'local-lvm:vm-1-disk-0,size=8G' }, 'scsi0'],
    [{ boot: 'order=virtio1;net0', virtio0: 'a,size=1G', virtio1: 'b,size=2G' }, 'virtio1'],
    [{ boot: 'order=ide2;scsi0', ide2: 'local:iso/x.iso,media=cdrom', scsi0: 'x,size=4G' }, 'scsi0'],
    [{ ide2: 'local:iso/x.iso,media=cdrom' }, null],
    [{}, null],
  ])('%j → %s', (config, disk) => expect(bootDisk(config)).toBe(disk));
});

describe('adoptedSpecs', () => {
  it('reads cores × sockets, memory, the boot disk and the name', () => {
    expect(
      adoptedSpecs(
        {
          name: 'db1',
          cores: 2,
          sockets: 2,
          memory: '4096',
          scsi0: 'local-lvm:vm-120-disk-0,iothread=1,size=40G',
        },
        120,
      ),
    ).toEqual({ name: 'db1', cpuCores: 4, memoryMb: 4096, diskGb: 40, disk: 'scsi0' });
  });
  it("takes PVE's defaults for what the config leaves out", () => {
    expect(adoptedSpecs({}, 130)).toEqual({
      name: 'vm-130',
      cpuCores: 1,
      memoryMb: 512,
      diskGb: 0,
      disk: null,
    });
  });
});

describe('addresses', () => {
  it.each([
    ['ip=10.0.0.5/24,gw=10.0.0.1', '10.0.0.5'],
    ['gw=10.0.0.1,ip=10.0.0.6/24', '10.0.0.6'],
    ['ip=dhcp', null],
    ['ip6=auto', null],
    [undefined, null],
  ])('ipconfig0 %s → %s', (ipconfig0, ip) => expect(cloudInitAddress({ ipconfig0 })).toBe(ip));

  it('takes the first routable IPv4 of the guest agent', () => {
    expect(
      agentAddress([
        { name: 'lo', 'ip-addresses': [{ 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4' }] },
        {
          name: 'eth0',
          'ip-addresses': [
            { 'ip-address': 'fe80::1', 'ip-address-type': 'ipv6' },
            { 'ip-address': '169.254.1.1', 'ip-address-type': 'ipv4' },
            { 'ip-address': '192.0.2.7', 'ip-address-type': 'ipv4' },
          ],
        },
      ]),
    ).toBe('192.0.2.7');
    expect(agentAddress([])).toBeNull();
  });
});
