/**
 * The signed-in person's own account: a new name or email address, and a new password. The operator's
 * view of accounts is services/admin/users.ts.
 */
import { and, eq, isNull, ne } from 'drizzle-orm';
import type { PasswordChanged, UpdateProfileInput } from '../../shared/account.ts';
import type { User } from '../../shared/api.ts';
import type { LoginThrottle } from '../auth/login-throttle.ts';
import { hashPassword, verifyPassword } from '../auth/password.ts';
import { recordAudit } from '../db/audit.ts';
import type { Database } from '../db/client.ts';
import { isUniqueViolation } from '../db/pg-errors.ts';
import { refreshTokens, users } from '../db/schema.ts';
import { appError } from '../errors.ts';
import { publicUserColumns } from './users.ts';

export interface Me {
  user: User;
  requestId: string;
}

/** Changes what is given and audits it; an email another account uses is a 409 naming the field. */
export async function updateProfile(db: Database, me: Me, input: UpdateProfileInput): Promise<User> {
  const changes: { name?: string; email?: string } = {};
  if (input.name !== undefined && input.name !== me.user.name) changes.name = input.name;
  if (input.email !== undefined && input.email !== me.user.email) changes.email = input.email;
  if (!Object.keys(changes).length) return me.user;
  try {
    return await db.transaction(async (tx) => {
      const [user] = await tx
        .update(users)
        .set(changes)
        .where(eq(users.id, me.user.id))
        .returning(publicUserColumns);
      if (!user) throw appError('UNAUTHORIZED', 'Your account no longer exists.');
      await recordAudit(tx, {
        kind: 'user.profile_updated',
        message: `Account ${me.user.email} changed its ${Object.keys(changes).join(' and ')}${
          changes.email ? ` (now ${changes.email})` : ''
        }`,
        actorUserId: me.user.id,
        requestId: me.requestId,
        data: { userId: me.user.id, changes, ...(changes.email ? { previousEmail: me.user.email } : {}) },
      });
      return user;
    });
  } catch (err) {
    if (changes.email && isUniqueViolation(err))
      throw appError('CONFLICT', `Another account already uses ${changes.email}.`, {
        fields: { email: 'is already in use' },
      });
    throw err;
  }
}

export interface PasswordChange {
  db: Database;
  loginThrottle: LoginThrottle;
  ip: string;
  /** The refresh-token family of the sign-in making the change: it stays; every other one ends. */
  authSession: string | null;
}

/**
 * The current password is checked under the sign-in throttle (the same attempts count, so a stolen
 * access token cannot guess it faster than a sign-in form could). Every other sign-in of the user ends
 * in the same transaction; API tokens are kept, since they are listed and revoked on their own.
 */
export async function changePassword(
  deps: PasswordChange,
  me: Me,
  input: { currentPassword: string; newPassword: string },
): Promise<PasswordChanged> {
  const reservation = await deps.loginThrottle.reserve(deps.ip, me.user.email);
  if (!reservation.ok)
    throw appError(
      'TOO_MANY_REQUESTS',
      `Too many wrong passwords. Try again in ${reservation.retryAfter} seconds.`,
      { retryAfter: reservation.retryAfter },
    );
  const [row] = await deps.db
    .select({ passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, me.user.id))
    .limit(1);
  const verdict = row ? await verifyPassword(row.passwordHash, input.currentPassword) : { ok: false };
  if (!verdict.ok)
    throw appError('VALIDATION_FAILED', 'Your current password is not correct.', {
      fields: { currentPassword: 'is not correct' },
    });
  await deps.loginThrottle.succeeded(reservation.attempt);
  if (input.newPassword === input.currentPassword)
    throw appError('VALIDATION_FAILED', 'Choose a password other than your current one.', {
      fields: { newPassword: 'must differ from the current password' },
    });
  const passwordHash = await hashPassword(input.newPassword);
  return deps.db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, me.user.id));
    const ended = await tx
      .update(refreshTokens)
      .set({ revokedAt: new Date() })
      .where(
        and(
          eq(refreshTokens.userId, me.user.id),
          isNull(refreshTokens.revokedAt),
          ...(deps.authSession ? [ne(refreshTokens.familyId, deps.authSession)] : []),
        ),
      )
      .returning({ familyId: refreshTokens.familyId });
    const endedSessions = new Set(ended.map((t) => t.familyId)).size;
    await recordAudit(tx, {
      kind: 'user.password_changed',
      message: `Account ${me.user.email} changed its password; ${endedSessions} other sign-in(s) ended`,
      actorUserId: me.user.id,
      requestId: me.requestId,
      data: { userId: me.user.id, endedSessions },
    });
    return { ok: true as const, endedSessions };
  });
}
