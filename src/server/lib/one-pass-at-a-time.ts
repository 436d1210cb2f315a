/**
 * A pass over some queue that must not run beside itself (claiming work, say), woken by timers and
 * notifications alike: a wake-up while a pass runs asks for one more pass right after it, not a second
 * one beside it, so nothing that arrived meanwhile waits for the next tick.
 */
export interface PassOptions {
  /** One pass; answers true when it wants another at once itself (it filled every free place). */
  pass: () => Promise<boolean>;
  /** No pass starts again once this answers true. */
  stopped: () => boolean;
  /** A pass that throws ends this round; the next wake-up starts afresh. */
  onError: (err: unknown) => void;
}

/** The wake-up: call it as often as you like; it resolves when the round it ran (if any) ends. */
export function onePassAtATime({ pass, stopped, onError }: PassOptions): () => Promise<void> {
  let running = false;
  let again = false;
  return async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        if (await pass()) again = true;
      } while (again && !stopped());
    } catch (err) {
      onError(err);
    } finally {
      running = false;
    }
  };
}
