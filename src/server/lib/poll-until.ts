/** Waiting on something outside Keel (a PVE task, a lock, a guest agent) by looking again and again. */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface PollOptions {
  /** Stop looking once this long has passed since the first look began. */
  timeoutMs: number;
  /** The pause between two looks. */
  intervalMs: number;
  /** Pause before the first look too (a task just dispatched is still running). */
  pauseFirst?: boolean;
  /** Runs before every look; throwing from it ends the wait (a job whose lease was lost). */
  beforeEach?: () => void;
}

/**
 * Calls `look` until it returns something other than `undefined`, and returns that; returns
 * `undefined` when the time is up. Errors thrown by `look` end the wait: a caller that tolerates
 * some catches them inside `look` and returns `undefined` to look again.
 */
export async function pollUntil<T>(
  look: () => Promise<T | undefined>,
  options: PollOptions,
): Promise<T | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  for (let first = true; ; first = false) {
    if (!first || options.pauseFirst) await sleep(options.intervalMs);
    options.beforeEach?.();
    const value = await look();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
  }
}
