import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSecret, parseSecretKey, sealSecret, SecretBoxError } from './secret-box.ts';

describe('the secret box', () => {
  const key = randomBytes(32);

  it('opens what it sealed, and seals the same secret differently each time', () => {
    const secret = '4f3c2b1a-0000-4000-8000-123456789abc';
    const a = sealSecret(key, secret);
    const b = sealSecret(key, secret);
    expect(a).not.toBe(b);
    expect(a).not.toContain(secret);
    expect(a.startsWith('v1.')).toBe(true);
    expect(openSecret(key, a)).toBe(secret);
    expect(openSecret(key, b)).toBe(secret);
  });

  it('refuses another key and a changed value', () => {
    const sealed = sealSecret(key, 'the secret');
    expect(() => openSecret(randomBytes(32), sealed)).toThrow(SecretBoxError);
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    const changed = [...parts.slice(0, 3), ct.toString('base64url')].join('.');
    expect(() => openSecret(key, changed)).toThrow(SecretBoxError);
    expect(() => openSecret(key, 'plain text')).toThrow(SecretBoxError);
  });

  it.each([
    ['64 hex digits', 'ab'.repeat(32), true],
    ['base64', randomBytes(32).toString('base64'), true],
    ['base64url', randomBytes(32).toString('base64url'), true],
    ['16 bytes of base64', randomBytes(16).toString('base64'), false],
    ['63 hex digits', 'a'.repeat(63), false],
    ['a passphrase', 'correct horse battery staple', false],
  ])('reads a key given as %s: %s', (_what, value, ok) => {
    const parsed = parseSecretKey(value);
    expect(parsed !== null).toBe(ok);
    if (parsed) expect(parsed.length).toBe(32);
  });
});
