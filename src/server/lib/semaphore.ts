/** A counting semaphore: at most `size` holders at once, the others served in the order they came. */
export class Semaphore {
  private held = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly size: number) {}

  /** Places nobody holds and nobody waits for. */
  get free(): number {
    return this.size - this.held;
  }

  /** Takes a place at once when one is free (synchronously, before the returned promise settles). */
  acquire(): Promise<void> {
    if (this.held < this.size) {
      this.held++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Gives the place to the longest waiter, so the count never overshoots. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held--;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}
