import { describe, expect, it } from 'vitest';
import { etagOf, ifNoneMatchMatches } from './etag.ts';

describe('etagOf', () => {
  it('is a weak tag that follows the body', () => {
    const a = etagOf('{"servers":[]}');
    expect(a).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect(etagOf('{"servers":[]}')).toBe(a);
    expect(etagOf('{"servers":[{"id":"x"}]}')).not.toBe(a);
  });
});

describe('ifNoneMatchMatches', () => {
  const tag = 'W/"abc"';
  it.each([
    { header: undefined, matches: false },
    { header: '', matches: false },
    { header: 'W/"abc"', matches: true },
    { header: '"abc"', matches: true }, // weak comparison ignores W/
    { header: 'W/"xyz", W/"abc"', matches: true },
    { header: 'W/"xyz"', matches: false },
    { header: '*', matches: true },
    { header: 'abc', matches: false }, // not a quoted tag
    { header: 'W/"abcd"', matches: false },
  ])('$header → $matches', ({ header, matches }) => {
    expect(ifNoneMatchMatches(header, tag)).toBe(matches);
  });
});
