import { describe, expect, it } from 'vitest';
import type { TokenScope } from '../../../../shared/tokens.ts';
import { describeExpiry, describeLastUse, expiryInDays, toggleScope } from './tokens.ts';

describe('toggleScope', () => {
  it.each<[TokenScope[], TokenScope, boolean, TokenScope[]]>([
    [['read'], 'write', true, ['read', 'write']],
    [['read'], 'admin', true, ['read', 'write', 'admin']],
    [['read', 'write', 'admin'], 'write', false, ['read']],
    [['read', 'write', 'admin'], 'admin', false, ['read', 'write']],
    [['read', 'write'], 'read', false, ['read']],
    [['read', 'write'], 'read', true, ['read', 'write']],
  ])('%j, %s set to %s → %j', (scopes, scope, on, expected) => {
    expect(toggleScope(scopes, scope, on)).toEqual(expected);
  });
});

describe('token dates', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  it('says when a token expires, or that it has', () => {
    expect(describeExpiry(null, now)).toBe('No expiry');
    expect(describeExpiry(new Date('2026-03-08T12:00:00Z'), now)).toBe('Expires Mar 8, 2026');
    expect(describeExpiry(new Date('2026-02-01T12:00:00Z'), now)).toBe('Expired Feb 1, 2026');
  });

  it('says when and where a token was last used', () => {
    expect(describeLastUse(null, null)).toBe('Never used');
    expect(describeLastUse(new Date('2026-03-01T12:00:00Z'), '203.0.113.5')).toMatch(
      /^Mar 1, 2026.* from 203\.0\.113\.5$/,
    );
  });

  it('turns the expiry choice into days', () => {
    expect(expiryInDays('30')).toBe(30);
    expect(expiryInDays('never')).toBeUndefined();
  });
});
