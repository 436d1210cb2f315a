import { describe, expect, it } from 'vitest';
import { isTaskSuccess, parseUpid } from './upid.ts';

describe('parseUpid', () => {
  it('reads a real UPID', () => {
    expect(parseUpid('UPID:dahu-2:00007323:001036A5:6419CAF8:qmstart:100:root@pam:')).toEqual({
      node: 'dahu-2',
      pid: 0x7323,
      pstart: 0x1036a5,
      starttime: 0x6419caf8,
      type: 'qmstart',
      id: '100',
      user: 'root@pam',
    });
  });

  it('reads a token user and a 9-digit pstart', () => {
    expect(parseUpid('UPID:pve1:000137B5:1112EB4AB:6991F9E1:qmclone:9000:root@pam!keel:')).toMatchObject({
      node: 'pve1',
      type: 'qmclone',
      id: '9000',
      user: 'root@pam!keel',
    });
  });

  it.each([
    '',
    'UPID:pve1:1:2:3:qmstart:100:root@pam:',
    'UPID:pve1:00007323:001036A5:6419CAF8:qmstart:100:root@pam',
  ])('refuses %j', (upid) => expect(parseUpid(upid)).toBeNull());
});

describe('isTaskSuccess', () => {
  it.each([
    ['OK', true],
    ['WARNINGS: 1', true],
    ['WARNINGS: 12', true],
    ['VM 100 already running', false],
    ['unexpected status', false],
    ['clone failed: got timeout', false],
  ])('%s → %s', (status, ok) => expect(isTaskSuccess(status)).toBe(ok));
});
