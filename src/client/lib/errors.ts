import { TRPCClientError } from '@trpc/client';

export interface ErrorDescription {
  /** A sentence a customer can act on. */
  message: string;
  /** Per-field problems from a VALIDATION_FAILED answer, keyed by field name. */
  fields: Record<string, string>;
  /** Keel's error code (`TWO_FACTOR_REQUIRED`, `NOT_FOUND`, …) when the API answered one. */
  code?: string;
}

/**
 * Turns whatever a call threw into words for a customer. The API's own messages are written for people
 * and are kept; transport failures become advice.
 */
export function describeError(error: unknown): ErrorDescription {
  if (error instanceof TRPCClientError) {
    const data = (error.data ?? {}) as {
      fields?: Record<string, string>;
      httpStatus?: number;
      appCode?: string;
    };
    if (!data.httpStatus) {
      return {
        message: 'Keel could not be reached. Check your connection and try again.',
        fields: {},
      };
    }
    if (data.httpStatus >= 500 && !error.message) {
      return { message: 'Something went wrong on our side. Try again in a moment.', fields: {} };
    }
    return {
      message: error.message,
      fields: data.fields ?? {},
      ...(data.appCode ? { code: data.appCode } : {}),
    };
  }
  return { message: 'Something went wrong. Try again in a moment.', fields: {} };
}
