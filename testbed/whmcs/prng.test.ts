import { describe, expect, it } from 'vitest';
import { createPrng, hashString } from './prng.ts';

describe('createPrng', () => {
  it('repeats the same sequence for the same seed', () => {
    const a = createPrng(42);
    const b = createPrng(42);
    const seqA = Array.from({ length: 50 }, () => a.next());
    const seqB = Array.from({ length: 50 }, () => b.next());
    expect(seqA).toEqual(seqB);
  });

  it('differs for different seeds', () => {
    const [one, two] = [createPrng(1), createPrng(2)];
    const a = Array.from({ length: 10 }, () => one.next());
    const b = Array.from({ length: 10 }, () => two.next());
    expect(a).not.toEqual(b);
  });

  it('keeps next() in [0, 1) and int() inside its inclusive bounds', () => {
    const r = createPrng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const f = r.next();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      const n = r.int(3, 6);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(6);
      seen.add(n);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it('is roughly uniform (each of 4 buckets within 20% of its share)', () => {
    const r = createPrng(99);
    const buckets = [0, 0, 0, 0];
    const n = 40000;
    for (let i = 0; i < n; i++) buckets[r.int(0, 3)]! += 1;
    for (const count of buckets) expect(Math.abs(count - n / 4)).toBeLessThan(n / 4 / 5);
  });

  it.each([
    [0, 0.5],
    [5, 4],
    [1.5, 2],
  ])('rejects the bad range int(%s, %s)', (min, max) => {
    expect(() => createPrng(1).int(min, max)).toThrow(RangeError);
  });

  it('refuses to pick from an empty list', () => {
    expect(() => createPrng(1).pick([])).toThrow(RangeError);
  });

  it('forks deterministic, label-dependent streams', () => {
    const f1 = createPrng(5).fork('clients').next();
    const f2 = createPrng(5).fork('clients').next();
    const f3 = createPrng(5).fork('services').next();
    expect(f1).toBe(f2);
    expect(f1).not.toBe(f3);
  });
});

describe('hashString', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('FNV-1a of %j', (text, expected) => {
    expect(hashString(text)).toBe(expected);
  });
});
