import { describe, expect, it } from 'vitest';
import {
  afterDeliveryAttempt,
  signatureHeaderValue,
  signPayload,
  verifySignature,
  webhookRetryDelayMs,
} from './webhooks.ts';

describe('signPayload', () => {
  it('is HMAC-SHA256 over "<t>.<body>", hex', () => {
    // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
    expect(signPayload('whsec_test', 1700000000, '{"a":1}')).toBe(
      '38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789',
    );
  });
});

describe('verifySignature', () => {
  const body = '{"id":"e1","type":"server.created"}';
  const header = signatureHeaderValue('s3cret', 1000, body);
  it.each([
    ['the header as sent', 's3cret', header, body, 1000, true],
    ['within the tolerance', 's3cret', header, body, 1299, true],
    ['too old', 's3cret', header, body, 1301, false],
    ['another secret', 'other', header, body, 1000, false],
    ['a changed body', 's3cret', header, body.replace('e1', 'e2'), 1000, false],
    ['a changed timestamp', 's3cret', header.replace('t=1000', 't=1001'), body, 1000, false],
    ['garbage', 's3cret', 'v1=zz', body, 1000, false],
    ['empty', 's3cret', '', body, 1000, false],
  ])('%s → %s', (_name, secret, h, b, now, ok) => {
    expect(verifySignature(secret, h, b, now)).toBe(ok);
  });
});

describe('webhookRetryDelayMs', () => {
  it.each([
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [12, 20_480_000],
    [13, 6 * 3600_000],
    [40, 6 * 3600_000],
  ])('after attempt %i waits %i ms', (attempt, ms) => {
    expect(webhookRetryDelayMs(attempt)).toBe(ms);
  });
});

describe('afterDeliveryAttempt', () => {
  it.each([
    [{ status: 200 }, 1, { state: 'delivered' }],
    [{ status: 204 }, 5, { state: 'delivered' }],
    [{ status: 500 }, 1, { state: 'pending', retryInMs: 10_000 }],
    [{ status: 301 }, 2, { state: 'pending', retryInMs: 20_000 }],
    [{ error: 'timed out' }, 3, { state: 'pending', retryInMs: 40_000 }],
    [{ status: 500 }, 12, { state: 'failed' }],
    [{ status: 200 }, 12, { state: 'delivered' }],
  ] as const)('%j on attempt %i → %j', (result, attempt, expected) => {
    expect(afterDeliveryAttempt(result, attempt)).toEqual(expected);
  });
});
