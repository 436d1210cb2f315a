/**
 * Webhook decisions, pure: how a delivery is signed, when a failed one is tried again and when it is
 * given up. The worker (worker/webhooks.ts) does the sending and the writing.
 *
 * The signature follows Stripe's scheme: `X-Keel-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>" under the endpoint's secret>`. The receiver recomputes it over the raw body, compares
 * in constant time and refuses a timestamp far from its clock (replays).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const signatureHeader = 'X-Keel-Signature';
export const eventIdHeader = 'X-Keel-Event-Id';
export const eventTypeHeader = 'X-Keel-Event';

export function signPayload(secret: string, timestampS: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
}

export function signatureHeaderValue(secret: string, timestampS: number, body: string): string {
  return `t=${timestampS},v1=${signPayload(secret, timestampS, body)}`;
}

/** The receiver's check, as the README shows it: true when the header signs this body and is recent. */
export function verifySignature(
  secret: string,
  header: string,
  body: string,
  nowS: number,
  toleranceS = 300,
): boolean {
  const parts = Object.fromEntries(
    header.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()];
    }),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowS - t) > toleranceS || typeof parts.v1 !== 'string') return false;
  const expected = Buffer.from(signPayload(secret, t, body), 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Attempts before a delivery is given up: with the backoff below, about eleven hours of trying. */
export const webhookMaxAttempts = 12;

/** Exponential backoff after attempt `attempt` (1-based): 10 s, 20 s, 40 s, … capped at 6 hours. */
export function webhookRetryDelayMs(attempt: number, baseMs = 10_000, capMs = 6 * 3600_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

export type AttemptResult = { status: number } | { error: string };

/** What to write after an attempt: delivered on a 2xx, else retried later, or given up after the last. */
export function afterDeliveryAttempt(
  result: AttemptResult,
  attempt: number,
  maxAttempts = webhookMaxAttempts,
  baseMs?: number,
): { state: 'delivered' } | { state: 'pending'; retryInMs: number } | { state: 'failed' } {
  if ('status' in result && result.status >= 200 && result.status < 300) return { state: 'delivered' };
  if (attempt >= maxAttempts) return { state: 'failed' };
  return { state: 'pending', retryInMs: webhookRetryDelayMs(attempt, baseMs) };
}
