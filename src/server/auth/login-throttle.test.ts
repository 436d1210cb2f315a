import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/postgres.ts';
import { openDatabase, type Database } from '../db/client.ts';
import { loginAttempts } from '../db/schema.ts';
import { LoginThrottle, throttleAddress, type Reservation } from './login-throttle.ts';

function clock(start = Date.UTC(2030, 0, 1)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const limits = { windowMs: 60_000, perAccount: 3, perAddress: 5 };
const waitOf = (r: Reservation) => (r.ok ? 0 : r.retryAfter);

describe('throttleAddress', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff::1', '2001:db8:1:2::/64'],
    ['::1', '::/64'],
    ['unknown', 'unknown'],
  ])('%s counts as %s', (ip, expected) => {
    expect(throttleAddress(ip)).toBe(expected);
  });
});

// The same behaviour on both stores Keel runs on: the embedded PGlite and a PostgreSQL server.
const stores: [string, () => Promise<{ db: Database; close: () => Promise<void> }>][] = [
  [
    'PostgreSQL',
    async () => {
      const database = await createTestDatabase();
      return { db: database.handle.db, close: database.drop };
    },
  ],
  [
    'PGlite',
    async () => {
      const handle = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), 'keel-throttle-')) });
      await handle.migrate();
      return { db: handle.db, close: handle.close };
    },
  ],
];

describe.each(stores)('LoginThrottle on %s', (_name, open) => {
  let db: Database;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, close } = await open());
  });
  afterAll(() => close());
  beforeEach(async () => {
    await db.delete(loginAttempts);
  });

  it('allows attempts up to the limit, then asks to wait until the oldest leaves the window', async () => {
    const c = clock();
    const throttle = new LoginThrottle(db, limits, c.now);
    for (let i = 0; i < 3; i++) {
      expect((await throttle.reserve('1.1.1.1', 'a@x.io')).ok).toBe(true);
      c.advance(1000);
    }
    // Oldest attempt was 3 s ago; it leaves the 60 s window in 57 s.
    expect(waitOf(await throttle.reserve('1.1.1.1', 'a@x.io'))).toBe(57);
    expect(waitOf(await throttle.reserve('2.2.2.2', 'a@x.io'))).toBe(0);
    c.advance(57_000);
    expect(waitOf(await throttle.reserve('1.1.1.1', 'a@x.io'))).toBe(0);
  });

  it('limits one address across many emails', async () => {
    const c = clock();
    const throttle = new LoginThrottle(db, limits, c.now);
    for (let i = 0; i < 5; i++) expect((await throttle.reserve('1.1.1.1', `u${i}@x.io`)).ok).toBe(true);
    expect(waitOf(await throttle.reserve('1.1.1.1', 'fresh@x.io'))).toBe(60);
    expect(waitOf(await throttle.reserve('9.9.9.9', 'fresh@x.io'))).toBe(0);
  });

  it('forgets an account’s failures after a success, and a success costs the address nothing', async () => {
    const c = clock();
    const throttle = new LoginThrottle(db, limits, c.now);
    for (let i = 0; i < 2; i++) await throttle.reserve('1.1.1.1', 'a@x.io');
    const right = await throttle.reserve('1.1.1.1', 'a@x.io');
    if (!right.ok) throw new Error('third attempt should be allowed');
    await throttle.succeeded(right.attempt);
    for (let i = 0; i < 3; i++) expect((await throttle.reserve('1.1.1.1', 'a@x.io')).ok).toBe(true);
    // 2 + 3 failures from this address: the success in between was not counted.
    expect(waitOf(await throttle.reserve('1.1.1.1', 'b@x.io'))).toBe(60);
  });

  it('counts attempts made at the same moment one after another: only the limit gets through', async () => {
    const throttle = new LoginThrottle(db, limits, clock().now);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => throttle.reserve('1.1.1.1', 'a@x.io')),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(limits.perAccount);
  });

  it('keeps one address waiting on itself: another address is not held up', async () => {
    const throttle = new LoginThrottle(db, { ...limits, perAddress: 100, perAccount: 100 }, clock().now);
    const flood = Promise.all(
      Array.from({ length: 30 }, (_, i) => throttle.reserve('1.1.1.1', `u${i}@x.io`)),
    );
    const other = throttle.reserve('2.2.2.2', 'a@x.io');
    // The other address is answered while the flood is still queued behind itself.
    expect(await Promise.race([other.then(() => 'other'), flood.then(() => 'flood')])).toBe('other');
    expect((await flood).every((r) => r.ok)).toBe(true);
  });

  it('holds across throttles (processes) sharing the database', async () => {
    const c = clock();
    const first = new LoginThrottle(db, limits, c.now);
    const second = new LoginThrottle(db, limits, c.now);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? first : second).reserve('1.1.1.1', 'a@x.io')),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(limits.perAccount);
    expect(waitOf(await first.reserve('1.1.1.1', 'a@x.io'))).toBeGreaterThan(0);
    expect(waitOf(await second.reserve('1.1.1.1', 'a@x.io'))).toBeGreaterThan(0);
  });

  it('keeps neither the address nor the email, only a hash of them', async () => {
    await new LoginThrottle(db, limits, clock().now).reserve('198.51.100.4', 'secret@x.io');
    const rows = JSON.stringify(await db.select().from(loginAttempts));
    expect(rows).not.toContain('198.51.100.4');
    expect(rows).not.toContain('secret@x.io');
  });
});
