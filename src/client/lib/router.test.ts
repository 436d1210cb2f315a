import { describe, expect, it } from 'vitest';
import { matchPath, safeNextPath } from './router.tsx';

describe('matchPath', () => {
  it.each([
    ['/servers/:id', '/servers/abc', { id: 'abc' }],
    ['/servers/:id', '/servers/abc/', { id: 'abc' }],
    ['/servers/:id', '/servers/a%20b', { id: 'a b' }],
    ['/servers/:id', '/servers', null],
    ['/servers/:id', '/servers/abc/events', null],
    ['/', '/', {}],
    ['/login', '/servers', null],
  ])('%s against %s', (pattern, path, expected) => {
    expect(matchPath(pattern, path)).toEqual(expected);
  });
});

describe('safeNextPath', () => {
  it.each([
    [null, '/'],
    ['', '/'],
    ['/servers/abc?x=1', '/servers/abc?x=1'],
    ['//evil.example/path', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example', '/'],
    ['javascript:alert(1)', '/'],
    ['/login?next=/x', '/'],
  ])('%j → %j', (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
  });
});
