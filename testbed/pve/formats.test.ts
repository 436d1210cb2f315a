import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  agentEnabled,
  encodeUpid,
  formatSize,
  isValidSshPublicKey,
  memoryMiB,
  parseDrive,
  parseSize,
  resolveResize,
  uniqueTags,
  uriUnescape,
  validateSshKeys,
} from './formats.ts';
import { parseUpid } from '../../src/server/pve/upid.ts';
import { exitStatusFromLastLine } from './tasks.ts';

function realEd25519Key(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const name = Buffer.from('ssh-ed25519');
  const blob = Buffer.concat([Buffer.from([0, 0, 0, name.length]), name, Buffer.from([0, 0, 0, 32]), raw]);
  return `ssh-ed25519 ${blob.toString('base64')} user@example`;
}

describe('UPID', () => {
  it('encodes the documented format with a trailing colon and decodes it back', () => {
    const upid = encodeUpid({
      node: 'dahu-2',
      pid: 0x7323,
      pstart: 0x1036a5,
      starttime: 0x6419caf8,
      type: 'qmstart',
      id: '100',
      user: 'root@pam',
    });
    expect(upid).toBe('UPID:dahu-2:00007323:001036A5:6419CAF8:qmstart:100:root@pam:');
    expect(parseUpid(upid)).toEqual({
      node: 'dahu-2',
      pid: 0x7323,
      pstart: 0x1036a5,
      starttime: 0x6419caf8,
      type: 'qmstart',
      id: '100',
      user: 'root@pam',
    });
  });
  it.each([
    ['UPID:optiplex2:000137B5:00112EB4:6991F9E1:vzcreate:300:root@pam!opentofu:', true],
    ['UPID:n:00000001:123456789:6991F9E1:qmclone:9000:root@pam!keel:', true],
    ['UPID:n:00000001:00000001:6991F9E1:qmclone:9000:root@pam', false],
    ['garbage', false],
  ])('decode %s → %s', (text, ok) => {
    expect(parseUpid(text) !== null).toBe(ok);
  });
});

describe('sizes', () => {
  it.each([
    ['32G', 32 * 1024 ** 3],
    ['512M', 512 * 1024 ** 2],
    ['1.5G', 1.5 * 1024 ** 3],
    ['1000', 1000],
    ['x', undefined],
  ])('parseSize(%s)', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });
  it.each([
    [3584 * 1024 ** 2, '3584M'],
    [13 * 1024 ** 3, '13G'],
    [1024 ** 4, '1T'],
    [1000, '1000'],
  ])('formatSize(%d)', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });
  it.each([
    [10 * 1024 ** 3, '+5G', { ok: true, bytes: 15 * 1024 ** 3 }],
    [10 * 1024 ** 3, '20G', { ok: true, bytes: 20 * 1024 ** 3 }],
    [10 * 1024 ** 3, '10G', { ok: true, bytes: 10 * 1024 ** 3 }],
    [10 * 1024 ** 3, '5G', { ok: false, error: 'shrinking disks is not supported' }],
  ])('resolveResize(%d, %s)', (current, request, expected) => {
    expect(resolveResize(current, request)).toEqual(expected);
  });
});

describe('config values', () => {
  it('parses drives', () => {
    expect(parseDrive('local-lvm:vm-100-disk-0,discard=on,size=32G')).toMatchObject({
      storage: 'local-lvm',
      volname: 'vm-100-disk-0',
      size: 32 * 1024 ** 3,
      options: [
        ['discard', 'on'],
        ['size', '32G'],
      ],
    });
    expect(parseDrive('local-lvm:vm-100-cloudinit,media=cdrom')).toMatchObject({ media: 'cdrom' });
  });
  it.each([
    ['2048', 2048],
    ['current=4096', 4096],
    [undefined, 512],
  ])('memoryMiB(%s)', (value, mib) => {
    expect(memoryMiB(value)).toBe(mib);
  });
  it.each([
    ['1', true],
    ['enabled=1,fstrim_cloned_disks=1', true],
    ['0', false],
    [undefined, false],
  ])('agentEnabled(%s)', (value, enabled) => {
    expect(agentEnabled(value)).toBe(enabled);
  });
  it('unescapes like perl uri_unescape (plus stays a plus)', () => {
    expect(uriUnescape('a%20b+c%2B')).toBe('a b+c+');
  });
});

describe('ssh keys', () => {
  const key = realEd25519Key();
  it('accepts a real key and several lines', () => {
    expect(isValidSshPublicKey(key)).toBe(true);
    expect(validateSshKeys(`${key}\n${key}\n`)).toBe(true);
  });
  it.each([
    ['not a key'],
    ['ssh-ed25519 notbase64!!'],
    ['ssh-rsa ' + Buffer.from('\0\0\0\x0bssh-ed25519xxxx').toString('base64')],
  ])('refuses %s', (line) => {
    expect(validateSshKeys(line)).toBe(false);
  });
});

describe('exit status', () => {
  it.each([
    ['TASK OK', 'OK'],
    ['TASK WARNINGS: 2', 'WARNINGS: 2'],
    ['TASK ERROR: VM 100 already running', 'VM 100 already running'],
    ['something else', 'unexpected status'],
  ])('%s → %s', (line, status) => {
    expect(exitStatusFromLastLine(line)).toBe(status);
  });
});

// pve-guest-common GuestHelpers.pm get_unique_tags, pve-common ParseUtils.pm split_list.
describe('uniqueTags (GuestHelpers.pm get_unique_tags)', () => {
  it.each([
    ['Zeta;keel;alpha;Keel', 'alpha;keel;zeta'],
    ['b,a c;;a', 'a;b;c'],
    ['  ', ''],
    ['Web-01', 'web-01'],
  ])('%j → %j', (given, stored) => expect(uniqueTags(given)).toBe(stored));
});
