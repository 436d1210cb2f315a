/**
 * Bounds the password-hashing work of this process. Every KDF computation (scrypt, and bcrypt for
 * hashes carried over from WHMCS) runs through `runKdf`, at most `kdfConcurrency` at a time, so a burst
 * of sign-ins cannot occupy every libuv thread and CPU core.
 *
 * Sign-in attempts also pass a `SignInQueue` before they check a password: a bounded number may wait
 * at once, one client address may hold only part of them, and the waiting ones take turns by address,
 * so a flood from one place waits behind itself and everybody else's sign-in goes ahead of it.
 */
import pLimit from 'p-limit';

/** scrypt at Keel's cost takes ~60–180 ms of one core; two at once leave the rest of the process room. */
export const kdfConcurrency = 2;

const limit = pLimit(kdfConcurrency);

/** Runs one KDF computation when a slot is free; waits for one otherwise. */
export function runKdf<T>(work: () => Promise<T>): Promise<T> {
  return limit(work);
}

export interface SignInQueueLimits {
  /** Sign-ins checking a password at once. */
  concurrency: number;
  /** Sign-ins checking or waiting to check a password, in this process. */
  maxAdmitted: number;
  /** Of those, how many one client address may hold. */
  perKey: number;
}

export const defaultSignInQueueLimits: SignInQueueLimits = {
  concurrency: kdfConcurrency,
  maxAdmitted: 16,
  perKey: 8,
};

/** The queue is full for this address (`key`) or for the whole process (`process`). */
export class SignInBusyError extends Error {
  constructor(readonly busy: 'key' | 'process') {
    super(busy === 'key' ? 'too many sign-ins from one address at once' : 'too many sign-ins at once');
  }
}

/** A place in the queue: `run` the password check in its turn, or `release` it unused. */
export interface SignInTicket {
  run<T>(work: () => Promise<T>): Promise<T>;
  release(): void;
}

export class SignInQueue {
  private running = 0;
  private admitted = 0;
  private readonly heldByKey = new Map<string, number>();
  /** Waiting sign-ins by key; the Map's order is the order in which keys get their next turn. */
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly limits: SignInQueueLimits = defaultSignInQueueLimits) {}

  /** Takes a place for `key`; throws SignInBusyError at once when the key or the process is full. */
  admit(key: string): SignInTicket {
    const held = this.heldByKey.get(key) ?? 0;
    if (held >= this.limits.perKey) throw new SignInBusyError('key');
    if (this.admitted >= this.limits.maxAdmitted) throw new SignInBusyError('process');
    this.admitted++;
    this.heldByKey.set(key, held + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.admitted--;
      const left = (this.heldByKey.get(key) ?? 1) - 1;
      if (left > 0) this.heldByKey.set(key, left);
      else this.heldByKey.delete(key);
    };
    const run = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        if (this.running < this.limits.concurrency) this.running++;
        else await new Promise<void>((start) => this.enqueue(key, start));
        try {
          return await work();
        } finally {
          this.handOver(key);
        }
      } finally {
        release();
      }
    };
    return { run, release };
  }

  /** Sign-ins admitted and not finished. */
  get size(): number {
    return this.admitted;
  }

  private enqueue(key: string, start: () => void): void {
    const queue = this.waiting.get(key);
    if (queue) queue.push(start);
    else this.waiting.set(key, [start]);
  }

  /**
   * A finished sign-in's slot goes to the key whose turn it is, which then goes to the back; the key
   * that just had the slot waits behind every other key first.
   */
  private handOver(finished: string): void {
    const own = this.waiting.get(finished);
    if (own && this.waiting.size > 1) {
      this.waiting.delete(finished);
      this.waiting.set(finished, own);
    }
    const next = this.waiting.entries().next();
    if (next.done) {
      this.running--;
      return;
    }
    const [key, queue] = next.value;
    const start = queue.shift()!;
    this.waiting.delete(key);
    if (queue.length) this.waiting.set(key, queue);
    start();
  }
}

/** One per process, shared by every app in it: the KDF slots it guards are per process too. */
export const signInQueue = new SignInQueue();
