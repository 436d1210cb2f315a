/**
 * Throttles failed logins per client address and email, and per address across all emails, with a
 * sliding window. In memory: one Keel process sees its own failures, which bounds guessing to the
 * window limit per process.
 */
export interface ThrottleLimits {
  windowMs: number;
  /** Failures allowed for one address + email within the window. */
  perAccount: number;
  /** Failures allowed for one address across all emails within the window. */
  perAddress: number;
}

export const defaultThrottleLimits: ThrottleLimits = { windowMs: 15 * 60_000, perAccount: 5, perAddress: 50 };
const maxTrackedKeys = 100_000;

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: ThrottleLimits = defaultThrottleLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds the caller must wait before trying again, or 0 when a try is allowed. */
  retryAfter(ip: string, email: string): number {
    const t = this.now();
    const wait = Math.max(
      this.waitFor(`a:${ip}|${email}`, this.limits.perAccount, t),
      this.waitFor(`i:${ip}`, this.limits.perAddress, t),
    );
    return Math.ceil(wait / 1000);
  }

  recordFailure(ip: string, email: string): void {
    const t = this.now();
    this.push(`a:${ip}|${email}`, t);
    this.push(`i:${ip}`, t);
  }

  recordSuccess(ip: string, email: string): void {
    this.failures.delete(`a:${ip}|${email}`);
  }

  private waitFor(key: string, limit: number, t: number): number {
    const times = this.recent(key, t);
    if (times.length < limit) return 0;
    return times[times.length - limit]! + this.limits.windowMs - t;
  }

  private recent(key: string, t: number): number[] {
    const times = (this.failures.get(key) ?? []).filter((at) => at > t - this.limits.windowMs);
    if (times.length) this.failures.set(key, times);
    else this.failures.delete(key);
    return times;
  }

  private push(key: string, t: number): void {
    if (!this.failures.has(key) && this.failures.size >= maxTrackedKeys) this.evictExpired(t);
    const times = this.recent(key, t);
    times.push(t);
    // Keep only what the largest limit can need.
    this.failures.set(key, times.slice(-Math.max(this.limits.perAccount, this.limits.perAddress)));
  }

  private evictExpired(t: number): void {
    for (const key of this.failures.keys()) this.recent(key, t);
    // Still full of live entries: drop the oldest keys rather than grow without bound.
    for (const key of this.failures.keys()) {
      if (this.failures.size < maxTrackedKeys) break;
      this.failures.delete(key);
    }
  }
}
