import { afterEach, describe, expect, it, vi } from 'vitest';
import { accessTokenTtlSeconds, signAccessToken, verifyAccessToken } from './tokens.ts';

const secret = new TextEncoder().encode('tokens-test-secret-tokens-test-secret-0123');
const other = new TextEncoder().encode('another-secret-another-secret-another-0123');
const sub = '0195d6c0-0000-7000-8000-000000000001';

afterEach(() => vi.useRealTimers());

describe('verifyAccessToken (with the cache of verified tokens)', () => {
  it('accepts a valid token again, and still refuses it once expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T00:00:00.375Z'));
    const token = await signAccessToken(secret, { sub, role: 'customer' });
    // The exact instant, not the whole second JWT's iat keeps: a reset later in the same second counts.
    const issuedAtMs = Date.parse('2026-12-01T00:00:00.375Z');
    expect(await verifyAccessToken(secret, token)).toEqual({ sub, role: 'customer', issuedAtMs });
    expect(await verifyAccessToken(secret, token)).toEqual({ sub, role: 'customer', issuedAtMs });
    vi.setSystemTime(Date.now() + accessTokenTtlSeconds * 1000 + 1000);
    expect(await verifyAccessToken(secret, token)).toBeNull();
  });

  it('does not accept a token verified under one secret when checked under another', async () => {
    const token = await signAccessToken(secret, { sub, role: 'admin' });
    expect(await verifyAccessToken(secret, token)).toEqual({
      sub,
      role: 'admin',
      issuedAtMs: expect.any(Number),
    });
    expect(await verifyAccessToken(other, token)).toBeNull();
  });

  it('refuses a tampered copy of a token it has verified', async () => {
    const token = await signAccessToken(secret, { sub, role: 'customer' });
    expect(await verifyAccessToken(secret, token)).not.toBeNull();
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub, role: 'admin', exp: 9999999999, iat: 0 })).toString(
      'base64url',
    );
    expect(await verifyAccessToken(secret, `${header}.${forged}.${signature}`)).toBeNull();
  });
});
