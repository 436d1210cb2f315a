/**
 * One error type for Keel's services, and one translation from any thrown value to the public error
 * shape `{error: {code, message, fields?}}` and its HTTP status. tRPC and the REST adapter both use it.
 */
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { ZodError } from 'zod';
import { errorStatus, type ErrorBody, type ErrorCode } from '../shared/errors.ts';

const trpcCodeFor: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  VALIDATION_FAILED: 'BAD_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  INVALID_CREDENTIALS: 'UNAUTHORIZED',
  TWO_FACTOR_REQUIRED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  INVALID_STATE: 'CONFLICT',
  CONFLICT: 'CONFLICT',
  NO_CAPACITY: 'CONFLICT',
  IN_PROGRESS: 'CONFLICT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  QUOTA_EXCEEDED: 'UNPROCESSABLE_CONTENT',
  IDEMPOTENCY_KEY_REUSED: 'UNPROCESSABLE_CONTENT',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
};

const appCodeFor: Partial<Record<TRPC_ERROR_CODE_KEY, ErrorCode>> = {
  BAD_REQUEST: 'VALIDATION_FAILED',
  PARSE_ERROR: 'VALIDATION_FAILED',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  UNPROCESSABLE_CONTENT: 'QUOTA_EXCEEDED',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  SERVICE_UNAVAILABLE: 'UNAVAILABLE',
  METHOD_NOT_SUPPORTED: 'NOT_FOUND',
};

export interface AppErrorOptions {
  fields?: Record<string, string>;
  /** Seconds, for TOO_MANY_REQUESTS. */
  retryAfter?: number;
}

/** Carried as a TRPCError's cause, so tRPC's own machinery (status, formatter) still applies. */
export class AppErrorDetail extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: AppErrorOptions = {},
  ) {
    super(message);
    this.name = 'AppErrorDetail';
  }
}

export function appError(code: ErrorCode, message: string, options: AppErrorOptions = {}): TRPCError {
  return new TRPCError({
    code: trpcCodeFor[code],
    message,
    cause: new AppErrorDetail(code, message, options),
  });
}

export function zodIssuesToFields(error: ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const keys =
      issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const path of keys) {
      const name = path.length ? path.map(String).join('.') : 'body';
      fields[name] ??= issue.message;
    }
  }
  return fields;
}

export interface PublicError {
  status: number;
  body: ErrorBody;
  retryAfter?: number;
  /** True for errors Keel did not expect; only those are logged with their stack. */
  unexpected: boolean;
}

const internalMessage = 'Something went wrong on our side. It has been logged; please try again.';

/** postgres.js and PostgreSQL codes that mean the database is briefly out of reach, not that Keel failed. */
const databaseUnavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
]);

function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && databaseUnavailableCodes.has(code)) return true;
  }
  return false;
}

/**
 * PostgreSQL's data exceptions (SQLSTATE class 22: a NUL byte in text, a date out of range, a malformed
 * UUID) come from a value the request carried that validation should have refused. The client hears 400;
 * the error is still logged as unexpected, because it shows a gap in the validation.
 */
function isDataException(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) return true;
  }
  return false;
}

/** Translates anything thrown by a procedure into the public error shape. Never leaks internals. */
export function toPublicError(error: unknown): PublicError {
  const cause = error instanceof TRPCError ? error.cause : error;
  if (cause instanceof AppErrorDetail) {
    const { fields, retryAfter } = cause.options;
    return {
      status: errorStatus[cause.code],
      body: { error: { code: cause.code, message: cause.message, ...(fields ? { fields } : {}) } },
      ...(retryAfter !== undefined ? { retryAfter } : {}),
      unexpected: false,
    };
  }
  if (cause instanceof ZodError) {
    const fields = zodIssuesToFields(cause);
    const message = `Invalid request: ${Object.entries(fields)
      .map(([name, problem]) => `${name} ${problem}`)
      .join('; ')}`;
    return {
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message, fields } },
      unexpected: false,
    };
  }
  if (error instanceof TRPCError) {
    const code = appCodeFor[error.code];
    if (code)
      return {
        status: errorStatus[code],
        body: { error: { code, message: error.message } },
        unexpected: false,
      };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      body: {
        error: {
          code: 'UNAVAILABLE',
          message: 'Keel cannot reach its database right now. Try again in a moment.',
        },
      },
      retryAfter: 2,
      unexpected: false,
    };
  }
  if (isDataException(error)) {
    return {
      status: 400,
      body: {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'Invalid request: a value in it is malformed or out of range.',
        },
      },
      unexpected: true,
    };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: internalMessage } }, unexpected: true };
}
