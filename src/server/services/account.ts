/**
 * One-time password links: made for a new account without a password and for a reset, used once to
 * set a password. Only the SHA-256 of a link's token is stored; the token is in the URL's fragment, so
 * it never reaches a server log, not even Keel's own.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { OneTimeLink } from '../../shared/users.ts';
import { hashPassword } from '../auth/password.ts';
import { recordAudit } from '../db/audit.ts';
import type { Database, Tx } from '../db/client.ts';
import { userLinks, users, type userLinkPurposes } from '../db/schema.ts';
import { appError } from '../errors.ts';
import { endAllSessions } from './admin/users.ts';

export type LinkPurpose = (typeof userLinkPurposes)[number];

/** How long each kind of link works: a week to take up a new account, an hour for a reset. */
export const linkLifetimeMs: Record<LinkPurpose, number> = {
  'set-password': 7 * 24 * 3_600_000,
  'reset-password': 3_600_000,
};

const hashLinkToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** The page that takes the link: `/set-password#token=…`, under PUBLIC_URL when it is set. */
export function linkUrl(publicUrl: string | undefined, token: string): string {
  const base = (publicUrl ?? '').replace(/\/+$/, '');
  return `${base}/set-password#token=${token}`;
}

/** A new link for the user; earlier unused links of the same purpose stop working. */
export async function createUserLink(
  tx: Tx,
  options: { userId: string; purpose: LinkPurpose; createdBy: string | null; publicUrl: string | undefined },
): Promise<OneTimeLink> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + linkLifetimeMs[options.purpose]);
  await tx
    .update(userLinks)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(userLinks.userId, options.userId),
        eq(userLinks.purpose, options.purpose),
        isNull(userLinks.usedAt),
      ),
    );
  await tx.insert(userLinks).values({
    userId: options.userId,
    purpose: options.purpose,
    tokenHash: hashLinkToken(token),
    expiresAt,
    createdBy: options.createdBy,
  });
  return { url: linkUrl(options.publicUrl, token), expiresAt };
}

const deadLink = () =>
  appError('VALIDATION_FAILED', 'This link has expired or was already used. Ask for a new one.', {
    fields: { token: 'has expired or was already used' },
  });

/**
 * Sets the password of the link's user. The link is spent by one conditional UPDATE (so two uses at
 * once cannot both pass), and every session and API token of the user ends with it.
 */
export async function setPasswordWithLink(
  db: Database,
  input: { token: string; password: string },
  requestId: string,
): Promise<{ ok: true }> {
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [link] = await tx
      .update(userLinks)
      .set({ usedAt: sql`now()` })
      .where(
        and(
          eq(userLinks.tokenHash, hashLinkToken(input.token)),
          isNull(userLinks.usedAt),
          gt(userLinks.expiresAt, sql`now()`),
        ),
      )
      .returning({ userId: userLinks.userId, purpose: userLinks.purpose });
    if (!link) throw deadLink();
    const [user] = await tx
      .update(users)
      .set({ passwordHash })
      .where(eq(users.id, link.userId))
      .returning({ id: users.id, email: users.email });
    if (!user) throw deadLink();
    const ended = await endAllSessions(tx, user.id);
    await recordAudit(tx, {
      kind: 'user.password_set',
      message: `Password of ${user.email} set through a one-time ${link.purpose} link; all sessions ended`,
      actorUserId: user.id,
      requestId,
      data: { userId: user.id, purpose: link.purpose, ...ended },
    });
    return { ok: true as const };
  });
}
