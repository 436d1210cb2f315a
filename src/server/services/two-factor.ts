/**
 * Two-factor sign-in: enrolment (a secret shown once, confirmed by a first code before it counts),
 * one-time recovery codes, turning it off (password and a code), and the second-factor check sign-in
 * makes. Codes are checked by auth/totp.ts; a TOTP step is spent by one conditional UPDATE, so a code
 * cannot pass twice, not even by two requests at once.
 */
import { and, count, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import QRCode from 'qrcode';
import type { User } from '../../shared/api.ts';
import type { TwoFactorEnrolment, TwoFactorStatus } from '../../shared/two-factor.ts';
import { verifyPassword } from '../auth/password.ts';
import * as totp from '../auth/totp.ts';
import { recordAudit } from '../db/audit.ts';
import type { Database, Tx } from '../db/client.ts';
import { recoveryCodes, userTwoFactor, users } from '../db/schema.ts';
import { appError } from '../errors.ts';
import type { Context } from '../trpc.ts';

type SignedIn = Context & { user: User; credential: { kind: 'session' | 'token' } };

/** Whether the user has two-factor sign-in on (an enrolment not yet confirmed does not count). */
export async function hasTwoFactor(db: Database | Tx, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ userId: userTwoFactor.userId })
    .from(userTwoFactor)
    .where(and(eq(userTwoFactor.userId, userId), isNotNull(userTwoFactor.enabledAt)))
    .limit(1);
  return row !== undefined;
}

/** An API token could otherwise turn two-factor sign-in on with its own secret and lock the owner out. */
function requireSession(ctx: SignedIn): void {
  if (ctx.credential.kind !== 'session')
    throw appError(
      'FORBIDDEN',
      'Two-factor sign-in is changed from a signed-in session, not with an API token.',
    );
}

export async function getTwoFactorStatus(ctx: SignedIn): Promise<TwoFactorStatus> {
  const [row] = await ctx.db
    .select({ enabledAt: userTwoFactor.enabledAt })
    .from(userTwoFactor)
    .where(eq(userTwoFactor.userId, ctx.user.id))
    .limit(1);
  const enabledAt = row?.enabledAt ?? null;
  const [left] = enabledAt
    ? await ctx.db
        .select({ n: count() })
        .from(recoveryCodes)
        .where(and(eq(recoveryCodes.userId, ctx.user.id), isNull(recoveryCodes.usedAt)))
    : [{ n: 0 }];
  return {
    enabled: enabledAt !== null,
    enabledAt,
    recoveryCodesLeft: left?.n ?? 0,
    required: ctx.config.REQUIRE_ADMIN_2FA && ctx.user.role === 'admin',
  };
}

const alreadyOn = () =>
  appError(
    'INVALID_STATE',
    'Two-factor sign-in is already on. Turn it off first to move it to a new authenticator.',
  );

/**
 * Starts (or restarts) an enrolment: a new secret, kept encrypted and not yet in force. The answer is
 * the only time the secret leaves Keel.
 */
export async function enrolTwoFactor(ctx: SignedIn): Promise<TwoFactorEnrolment> {
  requireSession(ctx);
  const secret = totp.newTotpSecret();
  const secretEncrypted = totp.encryptTotpSecret(ctx.config.jwtSecret, secret);
  const [row] = await ctx.db
    .insert(userTwoFactor)
    .values({ userId: ctx.user.id, secretEncrypted })
    .onConflictDoUpdate({
      target: userTwoFactor.userId,
      set: { secretEncrypted, lastUsedStep: null, createdAt: sql`now()` },
      setWhere: isNull(userTwoFactor.enabledAt),
    })
    .returning({ userId: userTwoFactor.userId });
  if (!row) throw alreadyOn();
  const otpauthUri = totp.totpUri(secret, ctx.user.email);
  const qrCodeDataUrl = await QRCode.toDataURL(otpauthUri, {
    errorCorrectionLevel: 'M',
    margin: 2,
    width: 240,
  });
  ctx.log.info({ event: 'two_factor_enrolment_started' }, 'two-factor enrolment started');
  return { secret, otpauthUri, qrCodeDataUrl };
}

const wrongCode = () =>
  appError('VALIDATION_FAILED', 'Invalid request: code is not the current code of this authenticator', {
    fields: { code: 'is not the current code of this authenticator' },
  });

/** Turns two-factor sign-in on with the enrolment's first code; answers the recovery codes, once. */
export async function confirmTwoFactor(
  ctx: SignedIn,
  input: { code: string },
): Promise<{ recoveryCodes: string[] }> {
  requireSession(ctx);
  const [row] = await ctx.db
    .select({ secretEncrypted: userTwoFactor.secretEncrypted, enabledAt: userTwoFactor.enabledAt })
    .from(userTwoFactor)
    .where(eq(userTwoFactor.userId, ctx.user.id))
    .limit(1);
  if (!row)
    throw appError('INVALID_STATE', 'Start two-factor enrolment first: there is no secret to confirm.');
  if (row.enabledAt) throw alreadyOn();
  const secret = totp.decryptTotpSecret(ctx.config.jwtSecret, row.secretEncrypted);
  const step = secret === null ? null : totp.matchTotp(secret, input.code, Date.now());
  if (step === null) throw wrongCode();
  const codes = totp.newRecoveryCodes();
  await ctx.db.transaction(async (tx) => {
    const [enabled] = await tx
      .update(userTwoFactor)
      .set({ enabledAt: sql`now()`, lastUsedStep: step })
      .where(and(eq(userTwoFactor.userId, ctx.user.id), isNull(userTwoFactor.enabledAt)))
      .returning({ userId: userTwoFactor.userId });
    if (!enabled) throw alreadyOn();
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, ctx.user.id));
    await tx
      .insert(recoveryCodes)
      .values(codes.map((code) => ({ userId: ctx.user.id, codeHash: totp.hashRecoveryCode(code) })));
    await recordAudit(tx, {
      kind: 'user.two_factor_enabled',
      message: `Two-factor sign-in turned on for ${ctx.user.email}, with ${codes.length} recovery codes`,
      actorUserId: ctx.user.id,
      requestId: ctx.requestId,
      data: { userId: ctx.user.id, recoveryCodes: codes.length },
    });
  });
  return { recoveryCodes: codes };
}

