/**
 * Access tokens: JWTs signed with HS256 (one service both signs and verifies, so a shared secret is the
 * simplest sound choice), verified with that algorithm pinned, plus issuer and audience.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { idSchema, type UserRole } from '../../shared/api.ts';

export const accessTokenTtlSeconds = 15 * 60;
export const refreshTokenTtlSeconds = 30 * 24 * 60 * 60;
const algorithm = 'HS256';
const issuer = 'keel';
const audience = 'keel-api';

export interface AccessClaims {
  sub: string;
  role: UserRole;
  /** The sign-in the token belongs to (its refresh-token family): what a web console ends with. */
  sid?: string | undefined;
  /**
   * Issued at, in milliseconds (set on verified tokens). JWT's `iat` has whole seconds, too coarse to
   * tell a token from just before a password reset from a sign-in just after it; Keel signs the exact
   * instant as `iat_ms` and falls back to `iat` for a token without it.
   */
  issuedAtMs?: number | undefined;
}

export async function signAccessToken(
  secret: Uint8Array,
  claims: AccessClaims,
  now = Date.now(),
): Promise<string> {
  const iat = Math.floor(now / 1000);
  const custom = { role: claims.role, iat_ms: now, ...(claims.sid ? { sid: claims.sid } : {}) };
  return new SignJWT(custom)
    .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + accessTokenTtlSeconds)
    .sign(secret);
}

/** Returns the claims of a valid token, or null for anything else: malformed, alg none, expired, tampered. */
export async function verifyAccessToken(secret: Uint8Array, token: string): Promise<AccessClaims | null> {
  const known = verified.get(secret)?.get(token);
  if (known) {
    if (known.expiresAt > Date.now()) return known.claims;
    verified.get(secret)!.delete(token);
  }
  const result = await verifyUncached(secret, token);
  if (result) remember(secret, token, result.claims, result.expiresAt);
  return result?.claims ?? null;
}

/**
 * Tokens already verified, with their expiry, per secret: a dashboard sends the same token with every
 * request for up to 15 minutes, and checking its signature again gives the same answer until it
 * expires. Only a token that passed every check is kept, and only until its `exp`; a token is a
 * string a client holds anyway, so keeping it in this process's memory exposes nothing new. At most
 * `verifiedTokenLimit` per secret, the oldest forgotten first.
 */
type VerifiedTokens = Map<string, { claims: AccessClaims; expiresAt: number }>;
const verified = new WeakMap<Uint8Array, VerifiedTokens>();
export const verifiedTokenLimit = 10_000;

function remember(secret: Uint8Array, token: string, claims: AccessClaims, expiresAt: number): void {
  let tokens = verified.get(secret);
  if (!tokens) verified.set(secret, (tokens = new Map() as VerifiedTokens));
  if (tokens.size >= verifiedTokenLimit) tokens.delete(tokens.keys().next().value!);
  tokens.set(token, { claims, expiresAt });
}

async function verifyUncached(
  secret: Uint8Array,
  token: string,
): Promise<{ claims: AccessClaims; expiresAt: number } | null> {
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: [algorithm],
      issuer,
      audience,
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    // Keel only ever signs user ids; any other subject is refused here, before it reaches a query.
    if (!idSchema.safeParse(payload.sub).success || (payload.role !== 'customer' && payload.role !== 'admin'))
      return null;
    const sid =
      typeof payload.sid === 'string' && idSchema.safeParse(payload.sid).success ? payload.sid : undefined;
    const issuedAtMs =
      Number.isSafeInteger(payload.iat_ms) && Math.floor((payload.iat_ms as number) / 1000) === payload.iat
        ? (payload.iat_ms as number)
        : payload.iat! * 1000;
    return {
      claims: { sub: payload.sub as string, role: payload.role, sid, issuedAtMs },
      expiresAt: payload.exp! * 1000,
    };
  } catch {
    return null;
  }
}

/** An opaque refresh token and the SHA-256 under which it is stored. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
