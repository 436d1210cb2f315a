import { describe, expect, it } from 'vitest';
import { displayPrefixLength, hashApiToken, isApiTokenSecret, newApiToken } from './api-tokens.ts';

describe('newApiToken', () => {
  it('makes a keel_ secret, its SHA-256 and a display prefix', () => {
    const t = newApiToken();
    expect(t.secret).toMatch(/^keel_[A-Za-z0-9_-]{43}$/);
    expect(t.hash).toBe(hashApiToken(t.secret));
    expect(t.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(t.prefix).toBe(t.secret.slice(0, displayPrefixLength));
    expect(newApiToken().secret).not.toBe(t.secret);
  });
});

describe('isApiTokenSecret', () => {
  const good = newApiToken().secret;
  it.each([
    [good, true],
    [`${good}x`, false],
    [good.slice(0, -1), false],
    [good.replace('keel_', 'keal_'), false],
    ['eyJhbGciOiJIUzI1NiJ9.e30.sig', false],
    ['', false],
  ])('%s → %s', (value, expected) => {
    expect(isApiTokenSecret(value)).toBe(expected);
  });
});