/**
 * Checks and spends a second factor: a TOTP code for a step later than the last one used, or an unused
 * recovery code. False for anything else, including a code already used.
 */
export async function spendSecondFactor(
  db: Database,
  jwtSecret: Uint8Array,
  who: { userId: string; email: string; requestId: string },
  code: string,
): Promise<{ ok: boolean; via?: 'totp' | 'recovery-code' }> {
  if (totp.isTotpCode(code)) {
    const [row] = await db
      .select({ secretEncrypted: userTwoFactor.secretEncrypted })
      .from(userTwoFactor)
      .where(and(eq(userTwoFactor.userId, who.userId), isNotNull(userTwoFactor.enabledAt)))
      .limit(1);
    const secret = row ? totp.decryptTotpSecret(jwtSecret, row.secretEncrypted) : null;
    const step = secret === null ? null : totp.matchTotp(secret, totp.normalizeCode(code), Date.now());
    if (step === null) return { ok: false };
    const [spent] = await db
      .update(userTwoFactor)
      .set({ lastUsedStep: step })
      .where(
        and(
          eq(userTwoFactor.userId, who.userId),
          or(isNull(userTwoFactor.lastUsedStep), lt(userTwoFactor.lastUsedStep, step)),
        ),
      )
      .returning({ userId: userTwoFactor.userId });
    return spent ? { ok: true, via: 'totp' } : { ok: false };
  }
  return db.transaction(async (tx) => {
    const [used] = await tx
      .update(recoveryCodes)
      .set({ usedAt: sql`now()` })
      .where(
        and(
          eq(recoveryCodes.userId, who.userId),
          eq(recoveryCodes.codeHash, totp.hashRecoveryCode(code)),
          isNull(recoveryCodes.usedAt),
        ),
      )
      .returning({ id: recoveryCodes.id });
    if (!used) return { ok: false };
    const [left] = await tx
      .select({ n: count() })
      .from(recoveryCodes)
      .where(and(eq(recoveryCodes.userId, who.userId), isNull(recoveryCodes.usedAt)));
    await recordAudit(tx, {
      kind: 'user.recovery_code_used',
      message: `A recovery code of ${who.email} was used; ${left?.n ?? 0} left`,
      actorUserId: who.userId,
      requestId: who.requestId,
      data: { userId: who.userId, left: left?.n ?? 0 },
    });
    return { ok: true, via: 'recovery-code' as const };
  });
}

/**
 * Turns two-factor sign-in off. Needs the account's password and a current code (or a recovery code);
 * each try counts against the sign-in throttle, so a stolen session cannot guess the password here.
 */
export async function disableTwoFactor(
  ctx: SignedIn,
  input: { password: string; code: string },
): Promise<{ ok: true }> {
  requireSession(ctx);
  if (!(await hasTwoFactor(ctx.db, ctx.user.id)))
    throw appError('INVALID_STATE', 'Two-factor sign-in is not on.');
  const reservation = await ctx.loginThrottle.reserve(ctx.ip, ctx.user.email);
  if (!reservation.ok)
    throw appError(
      'TOO_MANY_REQUESTS',
      `Too many failed attempts. Try again in ${reservation.retryAfter} seconds.`,
      {
        retryAfter: reservation.retryAfter,
      },
    );
  const [row] = await ctx.db
    .select({ passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, ctx.user.id))
    .limit(1);
  const passwordOk = row ? (await verifyPassword(row.passwordHash, input.password)).ok : false;
  if (!passwordOk) throw appError('INVALID_CREDENTIALS', 'The password is not correct.');
  const who = { userId: ctx.user.id, email: ctx.user.email, requestId: ctx.requestId };
  const factor = await spendSecondFactor(ctx.db, ctx.config.jwtSecret, who, input.code);
  if (!factor.ok) throw appError('INVALID_CREDENTIALS', 'The code is not correct, or was already used.');
  await ctx.loginThrottle.succeeded(reservation.attempt);
  await ctx.db.transaction(async (tx) => {
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, ctx.user.id));
    await tx.delete(userTwoFactor).where(eq(userTwoFactor.userId, ctx.user.id));
    await recordAudit(tx, {
      kind: 'user.two_factor_disabled',
      message: `Two-factor sign-in turned off for ${ctx.user.email} (confirmed with the password and a ${factor.via === 'totp' ? 'code' : 'recovery code'})`,
      actorUserId: ctx.user.id,
      requestId: ctx.requestId,
      data: { userId: ctx.user.id, via: factor.via },
    });
  });
  return { ok: true };
}
