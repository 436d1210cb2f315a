/**
 * PVE errors, read as PVE sends them: the message is the HTTP reason phrase, with the body's `message`
 * (PVE ≥ 8.3) as fallback and `errors` naming bad parameters. Each is classified by kind; what follows
 * from a kind (retry, wait for the lock, give up) is decided in domain/retry-policy.ts.
 */
export type PveErrorKind =
  /** Worth retrying after a pause: timeouts, proxy failures, worker start failures. */
  | 'transient'
  /** The VM is locked by another operation; retry once it clears. */
  | 'locked'
  /** The VM (or task) does not exist. PVE says so with a 500, never a 404. */
  | 'not_found'
  /** The VMID is taken. */
  | 'already_exists'
  /** Credentials refused: re-authenticate, never retry blindly. */
  | 'auth'
  /** Anything else: retrying would give the same answer. */
  | 'permanent';

export class PveError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly kind: PveErrorKind,
    readonly errors: Record<string, string> = {},
    readonly method = '',
    readonly path = '',
  ) {
    super(message);
    this.name = 'PveError';
  }
}

export function classifyPveError(
  status: number,
  text: string,
  errors: Record<string, string> = {},
): PveErrorKind {
  const all = `${text} ${Object.values(errors).join(' ')}`;
  if (status === 401) return 'auth';
  if (/already exists/i.test(all)) return 'already_exists';
  if (/VM is locked \(/.test(all)) return 'locked';
  if (/got timeout|got no worker upid|timed out|connection (refused|reset)/i.test(all)) return 'transient';
  if (
    /does not exist|unable to find configuration file|no such (resource|task|vm)|No such file or directory/i.test(
      all,
    )
  )
    return 'not_found';
  if (status === 408 || status === 429 || status === 502 || status === 503 || status === 504 || status >= 595)
    return 'transient';
  return 'permanent';
}
