/**
 * The operator's side of customer accounts. Disabling an account ends everything it holds at once:
 * its refresh tokens and API tokens are revoked in the same transaction, and its access tokens are
 * refused from the next request (the user is read on every request, `trpc.ts`).
 */
import { and, count, eq, isNull, ne, sql } from 'drizzle-orm';
import { recordAudit } from '../../db/audit.ts';
import type { Tx } from '../../db/client.ts';
import { apiTokens, refreshTokens, users } from '../../db/schema.ts';
import { appError } from '../../errors.ts';

/** Who acts, for the audit trail. */
export interface Actor {
  userId: string;
  requestId?: string | undefined;
}

/**
 * Serialises changes that can take away an administrator, so two admins demoting each other at once
 * cannot leave none.
 */
export async function lockAdmins(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('keel:admins'))`);
}

/** Refuses a change that would leave no enabled administrator, besides the one being changed. */
export async function ensureAnotherAdmin(tx: Tx, userId: string): Promise<void> {
  const [others] = await tx
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.role, 'admin'), isNull(users.disabledAt), ne(users.id, userId)));
  if ((others?.n ?? 0) === 0)
    throw appError(
      'CONFLICT',
      'This is the last enabled administrator: make another administrator first, so Keel keeps one.',
    );
}

/** Ends every way the user is signed in: refresh tokens (so no renewal) and API tokens. */
export async function endAllSessions(
  tx: Tx,
  userId: string,
  options: { keepRefreshFamily?: string } = {},
): Promise<{ refreshTokens: number; apiTokens: number }> {
  const now = new Date();
  const refresh = await tx
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(
      and(
        eq(refreshTokens.userId, userId),
        isNull(refreshTokens.revokedAt),
        ...(options.keepRefreshFamily ? [ne(refreshTokens.familyId, options.keepRefreshFamily)] : []),
      ),
    )
    .returning({ id: refreshTokens.id });
  const tokens = await tx
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return { refreshTokens: refresh.length, apiTokens: tokens.length };
}

/**
 * Disables or enables an account. Disabling revokes its refresh and API tokens in the same
 * transaction; enabling gives none of them back (the user signs in again and makes new tokens).
 * Runs in the caller's transaction, so an update of several fields is one change.
 */
export async function setUserDisabled(
  tx: Tx,
  actor: Actor,
  userId: string,
  disabled: boolean,
): Promise<void> {
  {
    await lockAdmins(tx);
    const [user] = await tx
      .select({ id: users.id, email: users.email, role: users.role, disabledAt: users.disabledAt })
      .from(users)
      .where(eq(users.id, userId))
      .for('update')
      .limit(1);
    if (!user) throw appError('NOT_FOUND', 'No such user.');
    if (Boolean(user.disabledAt) === disabled) return;
    if (disabled && user.role === 'admin') await ensureAnotherAdmin(tx, user.id);
    await tx
      .update(users)
      .set({ disabledAt: disabled ? new Date() : null })
      .where(eq(users.id, user.id));
    const ended = disabled ? await endAllSessions(tx, user.id) : null;
    await recordAudit(tx, {
      kind: disabled ? 'user.disabled' : 'user.enabled',
      message: disabled
        ? `Account ${user.email} disabled: ${ended!.refreshTokens} sessions and ${ended!.apiTokens} API tokens ended`
        : `Account ${user.email} enabled`,
      actorUserId: actor.userId,
      requestId: actor.requestId ?? null,
      data: { userId: user.id, ...(ended ?? {}) },
    });
  }
}
