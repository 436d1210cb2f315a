import { pino, type Logger } from 'pino';

/** Anything that could hold a secret is replaced before a log line is written. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.tokenSecret',
  '*.jwtSecret',
  '*.cipassword',
];

/** The values drizzle writes after a failed statement: up to a stack frame, a wrapped cause, or the end. */
const statementValues = /\nparams: [\s\S]*?(?=\n\s+at |: Failed query: |$)/g;

/**
 * Errors as pino serializes them, without a failed statement's values: drizzle puts them in its error's
 * message and `params`, and they are what a request carried or a row held (a password hash among them).
 */
export function serializeError(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as unknown;
  const scrub = (value: unknown, depth: number): void => {
    if (!value || typeof value !== 'object' || depth > 5) return;
    const record = value as Record<string, unknown>;
    for (const key of ['message', 'stack'])
      if (typeof record[key] === 'string')
        record[key] = record[key].replace(statementValues, '\nparams: [redacted]');
    if ('params' in record) record.params = '[redacted]';
    scrub(record.cause, depth + 1);
  };
  scrub(out, 0);
  return out;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'keel' },
      redact: { paths: redactPaths, censor: '[redacted]' },
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/**
 * Query parameters whose values may hold a secret. tRPC's `input` carries a procedure's whole input
 * (a client sending `auth.login` by GET puts the password there), so it is one of them.
 */
const secretQueryParameter = /pass|secret|token|key|auth|cookie|session|^input$/i;

/** The URL as logged: the values of query parameters that may hold secrets are replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const pairs = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      const rawName = pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // A malformed name is logged as sent; its value is judged by the raw name.
      }
      return secretQueryParameter.test(name) ? `${rawName}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${pairs.join('&')}`;
}

/**
 * `parent.child(bindings)`, made only when first used. pino serializes a child's bindings when it is
 * made; a request's loggers (its id, then its user) are rarely written to, as the request line is
 * written without them, so most requests never need them made.
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  let made: Logger | undefined;
  const real = () => (made ??= parent.child(bindings));
  return new Proxy({} as Logger, {
    get(_target, property) {
      const logger = real();
      const value: unknown = Reflect.get(logger, property, logger);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(logger) : value;
    },
    set: (_target, property, value) => Reflect.set(real(), property, value),
    has: (_target, property) => Reflect.has(real(), property),
  });
}
