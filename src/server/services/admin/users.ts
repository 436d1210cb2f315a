/**
 * The operator's side of customer accounts. Disabling an account ends everything it holds at once:
 * its refresh tokens and API tokens are revoked in the same transaction, and its access tokens are
 * refused from the next request (the user is read on every request, `trpc.ts`).
 */
import { randomBytes } from 'node:crypto';
import { and, count, desc, eq, ilike, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import { idSchema, type UserRole } from '../../../shared/api.ts';
import type {
  AdminUpdateUserInput,
  AdminUser,
  OneTimeLink,
  UserSuspensionResult,
} from '../../../shared/users.ts';
import { hashPassword } from '../../auth/password.ts';
import { recordAudit } from '../../db/audit.ts';
import { emitEvent } from '../../db/events.ts';
import type { Database, Tx } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/pg-errors.ts';
import { apiTokens, refreshTokens, servers, users } from '../../db/schema.ts';
import { appError } from '../../errors.ts';
import { createUserLink } from '../account.ts';
import { effectiveQuota, type Quota } from '../servers/quota.ts';
import { listServers } from '../servers/read.ts';
import { suspendUserServers } from './suspension.ts';

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
  // Access tokens live 15 minutes after their refresh token is revoked; this stops them at once too. A
  // caller keeping its own sign-in keeps its access token as well.
  if (!options.keepRefreshFamily)
    await tx.update(users).set({ sessionsEndedAt: now }).where(eq(users.id, userId));
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
    if (disabled)
      await emitEvent(tx, 'user.disabled', { user: { id: user.id, email: user.email, role: user.role } });
  }
}

// -- the operator's customer routes ------------------------------------------------------------------

const adminUserColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  disabledAt: users.disabledAt,
  maxServers: users.maxServers,
  maxCores: users.maxCores,
  maxMemoryMb: users.maxMemoryMb,
  createdAt: users.createdAt,
};
interface AdminUserRow {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  disabledAt: Date | null;
  maxServers: number | null;
  maxCores: number | null;
  maxMemoryMb: number | null;
  createdAt: Date;
}

function toAdminUser(row: AdminUserRow, defaults: Quota): AdminUser {
  const own = { maxServers: row.maxServers, maxCores: row.maxCores, maxMemoryMb: row.maxMemoryMb };
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    disabled: row.disabledAt !== null,
    disabledAt: row.disabledAt,
    quota: own,
    effectiveQuota: effectiveQuota(defaults, own),
    createdAt: row.createdAt,
  };
}

const noSuchUser = () => appError('NOT_FOUND', 'No such user.');

async function userRow(db: Database | Tx, id: string, lock = false): Promise<AdminUserRow> {
  if (!idSchema.safeParse(id).success) throw noSuchUser();
  const query = db.select(adminUserColumns).from(users).where(eq(users.id, id)).limit(1);
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw noSuchUser();
  return row;
}

function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id, ...extra] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(at ?? '');
  if (
    extra.length ||
    Number.isNaN(createdAt.getTime()) ||
    createdAt.toISOString() !== at ||
    !idSchema.safeParse(id).success
  )
    throw appError('VALIDATION_FAILED', 'Invalid request: cursor is not one this API returned', {
      fields: { cursor: 'is not one this API returned' },
    });
  return { createdAt, id: id! };
}

/** `%`, `_` and `\` match themselves in a search, not as LIKE wildcards. */
const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Accounts newest first, searched by email or name, `limit` at a time. */
export async function listUsers(
  db: Database,
  defaults: Quota,
  input: {
    query?: string | undefined;
    role?: UserRole | undefined;
    cursor?: string | undefined;
    limit: number;
  },
): Promise<{ users: AdminUser[]; nextCursor: string | null }> {
  const conditions: SQL[] = [];
  if (input.query) {
    const pattern = `%${likeEscaped(input.query)}%`;
    conditions.push(or(ilike(users.email, pattern), ilike(users.name, pattern))!);
  }
  if (input.role) conditions.push(eq(users.role, input.role));
  if (input.cursor) {
    const after = decodeCursor(input.cursor);
    conditions.push(
      or(
        lt(users.createdAt, after.createdAt),
        and(eq(users.createdAt, after.createdAt), lt(users.id, after.id)),
      )!,
    );
  }
  const rows = await db
    .select(adminUserColumns)
    .from(users)
    .where(and(...conditions))
    .orderBy(desc(users.createdAt), desc(users.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    users: page.map((r) => toAdminUser(r, defaults)),
    nextCursor: rows.length > input.limit && last ? encodeCursor(last) : null,
  };
}

export async function getUser(db: Database, defaults: Quota, id: string) {
  const row = await userRow(db, id);
  const { servers: owned } = await listServers(db, row.id, { limit: 500 });
  return { user: toAdminUser(row, defaults), servers: owned };
}

const emailTaken = (email: string) =>
  appError('CONFLICT', `Another account already uses ${email}.`, { fields: { email: 'is already in use' } });

export async function createUserAsAdmin(
  db: Database,
  actor: Actor,
  settings: { quota: Quota; publicUrl: string | undefined },
  input: { email: string; name: string; password?: string | undefined; role: UserRole },
): Promise<{ user: AdminUser; setPasswordLink?: OneTimeLink }> {
  // Without a password the account gets one nobody knows, until the link sets a real one.
  const passwordHash = await hashPassword(input.password ?? randomBytes(32).toString('base64url'));
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(users)
      .values({ email: input.email, name: input.name, role: input.role, passwordHash })
      .onConflictDoNothing({ target: users.email })
      .returning(adminUserColumns);
    if (!row) throw emailTaken(input.email);
    const setPasswordLink = input.password
      ? undefined
      : await createUserLink(tx, {
          userId: row.id,
          purpose: 'set-password',
          createdBy: actor.userId,
          publicUrl: settings.publicUrl,
        });
    await recordAudit(tx, {
      kind: 'user.created',
      message: `Account ${row.email} (${row.role}) created${setPasswordLink ? ' with a set-password link' : ''}`,
      actorUserId: actor.userId,
      requestId: actor.requestId ?? null,
      data: { userId: row.id, role: row.role },
    });
    await emitEvent(tx, 'user.created', {
      user: { id: row.id, email: row.email, name: row.name, role: row.role },
    });
    return { user: toAdminUser(row, settings.quota), ...(setPasswordLink ? { setPasswordLink } : {}) };
  });
}

