/**
 * Throttles sign-in attempts per client address and email, and per address across all emails, with a
 * sliding window kept in PostgreSQL, so every Keel process on one database counts the same attempts.
 *
 * An attempt is reserved before its password is checked, in one transaction serialised per address by
 * an advisory lock (and, within a process, by a queue per address): attempts in flight at the same time
 * are counted one after another, so no number of parallel requests gets more tries than the limit. A correct password gives its attempt back and
 * forgives the account's earlier failures, so only failures stay counted.
 */
import { createHash } from 'node:crypto';
import { eq, inArray, lte, sql } from 'drizzle-orm';
import ipaddr from 'ipaddr.js';
import { executeRows, type Database } from '../db/client.ts';
import { loginAttempts } from '../db/schema.ts';

export interface ThrottleLimits {
  windowMs: number;
  /** Attempts allowed for one address + email within the window. */
  perAccount: number;
  /** Attempts allowed for one address across all emails within the window. */
  perAddress: number;
}

export const defaultThrottleLimits: ThrottleLimits = { windowMs: 15 * 60_000, perAccount: 5, perAddress: 50 };

/** A reserved attempt: its rows, to forgive if the password turns out right. */
export interface Attempt {
  ids: number[];
  accountKey: string;
}

export type Reservation = { ok: true; attempt: Attempt } | { ok: false; retryAfter: number };

/**
 * The address an attempt counts against: IPv4 as it is (also when it arrives IPv4-mapped), IPv6 by its
 * /64, since one subscriber usually holds a whole /64 and could otherwise pick a fresh address per try.
 */
export function throttleAddress(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const parsed = ipaddr.process(ip);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}

const keyHash = (key: string) => createHash('sha256').update(key).digest('hex');

/** Old rows are swept at most this often per process; each key's own old rows go on every attempt. */
const sweepEveryMs = 60_000;

export class LoginThrottle {
  private lastSweep = 0;
  private readonly turns = new Map<string, { last: Promise<unknown>; waiting: number }>();

  constructor(
    private readonly db: Database,
    private readonly limits: ThrottleLimits = defaultThrottleLimits,
    private readonly now: () => number = Date.now,
    /** Keeps another throttle's keys apart from sign-in's in the same table (`reset:` for reset mails). */
    private readonly scope = '',
  ) {}

  /** Counts one attempt for (ip, email), or says how many seconds to wait when a limit is reached. */
  async reserve(ip: string, email: string): Promise<Reservation> {
    const address = throttleAddress(ip);
    const accountKey = keyHash(`${this.scope}account\0${address}\0${email}`);
    const addressKey = keyHash(`${this.scope}address\0${address}`);
    return this.inTurn(addressKey, () => this.reserveKeys(accountKey, addressKey));
  }

  /**
   * Runs `work` after every earlier attempt of the same address in this process: a flood from one
   * address then holds one database connection (waiting on the advisory lock), not the whole pool.
   */
  private async inTurn(key: string, work: () => Promise<Reservation>): Promise<Reservation> {
    const turn = this.turns.get(key) ?? { last: Promise.resolve(), waiting: 0 };
    turn.waiting++;
    this.turns.set(key, turn);
    const mine = turn.last.then(work, work);
    turn.last = mine;
    try {
      return await mine;
    } finally {
      if (--turn.waiting === 0) this.turns.delete(key);
    }
  }

  private async reserveKeys(accountKey: string, addressKey: string): Promise<Reservation> {
    const t = this.now();
    const since = new Date(t - this.limits.windowMs);
    await this.sweep(t, since);
    return this.db.transaction(async (tx) => {
      // Every key of an attempt belongs to its address, so locking the address serialises them all.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext('keel:login'), hashtext(${addressKey}))`);
      // Per key, the oldest of its last `limit` attempts in the window (null while under the limit):
      // a try is possible again once that one leaves the window.
      const oldestOfLast = (key: string, limit: number) => sql`(
        select extract(epoch from ${loginAttempts.at}) * 1000 from ${loginAttempts}
        where ${loginAttempts.keyHash} = ${key} and ${loginAttempts.at} > ${since.toISOString()}::timestamptz
        order by ${loginAttempts.at} desc offset ${limit - 1} limit 1)`;
      const [full] = await executeRows<{ account: number | null; address: number | null }>(
        tx,
        sql`select ${oldestOfLast(accountKey, this.limits.perAccount)}::float8 as account,
                   ${oldestOfLast(addressKey, this.limits.perAddress)}::float8 as address`,
      );
      const waitMs = Math.max(
        0,
        ...[full?.account, full?.address]
          .filter((at): at is number => at !== null && at !== undefined)
          .map((at) => Number(at) + this.limits.windowMs - t),
      );
      if (waitMs > 0) return { ok: false, retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) };
      const rows = await tx
        .insert(loginAttempts)
        .values([
          { keyHash: accountKey, at: new Date(t) },
          { keyHash: addressKey, at: new Date(t) },
        ])
        .returning({ id: loginAttempts.id });
      return { ok: true, attempt: { ids: rows.map((r) => r.id), accountKey } };
    });
  }

  /** The password was right: this attempt was no failure, and the account's earlier failures are forgiven. */
  async succeeded(attempt: Attempt): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.delete(loginAttempts).where(inArray(loginAttempts.id, attempt.ids));
      await tx.delete(loginAttempts).where(eq(loginAttempts.keyHash, attempt.accountKey));
    });
  }

  /**
   * This attempt counts for nothing, and nothing else is forgiven: the password was right but a second
   * factor is still to come, so earlier failed codes of the account stay counted.
   */
  async release(attempt: Attempt): Promise<void> {
    await this.db.delete(loginAttempts).where(inArray(loginAttempts.id, attempt.ids));
  }

  /** Attempts older than the window count for nothing; keys that never come back leave them behind. */
  private async sweep(t: number, since: Date): Promise<void> {
    if (t - this.lastSweep < sweepEveryMs) return;
    this.lastSweep = t;
    await this.db.delete(loginAttempts).where(lte(loginAttempts.at, since));
  }
}
