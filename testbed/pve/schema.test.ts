import { describe, expect, it } from 'vitest';
import { findEndpointSchema, lookupProperty, type EndpointSchema } from './api-subset.ts';
import { splitList, validateParams } from './schema.ts';

function endpoint(method: string, path: string): EndpointSchema {
  const schema = findEndpointSchema(method, path);
  if (!schema) throw new Error(`${method} ${path} missing from subset`);
  return schema;
}

const config = endpoint('PUT', '/nodes/{node}/qemu/{vmid}/config');
const clone = endpoint('POST', '/nodes/{node}/qemu/{vmid}/clone');
const resize = endpoint('PUT', '/nodes/{node}/qemu/{vmid}/resize');

describe('validateParams', () => {
  const base = { node: 'pve1', vmid: '100' };
  it.each([
    [
      'unknown key',
      config,
      { ...base, bogus: '1' },
      'bogus',
      'property is not defined in schema and the schema does not allow additional properties',
    ],
    ['missing required', clone, { ...base }, 'newid', 'property is missing and it is not optional'],
    [
      'integer as text',
      config,
      { ...base, cores: 'abc' },
      'cores',
      "type check ('integer') failed - got 'abc'",
    ],
    [
      'form boolean true',
      config,
      { ...base, onboot: 'true' },
      'onboot',
      "type check ('boolean') failed - got 'true'",
    ],
    ['below minimum', config, { ...base, cores: '0' }, 'cores', 'value must have a minimum value of 1'],
    [
      'above maximum',
      config,
      { ...base, cpulimit: '129' },
      'cpulimit',
      'value must have a maximum value of 128',
    ],
    // pve-vmid's format runs before minimum, as check_prop orders them.
    [
      'vmid below 100',
      clone,
      { ...base, newid: '99' },
      'newid',
      'invalid format - value does not look like a valid VM ID\n',
    ],
    [
      'enum',
      resize,
      { ...base, disk: 'scsi31', size: '+1G' },
      'disk',
      expect.stringContaining("value 'scsi31' does not have a value in the enumeration 'ide0, ide1"),
    ],
    [
      'pattern',
      resize,
      { ...base, disk: 'scsi0', size: '10X' },
      'size',
      'value does not match the regex pattern',
    ],
    [
      'dns-name',
      config,
      { ...base, name: 'bad_name' },
      'name',
      'invalid format - value does not look like a valid DNS name\n',
    ],
    [
      'urlencoded sshkeys',
      config,
      { ...base, sshkeys: 'ssh-ed25519 AAAA x' },
      'sshkeys',
      'invalid format - invalid urlencoded string: ssh-ed25519 AAAA x\n',
    ],
    [
      'maxLength',
      config,
      { ...base, description: 'x'.repeat(8193) },
      'description',
      'value may only be 8192 characters long',
    ],
    [
      'indexed key out of range',
      config,
      { ...base, scsi31: 'local-lvm:1' },
      'scsi31',
      'property is not defined in schema and the schema does not allow additional properties',
    ],
    [
      'memory property string',
      config,
      { ...base, memory: 'abc' },
      'memory',
      expect.stringContaining(
        "invalid format - format error\nmemory.current: type check ('integer') failed - got 'abc'",
      ),
    ],
    [
      'ipconfig gateway',
      config,
      { ...base, ipconfig0: 'ip=10.0.0.5/24,gw=nope' },
      'ipconfig0',
      expect.stringContaining('value does not look like a valid IPv4 address'),
    ],
    [
      'vmid format',
      config,
      { node: 'pve1', vmid: '0100' },
      'vmid',
      'invalid format - value does not look like a valid VM ID\n',
    ],
  ])('refuses %s', (_label, schema, raw, key, message) => {
    const result = validateParams(schema, raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[key]).toEqual(message);
  });

  it.each([
    ['cores and memory', { cores: '4', memory: '4096', sockets: '1' }],
    ['memory with current=', { memory: 'current=2048' }],
    [
      'cloud-init',
      {
        ciuser: 'ubuntu',
        ipconfig0: 'ip=10.0.0.5/24,gw=10.0.0.1',
        nameserver: '1.1.1.1 8.8.8.8',
        searchdomain: 'example.com',
      },
    ],
    ['encoded ssh key', { sshkeys: encodeURIComponent('ssh-ed25519 AAAAC3Nz user@host') }],
    ['agent', { agent: 'enabled=1,fstrim_cloned_disks=1' }],
    ['net', { net0: 'virtio,bridge=vmbr0,tag=20' }],
    ['tags and delete', { tags: 'web;prod', delete: 'ciuser,sshkeys' }],
    ['ipconfig31', { ipconfig31: 'ip=dhcp' }],
  ])('accepts %s', (_label, extra) => {
    const result = validateParams(config, { node: 'pve1', vmid: '100', ...extra });
    expect(result).toMatchObject({ ok: true });
  });

  it('converts integers and booleans to numbers and keeps strings', () => {
    const result = validateParams(config, {
      node: 'pve1',
      vmid: '100',
      cores: '2',
      onboot: '1',
      memory: '2048',
    });
    expect(result).toEqual({
      ok: true,
      params: { node: 'pve1', vmid: 100, cores: 2, onboot: 1, memory: '2048' },
    });
  });
});

describe('lookupProperty', () => {
  const props = config.parameters?.properties ?? {};
  it.each([
    ['scsi0', true],
    ['scsi30', true],
    ['scsi31', false],
    ['net31', true],
    ['ide4', false],
    ['scsi01', false],
    ['cores', true],
  ])('%s known: %s', (name, known) => {
    expect(lookupProperty(props, name) !== undefined).toBe(known);
  });
});

describe('splitList', () => {
  it.each([
    ['a,b;c d', ['a', 'b', 'c', 'd']],
    ['a\0b', ['a', 'b']],
    ['', []],
  ])('%j', (input, expected) => {
    expect(splitList(input)).toEqual(expected);
  });
});
