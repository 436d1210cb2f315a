import { describe, expect, it } from 'vitest';
import { kdfConcurrency, runKdf, SignInBusyError, SignInQueue } from './kdf.ts';

/** A job that runs until released, recording its start. */
function gate(started: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { work: () => (started.push(name), done.then(() => name)), release };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('runKdf', () => {
  it(`runs at most ${kdfConcurrency} computations at once and every one of them`, async () => {
    let running = 0;
    let most = 0;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        runKdf(async () => {
          most = Math.max(most, ++running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
          return i;
        }),
      ),
    );
    expect(most).toBe(kdfConcurrency);
    expect(results).toEqual([...Array(12).keys()]);
  });
});

describe('SignInQueue', () => {
  it('refuses beyond the limit per key, then per process, and admits again once a place is freed', () => {
    const queue = new SignInQueue({ concurrency: 1, maxAdmitted: 4, perKey: 2 });
    const tickets = ['a', 'a', 'b', 'c'].map((key) => queue.admit(key));
    expect(() => queue.admit('a')).toThrow(new SignInBusyError('key'));
    expect(() => queue.admit('d')).toThrow(new SignInBusyError('process'));
    expect(queue.size).toBe(4);
    tickets[0]!.release();
    tickets[0]!.release(); // a second release frees nothing more
    expect(queue.size).toBe(3);
    expect(queue.admit('a')).toBeDefined();
    expect(() => queue.admit('d')).toThrow(new SignInBusyError('process'));
  });

  it('gives the next free slot to the address whose turn it is, not to the longest queue', async () => {
    const queue = new SignInQueue({ concurrency: 1, maxAdmitted: 16, perKey: 8 });
    const started: string[] = [];
    const flood = Array.from({ length: 6 }, (_, i) => gate(started, `flood${i}`));
    const floodRuns = flood.map((job) => queue.admit('attacker').run(job.work));
    const legit = gate(started, 'legit');
    const legitRun = queue.admit('customer').run(legit.work);
    await tick();
    // One flood job runs; five wait, and the customer arrived after them.
    expect(started).toEqual(['flood0']);
    flood[0]!.release();
    await floodRuns[0];
    await tick();
    // The slot goes to the customer: the attacker had its turn.
    expect(started).toEqual(['flood0', 'legit']);
    legit.release();
    for (const job of flood) job.release();
    expect(await Promise.all([...floodRuns, legitRun])).toHaveLength(7);
    expect(started).toHaveLength(7);
    expect(queue.size).toBe(0);
  });

  it('runs at most its concurrency at once, and frees every place it took', async () => {
    const queue = new SignInQueue({ concurrency: 2, maxAdmitted: 16, perKey: 16 });
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        queue.admit(`k${i % 3}`).run(async () => {
          most = Math.max(most, ++running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
        }),
      ),
    );
    expect(most).toBe(2);
    expect(queue.size).toBe(0);
  });
});
