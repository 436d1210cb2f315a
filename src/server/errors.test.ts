import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
// Keel's Zod messages are configured where the shared schemas live.
import '../shared/api.ts';
import { appError, toPublicError } from './errors.ts';

describe('toPublicError', () => {
  it('keeps an application error’s code, fields and Retry-After', () => {
    const pub = toPublicError(appError('TOO_MANY_REQUESTS', 'slow down', { retryAfter: 9 }));
    expect(pub).toMatchObject({
      status: 429,
      retryAfter: 9,
      unexpected: false,
      body: { error: { code: 'TOO_MANY_REQUESTS' } },
    });
  });

  it('names every bad field of a Zod failure', () => {
    const result = z.strictObject({ a: z.string() }).safeParse({ b: 1 });
    const pub = toPublicError(new TRPCError({ code: 'BAD_REQUEST', cause: result.error }));
    expect(pub.status).toBe(400);
    expect(pub.body.error.fields).toEqual({ a: 'is required', b: 'is not a known field' });
  });

  it('answers 503 when the database is out of reach, wherever the code sits in the cause chain', () => {
    const dbDown = Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' });
    const pub = toPublicError(
      new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: new Error('query failed', { cause: dbDown }) }),
    );
    expect(pub).toMatchObject({ status: 503, unexpected: false, body: { error: { code: 'UNAVAILABLE' } } });
  });

  it.each([
    ['22P02', 'invalid input syntax for type uuid: "abc"'],
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
    ['22008', 'date/time field value out of range'],
  ])('answers 400 for the PostgreSQL data exception %s, and still logs it', (code, message) => {
    const pgError = Object.assign(new Error(message), { code });
    const pub = toPublicError(new Error('Failed query', { cause: pgError }));
    expect(pub).toMatchObject({
      status: 400,
      unexpected: true,
      body: { error: { code: 'VALIDATION_FAILED' } },
    });
    expect(JSON.stringify(pub.body)).not.toContain(message);
  });

  it('hides anything else behind a 500 without details', () => {
    const pub = toPublicError(new Error('secret internals at /srv/keel'));
    expect(pub.status).toBe(500);
    expect(pub.unexpected).toBe(true);
    expect(JSON.stringify(pub.body)).not.toContain('internals');
  });
});
