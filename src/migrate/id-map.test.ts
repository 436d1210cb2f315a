import { describe, expect, it } from 'vitest';
import { IntList, IntMap, StringIntMap, uuidWords, wordsUuid } from './id-map.ts';

describe('IntMap', () => {
  it('keeps words per key through growth, negative keys included', () => {
    const m = new IntMap(2);
    for (let i = 1; i <= 5000; i++) m.set(i % 2 ? i : -i, [i, -i]);
    expect(m.size).toBe(5000);
    expect([...m.get(7)!]).toEqual([7, -7]);
    expect([...m.get(-8)!]).toEqual([8, -8]);
    expect(m.get(8)).toBeUndefined();
    m.set(7, [1, 2]);
    expect(m.size).toBe(5000);
    expect([...m.get(7)!]).toEqual([1, 2]);
    expect([...m.entries()]).toHaveLength(5000);
    expect(() => m.set(2 ** 31, [0, 0])).toThrow(RangeError);
  });
});

describe('StringIntMap', () => {
  it('maps strings exactly, whatever their hashes', () => {
    const m = new StringIntMap();
    for (let i = 0; i < 20_000; i++) m.set(`user${i}@example.com`, i);
    m.set('ünïcode@exämple.com', -1);
    expect(m.size).toBe(20_001);
    expect(m.get('user12345@example.com')).toBe(12345);
    expect(m.get('ünïcode@exämple.com')).toBe(-1);
    expect(m.get('user12345@example.co')).toBeUndefined();
    expect(m.get('')).toBeUndefined();
    m.set('user1@example.com', 99);
    expect(m.get('user1@example.com')).toBe(99);
    expect(m.size).toBe(20_001);
  });
});

it('uuid words round-trip', () => {
  const id = '0f8e2c1a-9b3d-4e5f-8a7b-c6d5e4f3a2b1';
  expect(wordsUuid(uuidWords(id))).toBe(id);
  expect(wordsUuid(uuidWords('FFFFFFFF-0000-0000-0000-000000000001'))).toBe(
    'ffffffff-0000-0000-0000-000000000001',
  );
  expect(() => uuidWords('nope')).toThrow();
});

it('IntList keeps values in order up to its maximum', () => {
  const l = new IntList(1000);
  for (let i = 0; i < 1500; i++) l.push(i - 10);
  expect(l.length).toBe(1000);
  expect(l.toArray().slice(0, 3)).toEqual([-10, -9, -8]);
  expect(l.toArray().at(-1)).toBe(989);
});
