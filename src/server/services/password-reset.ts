/**
 * "Forgot password?": a one-time reset link by mail. Every request gets the same answer at once, whether
 * or not the email has an account (the lookup and the mail happen after the answer, so its timing says
 * nothing either); requests are throttled per address and email and per address like sign-ins, and an
 * account gets at most `linksPerHour` mails an hour however many addresses ask.
 */
import { and, count, eq, gt, isNull, sql } from 'drizzle-orm';
import { forgotPasswordMessage } from '../../shared/two-factor.ts';
import { LoginThrottle } from '../auth/login-throttle.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { userLinks, users } from '../db/schema.ts';
import { appError } from '../errors.ts';
import { createMailer, type Mailer } from '../lib/mailer.ts';
import type { Context } from '../trpc.ts';
import { createUserLink, linkLifetimeMs } from './account.ts';

/** Requests per 15 minutes: 3 for one address and email, 10 for one address. */
const resetLimits = { windowMs: 15 * 60_000, perAccount: 3, perAddress: 10 };
export const linksPerHour = 3;

const throttles = new WeakMap<Database, LoginThrottle>();
function resetThrottle(db: Database): LoginThrottle {
  let throttle = throttles.get(db);
  if (!throttle) throttles.set(db, (throttle = new LoginThrottle(db, resetLimits, Date.now, 'reset:')));
  return throttle;
}

const mailers = new WeakMap<Config, Mailer>();
function mailerFor(ctx: Context): Mailer {
  let mailer = mailers.get(ctx.config);
  if (!mailer)
    mailers.set(
      ctx.config,
      (mailer = createMailer({ smtpUrl: ctx.config.SMTP_URL, from: ctx.config.MAIL_FROM, log: ctx.log })),
    );
  return mailer;
}

export function resetMailText(email: string, url: string): string {
  const minutes = Math.round(linkLifetimeMs['reset-password'] / 60_000);
  return [
    `Someone asked to reset the password of the Keel account ${email}.`,
    '',
    `To choose a new password, open this link within ${minutes} minutes. It works once, and every`,
    'session of the account is signed out when the new password is set:',
    '',
    url,
    '',
    'If you did not ask for this, ignore this mail: your password stays as it is.',
    '',
  ].join('\n');
}

type Outcome = 'sent' | 'no_account' | 'limit_reached';

/** Looks the account up, makes the link and mails it; runs after the request was answered. */
async function sendResetLink(ctx: Context, email: string): Promise<Outcome> {
  const [user] = await ctx.db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(and(eq(users.email, email), isNull(users.disabledAt)))
    .limit(1);
  if (!user) return 'no_account';
  const link = await ctx.db.transaction(async (tx) => {
    // One account's mails at a time, so the hourly count below cannot be raced past.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('keel:reset'), hashtext(${user.id}))`);
    const [recent] = await tx
      .select({ n: count() })
      .from(userLinks)
      .where(
        and(
          eq(userLinks.userId, user.id),
          eq(userLinks.purpose, 'reset-password'),
          isNull(userLinks.createdBy),
          gt(userLinks.createdAt, sql`now() - interval '1 hour'`),
        ),
      );
    if ((recent?.n ?? 0) >= linksPerHour) return null;
    return createUserLink(tx, {
      userId: user.id,
      purpose: 'reset-password',
      createdBy: null,
      publicUrl: ctx.config.PUBLIC_URL,
    });
  });
  if (!link) return 'limit_reached';
  if (!ctx.config.PUBLIC_URL)
    ctx.log.warn(
      { event: 'public_url_unset' },
      'PUBLIC_URL is not set: the reset link in the mail has no host',
    );
  await mailerFor(ctx).send({
    to: user.email,
    subject: 'Reset your Keel password',
    text: resetMailText(user.email, link.url),
  });
  return 'sent';
}

/** Answers at once and the same for every email; the mail, if any, follows. */
export async function requestPasswordReset(
  ctx: Context,
  input: { email: string },
): Promise<{ ok: true; message: string }> {
  const reservation = await resetThrottle(ctx.db).reserve(ctx.ip, input.email);
  if (!reservation.ok)
    throw appError(
      'TOO_MANY_REQUESTS',
      `Too many password reset requests. Try again in ${reservation.retryAfter} seconds.`,
      { retryAfter: reservation.retryAfter },
    );
  void sendResetLink(ctx, input.email).then(
    (outcome) => ctx.log.info({ event: 'password_reset_requested', outcome }, 'password reset requested'),
    (err: unknown) => ctx.log.error({ event: 'password_reset_failed', err }, 'password reset mail failed'),
  );
  return { ok: true, message: forgotPasswordMessage };
}
