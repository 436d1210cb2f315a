/**
 * Compact maps for what a run remembers per WHMCS row until its end (a login's Keel user id, a client's login, an
 * email's first owner): open addressing over typed arrays, so a million entries cost a few tens of MB instead of a
 * Map's entry objects and strings (≈ 500 bytes per login key → uuid string entry), and memory follows the number
 * of entries, never the highest id.
 */

const empty = -0x80000000; // never a key: keys are WHMCS ids, or their negation

/** int32 key → a fixed number of int32 words. */
export class IntMap {
  private keys: Int32Array;
  private values: Int32Array;
  private count = 0;

  constructor(private readonly width = 1) {
    this.keys = new Int32Array(1024).fill(empty);
    this.values = new Int32Array(1024 * width);
  }

  get size(): number {
    return this.count;
  }

  private slot(key: number): number {
    const mask = this.keys.length - 1;
    let i = Math.imul(key, 0x9e3779b1) >>> 0;
    for (;;) {
      i &= mask;
      const k = this.keys[i]!;
      if (k === key || k === empty) return i;
      i++;
    }
  }

  private checkKey(key: number): void {
    if (!Number.isInteger(key) || key === empty || key < empty || key > 0x7fffffff)
      throw new RangeError(`not a key: ${key}`);
  }

  /** Sets `key`'s words (`width` of them). */
  set(key: number, words: ArrayLike<number>): void {
    this.checkKey(key);
    let i = this.slot(key);
    if (this.keys[i] === empty) {
      if ((this.count + 1) * 2 > this.keys.length) {
        this.grow();
        i = this.slot(key);
      }
      this.keys[i] = key;
      this.count++;
    }
    for (let w = 0; w < this.width; w++) this.values[i * this.width + w] = words[w]! | 0;
  }

  /** `key`'s words (a view, valid until the next set), or undefined. */
  get(key: number): Int32Array | undefined {
    if (!Number.isInteger(key) || key === empty) return undefined;
    const i = this.slot(key);
    if (this.keys[i] === empty) return undefined;
    return this.values.subarray(i * this.width, (i + 1) * this.width);
  }

  has(key: number): boolean {
    return this.get(key) !== undefined;
  }

  /** Every key with its words (views). */
  *entries(): IterableIterator<[number, Int32Array]> {
    for (let i = 0; i < this.keys.length; i++)
      if (this.keys[i] !== empty)
        yield [this.keys[i]!, this.values.subarray(i * this.width, (i + 1) * this.width)];
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Int32Array(keys.length * 2).fill(empty);
    this.values = new Int32Array(keys.length * 2 * this.width);
    for (let j = 0; j < keys.length; j++) {
      if (keys[j] === empty) continue;
      const i = this.slot(keys[j]!);
      this.keys[i] = keys[j]!;
      this.values.set(values.subarray(j * this.width, (j + 1) * this.width), i * this.width);
    }
  }
}

/** A uuid as four int32 words, and back (lower case, as PostgreSQL prints it). */
export function uuidWords(uuid: string): number[] {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a uuid: ${uuid}`);
  return [0, 8, 16, 24].map((at) => parseInt(hex.slice(at, at + 8), 16) | 0);
}

export function wordsUuid(words: ArrayLike<number>): string {
  let hex = '';
  for (let w = 0; w < 4; w++) hex += (words[w]! >>> 0).toString(16).padStart(8, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** string → int32, exact: the strings' UTF-8 bytes kept back to back in one buffer, no string per entry. */
export class StringIntMap {
  private bytes = Buffer.alloc(64 * 1024);
  private used = 0;
  /** Per entry: where its bytes are, how many, its hash and value. */
  private offsets = new Uint32Array(1024);
  private lengths = new Uint32Array(1024);
  private hashes = new Int32Array(1024);
  private values = new Int32Array(1024);
  /** Hash slots: entry index + 1, 0 = free. */
  private slots = new Int32Array(2048);
  private count = 0;

  get size(): number {
    return this.count;
  }

  private static hash(b: Buffer): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    return h | 0;
  }

  /** The slot holding `key`, or the free slot where it would go. */
  private find(b: Buffer, h: number): number {
    const mask = this.slots.length - 1;
    for (let i = (h >>> 0) & mask; ; i = (i + 1) & mask) {
      const e = this.slots[i]! - 1;
      if (e < 0) return i;
      if (
        this.hashes[e] === h &&
        this.lengths[e] === b.length &&
        b.compare(this.bytes, this.offsets[e], this.offsets[e]! + b.length) === 0
      )
        return i;
    }
  }

  get(key: string): number | undefined {
    const b = Buffer.from(key);
    const e = this.slots[this.find(b, StringIntMap.hash(b))]! - 1;
    return e < 0 ? undefined : this.values[e];
  }

  set(key: string, value: number): this {
    const b = Buffer.from(key);
    const h = StringIntMap.hash(b);
    let i = this.find(b, h);
    let e = this.slots[i]! - 1;
    if (e < 0) {
      if ((this.count + 1) * 2 > this.slots.length) {
        this.grow();
        i = this.find(b, h);
      }
      e = this.count++;
      this.append(e, b, h);
      this.slots[i] = e + 1;
    }
    this.values[e] = value;
    return this;
  }

  private append(e: number, b: Buffer, h: number): void {
    if (this.used + b.length > this.bytes.length) {
      const bytes = Buffer.alloc(Math.max(this.bytes.length * 2, this.used + b.length));
      this.bytes.copy(bytes, 0, 0, this.used);
      this.bytes = bytes;
    }
    if (e >= this.offsets.length) {
      const n = this.offsets.length * 2;
      const widen = <T extends Uint32Array | Int32Array>(a: T, make: (n: number) => T): T => {
        const out = make(n);
        out.set(a);
        return out;
      };
      this.offsets = widen(this.offsets, (k) => new Uint32Array(k));
      this.lengths = widen(this.lengths, (k) => new Uint32Array(k));
      this.hashes = widen(this.hashes, (k) => new Int32Array(k));
      this.values = widen(this.values, (k) => new Int32Array(k));
    }
    b.copy(this.bytes, this.used);
    this.offsets[e] = this.used;
    this.lengths[e] = b.length;
    this.hashes[e] = h;
    this.used += b.length;
  }

  private grow(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    const mask = this.slots.length - 1;
    for (let e = 0; e < this.count; e++) {
      let i = (this.hashes[e]! >>> 0) & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = e + 1;
    }
  }
}

/** int32 values in order, up to `max` of them (the rest are dropped): a growable Int32Array. */
export class IntList {
  private items = new Int32Array(256);
  private count = 0;

  constructor(private readonly max = Infinity) {}

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count >= this.max) return;
    if (this.count === this.items.length) {
      const grown = new Int32Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    this.items[this.count++] = value;
  }

  toArray(): number[] {
    return Array.from(this.items.subarray(0, this.count));
  }
}
