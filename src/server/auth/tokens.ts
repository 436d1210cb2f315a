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
}

export async function signAccessToken(
  secret: Uint8Array,
  claims: AccessClaims,
  now = Date.now(),
): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT(claims.sid ? { role: claims.role, sid: claims.sid } : { role: claims.role })
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
    return { sub: payload.sub as string, role: payload.role, sid };
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
