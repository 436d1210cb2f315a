import { describe, expect, it } from 'vitest';
import { IdSet } from './id-set.ts';

describe('IdSet', () => {
  it('remembers the ids added, and only those, past its first allocation', () => {
    const set = new IdSet();
    for (const id of [0, 1, 7, 8, 1023, 8191, 8192, 1_000_003]) set.add(id);
    set.add(7);
    expect(set.size).toBe(8);
    for (const id of [0, 1, 7, 8, 1023, 8191, 8192, 1_000_003]) expect(set.has(id), String(id)).toBe(true);
    for (const id of [2, 6, 9, 8190, 8193, 1_000_002, 5_000_000, -1, 1.5])
      expect(set.has(id), String(id)).toBe(false);
  });

  it('refuses what is not an id', () => {
    expect(() => new IdSet().add(-3)).toThrow(RangeError);
    expect(() => new IdSet().add(2.5)).toThrow(RangeError);
  });
});
