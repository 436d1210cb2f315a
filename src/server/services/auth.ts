/**
 * Sign-in, silent renewal and sign-out. Access tokens are short-lived JWTs; refresh tokens are opaque,
 * stored hashed, rotated on every use, and grouped in families so a replayed token revokes its family.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { LoginResult } from '../../shared/api.ts';
import { twoFactorRequiredMessage } from '../../shared/two-factor.ts';
import { accountDisabledMessage } from '../../shared/users.ts';
import { SignInBusyError, signInQueue } from '../auth/kdf.ts';
import { throttleAddress } from '../auth/login-throttle.ts';
import { burnVerifyTime, hashPassword, verifyPassword } from '../auth/password.ts';
import {
  accessTokenTtlSeconds,
  hashRefreshToken,
  newRefreshToken,
  refreshTokenTtlSeconds,
  signAccessToken,
} from '../auth/tokens.ts';
import { refreshTokens, users } from '../db/schema.ts';
import { appError } from '../errors.ts';
import { loginFailures } from '../lib/metrics.ts';
import type { Context } from '../trpc.ts';
import { hasTwoFactor, spendSecondFactor } from './two-factor.ts';
import { publicUserColumns } from './users.ts';

/** Over HTTPS the cookie jar names it `__Host-keel_refresh` (http/context.ts). */
export const refreshCookieName = 'keel_refresh';

/**
 * How long a just-rotated refresh token may be exchanged again without counting as theft: two tabs of
 * one browser share the cookie and may both renew at once (OAuth servers allow the same).
 */
export const refreshReuseGraceMs = 30_000;

const invalidCredentials = () => appError('INVALID_CREDENTIALS', 'The email or password is not correct.');

async function issueTokens(ctx: Context, user: LoginResult['user'], familyId: string): Promise<LoginResult> {
  const refresh = newRefreshToken();
  await ctx.db.insert(refreshTokens).values({
    userId: user.id,
    familyId,
    tokenHash: refresh.hash,
    expiresAt: new Date(Date.now() + refreshTokenTtlSeconds * 1000),
  });
  ctx.cookies.set(refreshCookieName, refresh.token, refreshTokenTtlSeconds);
  const accessToken = await signAccessToken(ctx.config.jwtSecret, {
    sub: user.id,
    role: user.role,
    sid: familyId,
  });
  return { accessToken, tokenType: 'Bearer', expiresIn: accessTokenTtlSeconds, user };
}

const tooManyAttempts = (wait: number) =>
  appError('TOO_MANY_REQUESTS', `Too many failed sign-in attempts. Try again in ${wait} seconds.`, {
    retryAfter: wait,
  });

/** One address with many attempts in flight is answered 429; a process full of them, 503. */
const busy = (who: 'key' | 'process') =>
  who === 'key'
    ? appError(
        'TOO_MANY_REQUESTS',
        'Too many sign-in attempts at once from your address. Try again in a moment.',
        {
          retryAfter: 1,
        },
      )
    : appError('UNAVAILABLE', 'Too many sign-ins are being checked right now. Try again in a moment.', {
        retryAfter: 1,
      });

/** The user behind the email and password, or null; spends the KDF's time either way. */
async function checkCredentials(ctx: Context, input: { email: string; password: string }) {
  const [row] = await ctx.db
    .select({ ...publicUserColumns, passwordHash: users.passwordHash, disabledAt: users.disabledAt })
    .from(users)
    .where(eq(users.email, input.email))
    .limit(1);
  if (!row) {
    await burnVerifyTime(input.password);
    ctx.log.info({ event: 'login_failed', reason: 'unknown_email' }, 'sign-in refused');
    loginFailures.inc({ reason: 'unknown_email' });
    return null;
  }
  const { passwordHash, disabledAt, ...user } = row;
  const verdict = await verifyPassword(passwordHash, input.password);
  if (!verdict.ok) {
    ctx.log.info({ event: 'login_failed', reason: 'wrong_password', userId: user.id }, 'sign-in refused');
    loginFailures.inc({ reason: 'wrong_password' });
    return null;
  }
  return { user, needsRehash: verdict.needsRehash, disabled: disabledAt !== null };
}

/**
 * A sign-in first takes a place in this process's queue for the KDF (refused at once when its address
 * or the process has too many waiting, before any database work), then has its attempt counted (before
 * the password is checked, so parallel attempts cannot all pass the throttle), then checks the password
 * in its turn, taken by address so a flood from one place waits behind itself.
 */
