/**
 * A user's own API tokens: create (the secret shown once), list, look at one, revoke. Every query is
 * scoped to the owner in its WHERE clause: another user's token is indistinguishable from none.
 */
import { and, count, desc, eq, isNull, sql } from 'drizzle-orm';
import { idSchema, type User } from '../../shared/api.ts';
import type { ApiToken, CreateTokenInput, TokenScope } from '../../shared/tokens.ts';
import { newApiToken } from '../auth/api-tokens.ts';
import { recordAudit } from '../db/audit.ts';
import type { Database } from '../db/client.ts';
import { apiTokens } from '../db/schema.ts';
import { appError } from '../errors.ts';
import type { Credential } from '../trpc.ts';

/** Live tokens one user may hold at once; revoking one makes room. */
export const maxTokensPerUser = 50;

const tokenColumns = {
  id: apiTokens.id,
  name: apiTokens.name,
  scopes: apiTokens.scopes,
  prefix: apiTokens.prefix,
  createdAt: apiTokens.createdAt,
  expiresAt: apiTokens.expiresAt,
  lastUsedAt: apiTokens.lastUsedAt,
  lastUsedIp: apiTokens.lastUsedIp,
};

export interface TokenCaller {
  user: User;
  credential: Credential;
  requestId: string;
}

const notFound = () => appError('NOT_FOUND', 'No such API token.');

/**
 * The scopes a caller may put on a new token: `admin` only for administrators, and a token minting
 * another never gives it more than it has itself.
 */
export function grantableScopes(role: User['role'], credential: Credential): TokenScope[] {
  const byRole: TokenScope[] = role === 'admin' ? ['read', 'write', 'admin'] : ['read', 'write'];
  return credential.kind === 'token' ? byRole.filter((s) => credential.scopes.includes(s)) : byRole;
}

export async function createToken(
  db: Database,
  caller: TokenCaller,
  input: CreateTokenInput,
): Promise<{ token: ApiToken; secret: string }> {
  const allowed = grantableScopes(caller.user.role, caller.credential);
  const refused = input.scopes.filter((s) => !allowed.includes(s));
  if (refused.length) {
    const why =
      refused.includes('admin') && caller.user.role !== 'admin'
        ? 'the admin scope is for administrators only'
        : `this API token cannot grant ${refused.join(', ')}, which it lacks itself`;
    throw appError('FORBIDDEN', `A new token cannot have these scopes: ${why}.`, {
      fields: { scopes: `may only hold ${allowed.join(', ')}` },
    });
  }
  const made = newApiToken();
  const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null;
  return db.transaction(async (tx) => {
    // One user's creations are serialised, so the limit holds under parallel requests.
    await tx.execute(sqlLockUser(caller.user.id));
    const [live] = await tx
      .select({ n: count() })
      .from(apiTokens)
      .where(and(eq(apiTokens.userId, caller.user.id), isNull(apiTokens.revokedAt)));
    if ((live?.n ?? 0) >= maxTokensPerUser)
      throw appError(
        'QUOTA_EXCEEDED',
        `You already have ${maxTokensPerUser} API tokens; revoke one you no longer use first.`,
      );
    const [token] = await tx
      .insert(apiTokens)
      .values({
        userId: caller.user.id,
        name: input.name,
        scopes: input.scopes,
        prefix: made.prefix,
        secretHash: made.hash,
        expiresAt,
      })
      .returning(tokenColumns);
    await recordAudit(tx, {
      kind: 'token.created',
      message: `API token "${input.name}" (${made.prefix}…) created with ${input.scopes.join(', ')}`,
      actorUserId: caller.user.id,
      requestId: caller.requestId,
      data: { tokenId: token!.id, scopes: input.scopes, expiresAt },
    });
    return { token: token!, secret: made.secret };
  });
}

function sqlLockUser(userId: string) {
  return sql`select pg_advisory_xact_lock(hashtext('keel:tokens'), hashtext(${userId}))`;
}

export async function listTokens(db: Database, userId: string): Promise<ApiToken[]> {
  return db
    .select(tokenColumns)
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
}

export async function getToken(db: Database, userId: string, id: string): Promise<ApiToken> {
  if (!idSchema.safeParse(id).success) throw notFound();
  const [token] = await db
    .select(tokenColumns)
    .from(apiTokens)
    .where(and(eq(apiTokens.id, id), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .limit(1);
  if (!token) throw notFound();
  return token;
}

/** Revoked at once: the next request with its secret is 401. */
export async function revokeToken(db: Database, caller: TokenCaller, id: string): Promise<void> {
  if (!idSchema.safeParse(id).success) throw notFound();
  await db.transaction(async (tx) => {
    const [token] = await tx
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiTokens.id, id), eq(apiTokens.userId, caller.user.id), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id, name: apiTokens.name, prefix: apiTokens.prefix });
    if (!token) throw notFound();
    await recordAudit(tx, {
      kind: 'token.revoked',
      message: `API token "${token.name}" (${token.prefix}…) revoked`,
      actorUserId: caller.user.id,
      requestId: caller.requestId,
      data: { tokenId: token.id },
    });
  });
}
