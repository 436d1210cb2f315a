// How the simulated API fails: an HTTP answer PVE would give, or a task that ends in error.

/**
 * An error answered as PVE answers it: status line `<status> <message>`, body message and errors.
 * (Keel's own client has a `PveError` for what it receives; this is what the simulator sends.)
 */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
  }
}

/** A plain `die` in a PVE handler: HTTP 500 with the message as reason phrase. */
export const die = (message: string): SimHttpError => new SimHttpError(500, message);

/** raise_param_exc: HTTP 400 `Parameter verification failed.` with the per-parameter texts. */
export const paramError = (errors: Record<string, string>): SimHttpError =>
  new SimHttpError(400, 'Parameter verification failed.', errors);

export { TaskError } from '../tasks.ts';