export async function updateUserAsAdmin(
  db: Database,
  actor: Actor,
  defaults: Quota,
  input: AdminUpdateUserInput,
): Promise<{ user: AdminUser; suspension?: UserSuspensionResult }> {
  try {
    return await db.transaction(async (tx) => {
      await lockAdmins(tx);
      const before = await userRow(tx, input.id, true);
      const changes: Partial<typeof users.$inferInsert> = {};
      if (input.name !== undefined) changes.name = input.name;
      if (input.email !== undefined && input.email !== before.email) changes.email = input.email;
      if (input.role !== undefined && input.role !== before.role) {
        if (before.role === 'admin' && !before.disabledAt) await ensureAnotherAdmin(tx, before.id);
        changes.role = input.role;
      }
      if (input.quota) {
        for (const key of ['maxServers', 'maxCores', 'maxMemoryMb'] as const)
          if (input.quota[key] !== undefined) changes[key] = input.quota[key];
      }
      if (Object.keys(changes).length) {
        await tx.update(users).set(changes).where(eq(users.id, before.id));
        await recordAudit(tx, {
          kind: 'user.updated',
          message: `Account ${before.email} changed: ${Object.keys(changes).join(', ')}`,
          actorUserId: actor.userId,
          requestId: actor.requestId ?? null,
          data: { userId: before.id, changes },
        });
      }
      if (input.disabled !== undefined) await setUserDisabled(tx, actor, before.id, input.disabled);
      let suspension: UserSuspensionResult | undefined;
      if (input.suspendServers) {
        suspension = await suspendUserServers(
          { db: tx },
          { id: actor.userId, requestId: actor.requestId ?? null },
          before.id,
          input.suspensionReason || (input.disabled ? 'account disabled' : null),
        );
        // The operator hears (and the log keeps) which servers were left running as they were.
        await recordAudit(tx, {
          kind: 'user.servers_suspended',
          message:
            `Servers of ${before.email} suspended: ${suspension.suspended.length}` +
            (suspension.skipped.length
              ? `; skipped ${suspension.skipped.map((s) => `${s.serverId} (${s.reason})`).join(', ')}`
              : ''),
          actorUserId: actor.userId,
          requestId: actor.requestId ?? null,
          data: { userId: before.id, ...suspension },
        });
      }
      const user = toAdminUser(await userRow(tx, before.id), defaults);
      return suspension ? { user, suspension } : { user };
    });
  } catch (err) {
    if (input.email && isUniqueViolation(err)) throw emailTaken(input.email);
    throw err;
  }
}

export async function passwordResetLink(
  db: Database,
  actor: Actor,
  publicUrl: string | undefined,
  id: string,
): Promise<OneTimeLink> {
  return db.transaction(async (tx) => {
    const row = await userRow(tx, id);
    const link = await createUserLink(tx, {
      userId: row.id,
      purpose: 'reset-password',
      createdBy: actor.userId,
      publicUrl,
    });
    await recordAudit(tx, {
      kind: 'user.password_reset_link',
      message: `Password-reset link made for ${row.email}`,
      actorUserId: actor.userId,
      requestId: actor.requestId ?? null,
      data: { userId: row.id, expiresAt: link.expiresAt },
    });
    return link;
  });
}

/** Deletes an account that has no live server (terminated ones go with it); else 409 naming them. */
export async function deleteUserAsAdmin(db: Database, actor: Actor, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    await lockAdmins(tx);
    const row = await userRow(tx, id, true);
    const live = await tx
      .select({ id: servers.id, name: servers.name })
      .from(servers)
      .where(and(eq(servers.userId, row.id), ne(servers.status, 'terminated')))
      .limit(20);
    if (live.length)
      throw appError(
        'CONFLICT',
        `${row.email} still has servers: ${live.map((s) => `${s.name} (${s.id})`).join(', ')}. Terminate them first.`,
      );
    if (row.role === 'admin' && !row.disabledAt) await ensureAnotherAdmin(tx, row.id);
    // Terminated servers keep their audit trail under the server; the rows themselves go with the user.
    await tx.delete(servers).where(eq(servers.userId, row.id));
    await tx.delete(users).where(eq(users.id, row.id));
    await recordAudit(tx, {
      kind: 'user.deleted',
      message: `Account ${row.email} deleted`,
      actorUserId: actor.userId,
      requestId: actor.requestId ?? null,
      data: { userId: row.id, email: row.email },
    });
  });
}
