import { describe, expect, it } from 'vitest';
import { bearerTokenMatches } from './metrics.ts';

describe('bearerTokenMatches', () => {
  const token = 'a-long-scrape-token-0123456789';
  it.each([
    [`Bearer ${token}`, true],
    [`bearer ${token}`, true],
    [`Bearer  ${token}`, true],
    [undefined, false],
    ['', false],
    ['Bearer', false],
    [`Bearer ${token}x`, false],
    [`Bearer ${token.slice(0, -1)}`, false],
    [`Basic ${token}`, false],
    [token, false],
    [`Bearer ${token} extra`, false],
  ])('%s → %s', (header, expected) => {
    expect(bearerTokenMatches(header, token)).toBe(expected);
  });
});
