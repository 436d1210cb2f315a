import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.ts';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('LoginThrottle', () => {
  const limits = { windowMs: 60_000, perAccount: 3, perAddress: 5 };

  it('allows failures up to the limit, then asks to wait until the oldest leaves the window', () => {
    const c = clock();
    const throttle = new LoginThrottle(limits, c.now);
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfter('1.1.1.1', 'a@x.io')).toBe(0);
      throttle.recordFailure('1.1.1.1', 'a@x.io');
      c.advance(1000);
    }
    // Oldest failure was 3 s ago; it leaves the 60 s window in 57 s.
    expect(throttle.retryAfter('1.1.1.1', 'a@x.io')).toBe(57);
    expect(throttle.retryAfter('2.2.2.2', 'a@x.io')).toBe(0);
    c.advance(57_000);
    expect(throttle.retryAfter('1.1.1.1', 'a@x.io')).toBe(0);
  });

  it('limits one address across many emails', () => {
    const c = clock();
    const throttle = new LoginThrottle(limits, c.now);
    for (let i = 0; i < 5; i++) throttle.recordFailure('1.1.1.1', `u${i}@x.io`);
    expect(throttle.retryAfter('1.1.1.1', 'fresh@x.io')).toBe(60);
    expect(throttle.retryAfter('9.9.9.9', 'fresh@x.io')).toBe(0);
  });

  it('forgets an account’s failures after a success', () => {
    const c = clock();
    const throttle = new LoginThrottle(limits, c.now);
    for (let i = 0; i < 3; i++) throttle.recordFailure('1.1.1.1', 'a@x.io');
    throttle.recordSuccess('1.1.1.1', 'a@x.io');
    expect(throttle.retryAfter('1.1.1.1', 'a@x.io')).toBe(0);
  });
});
