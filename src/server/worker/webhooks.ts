/**
 * The webhook deliverer: its own loop beside the job worker, with its own concurrency and a timeout
 * on every request, so a receiver that is slow, hangs or is gone never takes a provisioning slot. It
 * claims due deliveries (jobs/webhook-queue.ts), POSTs each signed body and writes the outcome; a
 * failure is tried again with exponential backoff (domain/webhooks.ts) until it is given up.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { webhooksChannel } from '../db/events.ts';
import {
  afterDeliveryAttempt,
  eventIdHeader,
  eventTypeHeader,
  signatureHeader,
  signatureHeaderValue,
  webhookMaxAttempts,
  type AttemptResult,
} from '../domain/webhooks.ts';
import { claimDeliveries, recordAttempt, type ClaimedDelivery } from '../jobs/webhook-queue.ts';
import { onePassAtATime } from '../lib/one-pass-at-a-time.ts';

export interface WebhookDelivererOptions {
  database: DatabaseHandle;
  log: Logger;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** How long one request may take, connection to last byte. */
  timeoutMs?: number;
  /** Idle poll interval (LISTEN/NOTIFY wakes it sooner on PostgreSQL). */
  tickMs?: number;
  /** First retry delay; doubles with each attempt. */
  retryBaseMs?: number;
  maxAttempts?: number;
  userAgent?: string;
}

/** The deliverer settings an operator can set. */
export function webhookSettings(
  config: Config,
): Pick<WebhookDelivererOptions, 'concurrency' | 'timeoutMs' | 'retryBaseMs'> {
  return {
    concurrency: config.WEBHOOK_CONCURRENCY,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
  };
}

export interface WebhookDeliverer {
  wake(): void;
  stop(): Promise<void>;
}

/** One attempt: the body as stored, signed now. Never throws. */
export async function sendDelivery(
  delivery: ClaimedDelivery,
  timeoutMs: number,
  userAgent: string,
): Promise<AttemptResult> {
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const res = await fetch(delivery.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': userAgent,
        [signatureHeader]: signatureHeaderValue(delivery.secret, timestamp, delivery.body),
        [eventIdHeader]: delivery.eventId,
        [eventTypeHeader]: delivery.eventType,
      },
      body: delivery.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body is not needed; read it away (bounded by the same timeout) so the socket is freed.
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status };
  } catch (err) {
    const e = err as Error;
    const message =
      e.name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : ((e.cause as Error | undefined)?.message ?? e.message);
    return { error: message.slice(0, 300) };
  }
}

export async function startWebhookDeliverer(options: WebhookDelivererOptions): Promise<WebhookDeliverer> {
  const db = options.database.db;
  const concurrency = options.concurrency ?? 4;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const tickMs = options.tickMs ?? 1000;
  const maxAttempts = options.maxAttempts ?? webhookMaxAttempts;
  const userAgent = options.userAgent ?? 'Keel-Webhooks/1';
  // A claimed delivery is due again after this if its worker died mid-attempt.
  const leaseMs = timeoutMs + 30_000;
  const log = options.log.child({ component: 'webhooks' });
  const inFlight = new Set<Promise<void>>();
  let stopping = false;

  async function deliver(delivery: ClaimedDelivery): Promise<void> {
    const result = await sendDelivery(delivery, timeoutMs, userAgent);
    const next = afterDeliveryAttempt(result, delivery.attempts, maxAttempts, options.retryBaseMs);
    const statusCode = 'status' in result ? result.status : null;
    const error = 'error' in result ? result.error : statusCode === null ? null : `HTTP ${statusCode}`;
    await recordAttempt(
      db,
      delivery,
      next.state === 'delivered'
        ? { state: 'delivered', statusCode: statusCode! }
        : next.state === 'pending'
          ? { state: 'pending', retryInMs: next.retryInMs, statusCode, error }
          : { state: 'failed', statusCode, error },
    );
    const fields = {
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      attempt: delivery.attempts,
      statusCode,
    };
    if (next.state === 'delivered') log.info(fields, 'webhook delivered');
    else log.warn({ ...fields, error, next: next.state }, 'webhook delivery failed');
  }

  /** One pass: claims what the free places can take; wants another when it filled them all. */
  async function claimFree(): Promise<boolean> {
    const free = concurrency - inFlight.size;
    if (stopping || free <= 0) return false;
    const claimed = await claimDeliveries(db, free, leaseMs);
    for (const delivery of claimed) {
      const p: Promise<void> = deliver(delivery)
        .catch((err: unknown) => log.error({ err, deliveryId: delivery.id }, 'webhook delivery crashed'))
        .finally(() => {
          inFlight.delete(p);
          void claim();
        });
      inFlight.add(p);
    }
    return claimed.length === free;
  }
  const claim = onePassAtATime({
    pass: claimFree,
    stopped: () => stopping,
    onError: (err) => log.warn({ err }, 'could not claim webhook deliveries'),
  });

  const timer = setInterval(() => void claim(), tickMs);
  const unlisten = await options.database.listen(webhooksChannel, () => void claim()).catch(() => null);
  void claim();
  return {
    wake: () => void claim(),
    async stop() {
      stopping = true;
      clearInterval(timer);
      await unlisten?.();
      // In-flight requests end within their timeout; an unfinished one is claimed again after its lease.
      await Promise.allSettled([...inFlight]);
    },
  };
}
