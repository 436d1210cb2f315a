import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { serializeCommon } from './superjson-fast.ts';

const date = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);

/** What a server list answer looks like: rows with Dates, nested refs, nulls. */
const serverList = {
  servers: Array.from({ length: 3 }, (_, i) => ({
    id: `00000000-0000-4000-8000-00000000000${i}`,
    name: `srv-${i}`,
    status: 'running',
    statusReason: null,
    cpuCores: 2,
    memoryMb: 2048,
    diskGb: 20.5,
    image: i ? { id: 'x', slug: 'debian', name: 'Debian' } : null,
    progress: { step: 'clone', stepIndex: 0, stepCount: 5 },
    flags: [true, false, 'a', 0, -1.5],
    createdAt: date(i),
    updatedAt: date(i + 1000),
  })),
  nextCursor: null,
};

describe('serializeCommon', () => {
  it.each([
    ['a server list', serverList],
    ['an empty object', {}],
    ['an empty array', []],
    ['Dates at the top of an array', [date(1), { at: date(2) }, [date(3)]]],
    ['nested arrays and objects', { a: [[{ b: [1, 2, { c: 'd' }] }]], e: { f: { g: null } } }],
    ['a string', 'text'],
    ['a number', 42],
    ['a boolean', false],
    ['unicode keys and values', { 'ключ é': 'värde ✓', '': '' }],
  ])('writes exactly what superjson writes for %s', (_label, value) => {
    const fast = serializeCommon(value);
    expect(fast).not.toBeNull();
    expect(JSON.stringify(fast)).toBe(JSON.stringify(superjson.serialize(value)));
    // And it reads back as the same value.
    expect(superjson.deserialize(JSON.parse(JSON.stringify(fast)) as never)).toEqual(value);
  });

  const shared = { x: 1 };
  const sharedDate = date(5);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  it.each([
    ['undefined inside', { a: undefined }],
    ['undefined', undefined],
    ['null at the top', null],
    ['NaN', { a: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['-0', { a: -0 }],
    ['an invalid Date', { a: new Date(Number.NaN) }],
    ['a Date at the top', date(1)],
    ['a bigint', { a: 1n }],
    ['a Map', { a: new Map([[1, 2]]) }],
    ['a Set', { a: new Set([1]) }],
    ['a RegExp', { a: /x/ }],
    ['a class instance', { a: new URL('https://example.com/') }],
    ['an Error', { a: new Error('boom') }],
    ['a null-prototype object', { a: Object.create(null) as object }],
    ['a key with a dot', { 'a.b': 1 }],
    ['a key with a backslash', { 'a\\b': 1 }],
    ['a prototype key', { prototype: 1 }],
    ['a constructor key', { constructor: 1 }],
    ['a function', { a: () => 1 }],
    ['a symbol key', { [Symbol('s')]: 1 }],
    ['a sparse array', Object.assign(new Array<number>(3), { 0: 1, 2: 3 })],
    ['an object met twice', { a: shared, b: shared }],
    ['a Date met twice', { a: sharedDate, b: [sharedDate] }],
    ['a cycle', cyclic],
  ])('leaves %s to superjson', (_label, value) => {
    expect(serializeCommon(value)).toBeNull();
  });
});
