// Scaled time: every simulated duration is divided by `speed`; storage bandwidth is shared.

export class SimClock {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(readonly speed: number) {
    if (!(speed > 0)) throw new Error(`speed must be positive, got ${speed}`);
  }

  /** Real milliseconds that a simulated duration takes. */
  realMs(simMs: number): number {
    return simMs / this.speed;
  }

  /** Resolves after `simMs` simulated milliseconds; never resolves once the clock is stopped. */
  sleep(simMs: number): Promise<void> {
    return this.sleepReal(this.realMs(simMs));
  }

  sleepReal(realMs: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return;
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          resolve();
        },
        Math.max(0, realMs),
      );
      this.timers.add(timer);
    });
  }

  /** A promise that never settles, for hung tasks (dropped with the clock). */
  forever(): Promise<never> {
    return new Promise<never>(() => undefined);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

interface Transfer {
  remaining: number;
  resolve: () => void;
}

/**
 * Processor sharing of one node's storage bandwidth: n concurrent copies each get 1/n of it,
 * so many clones at once take longer, as on a real node.
 */
export class BandwidthScheduler {
  private readonly active = new Set<Transfer>();
  private lastUpdate = performance.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clock: SimClock,
    private readonly bytesPerSimSecond: number,
  ) {}

  get activeTransfers(): number {
    return this.active.size;
  }

  transfer(bytes: number): Promise<void> {
    if (bytes <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.advance();
      this.active.add({ remaining: bytes, resolve });
      this.reschedule();
    });
  }

  private ratePerRealMs(): number {
    return (this.bytesPerSimSecond * this.clock.speed) / 1000;
  }

  private advance(): void {
    const now = performance.now();
    const elapsed = now - this.lastUpdate;
    this.lastUpdate = now;
    if (this.active.size === 0) return;
    const share = (elapsed * this.ratePerRealMs()) / this.active.size;
    for (const t of this.active) t.remaining -= share;
  }

  private reschedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.active.size === 0) return;
    const smallest = Math.min(...[...this.active].map((t) => t.remaining));
    const waitMs = Math.max(0, (smallest * this.active.size) / this.ratePerRealMs());
    this.timer = setTimeout(() => this.onTimer(), waitMs);
  }

  private onTimer(): void {
    this.timer = undefined;
    this.advance();
    for (const t of [...this.active]) {
      // Half a byte of slack absorbs float error so a finished copy is not rescheduled forever.
      if (t.remaining <= 0.5) {
        this.active.delete(t);
        t.resolve();
      }
    }
    this.reschedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.active.clear();
  }
}
