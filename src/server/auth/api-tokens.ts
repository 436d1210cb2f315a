/**
 * API token secrets: `keel_` and 32 random bytes in base64url. With that much entropy a single SHA-256
 * is the right store (nothing to brute-force, unlike a password), and it lets a request find its token
 * by an indexed equality lookup.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { tokenSecretPrefix, type TokenScope } from '../../shared/tokens.ts';
import type { Database } from '../db/client.ts';
import { apiTokens } from '../db/schema.ts';

const secretPattern = /^keel_[A-Za-z0-9_-]{43}$/;

/** How many characters of the secret are kept in the clear for display (`keel_` and seven more). */
export const displayPrefixLength = tokenSecretPrefix.length + 7;

export interface NewApiToken {
  secret: string;
  hash: string;
  prefix: string;
}

export function newApiToken(): NewApiToken {
  const secret = `${tokenSecretPrefix}${randomBytes(32).toString('base64url')}`;
  return { secret, hash: hashApiToken(secret), prefix: secret.slice(0, displayPrefixLength) };
}

export function hashApiToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** True for something shaped like a Keel API token secret (as opposed to a JWT access token). */
export function isApiTokenSecret(value: string): boolean {
  return secretPattern.test(value);
}

/** A token is seen used again after this long before its `last_used_at` is written again. */
export const lastUsedResolutionMs = 60_000;

export interface TokenHolder {
  tokenId: string;
  scopes: TokenScope[];
  userId: string;
}

/**
 * The live token behind a secret (not revoked, not expired), or null. Its last use is written at most
 * once a minute: only when the row read says so, and then by a conditional UPDATE, so N processes
 * seeing the same token within a minute write it once between them.
 */
export async function findApiToken(db: Database, secret: string, ip: string): Promise<TokenHolder | null> {
  const [row] = await db
    .select({
      tokenId: apiTokens.id,
      scopes: apiTokens.scopes,
      userId: apiTokens.userId,
      lastUsedAt: apiTokens.lastUsedAt,
    })
    .from(apiTokens)
    .where(
      and(
        eq(apiTokens.secretHash, hashApiToken(secret)),
        isNull(apiTokens.revokedAt),
        or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, sql`now()`)),
      ),
    )
    .limit(1);
  if (!row) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() >= lastUsedResolutionMs) {
    await db
      .update(apiTokens)
      .set({ lastUsedAt: sql`now()`, lastUsedIp: ip })
      .where(
        and(
          eq(apiTokens.id, row.tokenId),
          or(
            isNull(apiTokens.lastUsedAt),
            lt(apiTokens.lastUsedAt, sql`now() - make_interval(secs => ${lastUsedResolutionMs / 1000})`),
          ),
        ),
      );
  }
  return { tokenId: row.tokenId, scopes: row.scopes, userId: row.userId };
}
