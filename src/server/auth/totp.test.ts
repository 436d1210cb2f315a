import { TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import {
  decryptTotpSecret,
  encryptTotpSecret,
  hashRecoveryCode,
  isTotpCode,
  matchTotp,
  newRecoveryCodes,
  newTotpSecret,
  totpStep,
  totpUri,
} from './totp.ts';

// RFC 6238 appendix B: the SHA-1 secret "12345678901234567890", 8-digit codes truncated to 6 here.
const rfcSecret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('matchTotp', () => {
  it.each([
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
  ])('accepts the RFC 6238 code at %i s and names its step', (seconds, code) => {
    expect(matchTotp(rfcSecret, code, seconds * 1000)).toBe(Math.floor(seconds / 30));
  });

  it('accepts the neighbouring steps (clock drift) and nothing further', () => {
    const secret = newTotpSecret();
    const now = Date.now();
    const at = (offsetS: number) =>
      TOTP.generate({ secret: secretOf(secret), timestamp: now + offsetS * 1000 });
    expect(matchTotp(secret, at(-30), now)).toBe(totpStep(now) - 1);
    expect(matchTotp(secret, at(30), now)).toBe(totpStep(now) + 1);
    expect(matchTotp(secret, at(90), now)).toBeNull();
    expect(matchTotp(secret, at(-90), now)).toBeNull();
  });

  it.each(['', '12345', '1234567', 'abcdef', ' 123456'])('refuses %j outright', (code) => {
    expect(matchTotp(rfcSecret, code, 59_000)).toBeNull();
  });
});

const secretOf = (base32: string) => new TOTP({ secret: base32 }).secret;

describe('totpUri', () => {
  it('names the issuer and account and carries the secret', () => {
    const uri = new URL(totpUri(rfcSecret, 'jane@example.com'));
    expect(uri.protocol).toBe('otpauth:');
    expect(decodeURIComponent(uri.pathname)).toContain('Keel:jane@example.com');
    expect(uri.searchParams.get('secret')).toBe(rfcSecret);
    expect(uri.searchParams.get('issuer')).toBe('Keel');
    expect(uri.searchParams.get('period')).toBe('30');
    expect(uri.searchParams.get('digits')).toBe('6');
  });
});

describe('secret encryption', () => {
  const key = new TextEncoder().encode('a'.repeat(40));
  it('round-trips and never stores the secret in the clear', () => {
    const secret = newTotpSecret();
    const stored = encryptTotpSecret(key, secret);
    expect(stored).not.toContain(secret);
    expect(encryptTotpSecret(key, secret)).not.toBe(stored); // a fresh IV each time
    expect(decryptTotpSecret(key, stored)).toBe(secret);
  });
  it('reads nothing under another key or after tampering', () => {
    const stored = encryptTotpSecret(key, newTotpSecret());
    expect(decryptTotpSecret(new TextEncoder().encode('b'.repeat(40)), stored)).toBeNull();
    const parts = stored.split('.');
    parts[2] = Buffer.from('tampered').toString('base64url');
    expect(decryptTotpSecret(key, parts.join('.'))).toBeNull();
    expect(decryptTotpSecret(key, 'garbage')).toBeNull();
  });
});

describe('recovery codes', () => {
  it('are ten distinct readable codes whose hash ignores case, spaces and dashes', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    const code = codes[0]!;
    expect(hashRecoveryCode(` ${code.toUpperCase().replace('-', ' ')} `)).toBe(hashRecoveryCode(code));
    expect(hashRecoveryCode(code)).not.toBe(hashRecoveryCode(codes[1]!));
    expect(isTotpCode(code)).toBe(false);
    expect(isTotpCode('123 456')).toBe(true);
  });
});
