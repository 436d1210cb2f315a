import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore.ts';

describe('Semaphore', () => {
  it('holds at most its size, serves waiters in order, and frees every place', async () => {
    const places = new Semaphore(2);
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        places.run(async () => {
          inside++;
          most = Math.max(most, inside);
          order.push(i);
          await new Promise((r) => setTimeout(r, 5));
          inside--;
        }),
      ),
    );
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(places.free).toBe(2);
  });

  it('takes a free place synchronously', () => {
    const places = new Semaphore(1);
    void places.acquire();
    expect(places.free).toBe(0);
    places.release();
    expect(places.free).toBe(1);
  });
});
