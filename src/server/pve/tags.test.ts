import { describe, expect, it } from 'vitest';
import { hasTag, pveTags, sameTags } from './tags.ts';

// pve-guest-common GuestHelpers.pm get_unique_tags: what PVE stores for what it was sent.
describe('pveTags', () => {
  it.each([
    ['Zeta;keel;alpha;Keel', 'alpha;keel;zeta'],
    ['b,a c;;a', 'a;b;c'],
    ['', ''],
    [['keel', 'keel-7F3A'], 'keel;keel-7f3a'],
  ])('%j → %j', (given, stored) => expect(pveTags(given)).toBe(stored));
});

describe('sameTags and hasTag', () => {
  it('compare what Keel wrote with what PVE reads back', () => {
    expect(sameTags(['keel', 'Keel-1'], 'keel-1;keel')).toBe(true);
    expect(sameTags('keel', 'keel;web')).toBe(false);
    expect(sameTags(undefined, '')).toBe(true);
    expect(hasTag('alpha;keel', 'Keel')).toBe(true);
    expect(hasTag(undefined, 'keel')).toBe(false);
  });
});
