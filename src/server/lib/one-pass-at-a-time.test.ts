import { describe, expect, it } from 'vitest';
import { onePassAtATime } from './one-pass-at-a-time.ts';

/** A pass that waits to be let go, counting how many ran and how many ran at once. */
function gatedPass(wantsMore: () => boolean = () => false) {
  const seen = { passes: 0, inside: 0, most: 0 };
  let open: (() => void) | undefined;
  const pass = async () => {
    seen.passes++;
    seen.inside++;
    seen.most = Math.max(seen.most, seen.inside);
    await new Promise<void>((resolve) => (open = resolve));
    seen.inside--;
    return wantsMore();
  };
  const letGo = async () => {
    while (!open) await new Promise((r) => setTimeout(r, 1));
    const release = open;
    open = undefined;
    release();
  };
  return { seen, pass, letGo };
}

describe('onePassAtATime', () => {
  it('runs one pass for a wake-up, and a wake-up during a pass asks for one more after it, never beside it', async () => {
    const { seen, pass, letGo } = gatedPass();
    const wake = onePassAtATime({ pass, stopped: () => false, onError: () => {} });
    const round = wake();
    void wake();
    void wake();
    await letGo();
    await letGo();
    await round;
    expect(seen).toEqual({ passes: 2, inside: 0, most: 1 });
  });

  it('goes on while a pass wants more, and stops once stopped', async () => {
    let stopping = false;
    let left = 3;
    const wake = onePassAtATime({
      pass: () => Promise.resolve(--left > 0),
      stopped: () => stopping,
      onError: () => {},
    });
    await wake();
    expect(left).toBe(0);
    left = 5;
    stopping = true;
    await wake();
    expect(left).toBe(4);
  });

  it('hands a pass that throws to onError and takes the next wake-up afresh', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const wake = onePassAtATime({
      pass: () => (++calls === 1 ? Promise.reject(new Error('down')) : Promise.resolve(false)),
      stopped: () => false,
      onError: (err) => errors.push(err),
    });
    await wake();
    await wake();
    expect(errors.map((e) => (e as Error).message)).toEqual(['down']);
    expect(calls).toBe(2);
  });
});
