import { describe, expect, it } from 'vitest';
import {
  bcryptYHash,
  detectHashShape,
  hmacSha256Hash,
  plainMd5Hash,
  saltedMd5Hash,
  verifyPassword,
} from './hashes.ts';

describe('hash makers', () => {
  it('plain md5 matches the RFC 1321 vector', () => {
    expect(plainMd5Hash('abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
  });

  it('salted md5 hashes salt + password and appends the salt', () => {
    // md5('e93h2' + 'abc') computed independently: md5("e93h2abc")
    const hash = saltedMd5Hash('abc', 'e93h2');
    expect(hash).toBe(`${plainMd5Hash('e93h2abc')}:e93h2`);
    expect(hash).toMatch(/^[a-f0-9]{32}:e93h2$/);
  });

  it('HMAC-SHA256 uses the secret as key (RFC 4231 test case 2)', () => {
    expect(hmacSha256Hash('what do ya want for nothing?', 'Jefe')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843:Jefe',
    );
  });

  it('bcrypt reproduces the OpenBSD vector with a $2y$ prefix', () => {
    // Salt "CCCCCCCCCCCCCCCCCCCCC." in bcrypt base64 is the repeating byte pattern 10 41 04.
    const saltBytes = Array.from({ length: 16 }, (_, i) => [0x10, 0x41, 0x04][i % 3]!);
    const hash = bcryptYHash('U*U', saltBytes, 5);
    expect(hash).toBe('$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW');
  });

  it('bcrypt rejects a salt of the wrong length', () => {
    expect(() => bcryptYHash('x', [1, 2, 3])).toThrow(RangeError);
  });
});

describe('detectHashShape', () => {
  it.each([
    ['$2y$10$abcdefghijklmnopqrstuu5mG6m9hB2v7h1yWk7YdA2cEGc3c3k3a', 'bcrypt'],
    ['c2896ab1e2f2e7a0d2c38f0a0f2510da:e93h2', 'md5-salted'],
    ['5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843:Jefe', 'hmac-sha256'],
    ['900150983cd24fb0d6963f7d28e17f72', 'md5'],
    ['dGhpcyBpcyBlbmNyeXB0ZWQ=', 'unknown'],
    ['', 'unknown'],
  ])('%s is %s', (hash, shape) => {
    expect(detectHashShape(hash)).toBe(shape);
  });
});

describe('verifyPassword', () => {
  const salt = Array.from({ length: 16 }, (_, i) => i * 7);
  it.each([
    ['bcrypt', bcryptYHash('Zoë-pass', salt, 4)],
    ['md5-salted', saltedMd5Hash('Zoë-pass', 'a1b2c')],
    ['hmac-sha256', hmacSha256Hash('Zoë-pass', 'WHMCSsecret')],
    ['md5', plainMd5Hash('Zoë-pass')],
  ])('accepts the right and refuses a wrong password (%s)', (_shape, hash) => {
    expect(verifyPassword(hash, 'Zoë-pass')).toBe(true);
    expect(verifyPassword(hash, 'zoë-pass')).toBe(false);
  });
});
