import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { describeError } from './errors.ts';

function apiError(message: string, data: Record<string, unknown>) {
  return new TRPCClientError(message, { result: { error: { message, code: -32000, data } } as never });
}

describe('describeError', () => {
  it.each([
    [
      'keeps the API message',
      apiError('Cannot reboot a server that is stopped.', { httpStatus: 409 }),
      { message: 'Cannot reboot a server that is stopped.', fields: {} },
    ],
    [
      'passes field errors on',
      apiError('Invalid request: name is required', { httpStatus: 400, fields: { name: 'is required' } }),
      { message: 'Invalid request: name is required', fields: { name: 'is required' } },
    ],
    [
      'turns a transport failure into advice',
      new TRPCClientError('Failed to fetch'),
      { message: 'Keel could not be reached. Check your connection and try again.', fields: {} },
    ],
    [
      'never shows a raw exception',
      new TypeError('x is undefined'),
      { message: 'Something went wrong. Try again in a moment.', fields: {} },
    ],
  ])('%s', (_name, error, expected) => {
    expect(describeError(error)).toEqual(expected);
  });
});