export async function login(
  ctx: Context,
  input: { email: string; password: string; code?: string | undefined },
): Promise<LoginResult> {
  let ticket;
  try {
    ticket = signInQueue.admit(throttleAddress(ctx.ip));
  } catch (err) {
    if (!(err instanceof SignInBusyError)) throw err;
    ctx.log.warn({ event: 'login_busy', busy: err.busy }, 'sign-in refused: too many password checks');
    loginFailures.inc({ reason: 'busy' });
    throw busy(err.busy);
  }
  let verified;
  try {
    const reservation = await ctx.loginThrottle.reserve(ctx.ip, input.email);
    if (!reservation.ok) {
      loginFailures.inc({ reason: 'throttled' });
      throw tooManyAttempts(reservation.retryAfter);
    }
    verified = await ticket.run(async () => {
      const found = await checkCredentials(ctx, input);
      return found && { ...found, attempt: reservation.attempt };
    });
  } finally {
    ticket.release();
  }
  if (!verified) throw invalidCredentials();
  const { user } = verified;
  // Said only to whoever knows the password, so it tells nobody else which accounts exist. The attempt
  // stays counted by the throttle.
  if (verified.disabled) {
    ctx.log.info({ event: 'login_failed', reason: 'disabled', userId: user.id }, 'sign-in refused');
    loginFailures.inc({ reason: 'disabled' });
    throw appError('FORBIDDEN', accountDisabledMessage);
  }
  if (await hasTwoFactor(ctx.db, user.id)) {
    if (!input.code) {
      // Not a failure: the form now asks for the code. Earlier failed codes stay counted.
      await ctx.loginThrottle.release(verified.attempt);
      throw appError('TWO_FACTOR_REQUIRED', twoFactorRequiredMessage, {
        fields: { code: 'is required: this account has two-factor sign-in on' },
      });
    }
    const factor = await spendSecondFactor(
      ctx.db,
      ctx.config.jwtSecret,
      { userId: user.id, email: user.email, requestId: ctx.requestId },
      input.code,
    );
    if (!factor.ok) {
      // The attempt stays counted: codes are throttled exactly like passwords.
      ctx.log.info({ event: 'login_failed', reason: 'wrong_code', userId: user.id }, 'sign-in refused');
      throw appError('INVALID_CREDENTIALS', 'The two-factor code is not correct, or was already used.', {
        fields: { code: 'is not correct, or was already used' },
      });
    }
  }
  await ctx.loginThrottle.succeeded(verified.attempt);
  if (verified.needsRehash) {
    await ctx.db
      .update(users)
      .set({ passwordHash: await hashPassword(input.password) })
      .where(eq(users.id, user.id));
  }
  ctx.log.info({ event: 'login', userId: user.id }, 'signed in');
  return issueTokens(ctx, user, randomUUID());
}

const sessionEnded = () => appError('UNAUTHORIZED', 'Your session has ended. Sign in again.');

export async function refresh(ctx: Context): Promise<LoginResult> {
  const token = ctx.cookies.get(refreshCookieName);
  if (!token) throw sessionEnded();
  const hash = hashRefreshToken(token);
  // Rotation is one conditional UPDATE, so two concurrent uses of one token cannot both succeed.
  const [rotated] = await ctx.db
    .update(refreshTokens)
    .set({ rotatedAt: new Date() })
    .where(
      and(
        eq(refreshTokens.tokenHash, hash),
        isNull(refreshTokens.rotatedAt),
        isNull(refreshTokens.revokedAt),
      ),
    )
    .returning({
      userId: refreshTokens.userId,
      familyId: refreshTokens.familyId,
      expiresAt: refreshTokens.expiresAt,
    });
  if (!rotated) {
    const [known] = await ctx.db
      .select({
        familyId: refreshTokens.familyId,
        userId: refreshTokens.userId,
        rotatedAt: refreshTokens.rotatedAt,
        revokedAt: refreshTokens.revokedAt,
        expiresAt: refreshTokens.expiresAt,
      })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, hash))
      .limit(1);
    const now = Date.now();
    if (
      known?.rotatedAt &&
      !known.revokedAt &&
      now - known.rotatedAt.getTime() < refreshReuseGraceMs &&
      known.expiresAt.getTime() > now
    ) {
      // Exchanged a moment ago, most likely by another tab of this browser: it gets its own token of
      // the same family, and the family lives on.
      const [user] = await ctx.db
        .select(publicUserColumns)
        .from(users)
        .where(and(eq(users.id, known.userId), isNull(users.disabledAt)))
        .limit(1);
      if (!user) throw sessionEnded();
      ctx.log.info(
        { event: 'refresh_within_grace', userId: known.userId },
        'refresh token reused within grace',
      );
      return issueTokens(ctx, user, known.familyId);
    }
    if (known) {
      // A token that was already rotated is being replayed: whoever holds the family may be an attacker.
      await revokeFamily(ctx, known.familyId);
      ctx.log.warn(
        { event: 'refresh_token_reuse', userId: known.userId },
        'refresh token reused; family revoked',
      );
    }
    ctx.cookies.clear(refreshCookieName);
    throw sessionEnded();
  }
  if (rotated.expiresAt.getTime() <= Date.now()) {
    ctx.cookies.clear(refreshCookieName);
    throw sessionEnded();
  }
  const [user] = await ctx.db
    .select(publicUserColumns)
    .from(users)
    .where(and(eq(users.id, rotated.userId), isNull(users.disabledAt)))
    .limit(1);
  if (!user) throw sessionEnded();
  return issueTokens(ctx, user, rotated.familyId);
}

async function revokeFamily(ctx: Context, familyId: string): Promise<void> {
  await ctx.db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

/** Ends this browser's session: its whole token family is revoked and the cookie cleared. */
export async function logout(ctx: Context): Promise<{ ok: true }> {
  const token = ctx.cookies.get(refreshCookieName);
  if (token) {
    const [row] = await ctx.db
      .select({ familyId: refreshTokens.familyId })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, hashRefreshToken(token)))
      .limit(1);
    if (row) await revokeFamily(ctx, row.familyId);
  }
  ctx.cookies.clear(refreshCookieName);
  return { ok: true };
}
