/**
 * Access tokens an attacker could present, each wrong in exactly one way. Every one must be refused
 * with 401 wherever a bearer token is accepted.
 */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { signAccessToken } from '../../../src/server/auth/tokens.ts';

export interface ForgedToken {
  name: string;
  token: string;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * @param secret the server's real JWT secret (only the cases that need a valid signature use it)
 * @param userId a live customer the tokens claim to be
 * @param otherUserId another live user, for the swapped-subject case
 */
export async function forgedTokens(
  secret: Uint8Array,
  userId: string,
  otherUserId: string,
): Promise<ForgedToken[]> {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = String(rsa.publicKey.export({ type: 'spki', format: 'pem' }));
  const claims = (role = 'customer') =>
    new SignJWT({ role }).setSubject(userId).setIssuer('keel').setAudience('keel-api');
  const valid = await signAccessToken(secret, { sub: userId, role: 'customer' });
  const [header, payload, signature] = valid.split('.') as [string, string, string];
  const realClaims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;

  return [
    {
      name: 'alg none (unsigned)',
      token: new UnsecuredJWT({ role: 'customer' })
        .setSubject(userId)
        .setIssuer('keel')
        .setAudience('keel-api')
        .setIssuedAt()
        .setExpirationTime('5m')
        .encode(),
    },
    {
      name: 'alg none header on a real payload, signature kept',
      token: `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.${signature}`,
    },
    {
      name: 'alg none header on a real payload, signature empty',
      token: `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
    },
    {
      name: 'HS256 keyed with the RSA public key (HS/RS confusion)',
      token: await claims()
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(publicPem)),
    },
    {
      name: 'RS256 signed with an attacker key',
      token: await claims()
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(rsa.privateKey),
    },
    {
      name: 'HS512 with the real secret (algorithm not pinned)',
      token: await claims()
        .setProtectedHeader({ alg: 'HS512' })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(secret),
    },
    {
      name: 'HS256 with a wrong key',
      token: await signAccessToken(new TextEncoder().encode('w'.repeat(48)), {
        sub: userId,
        role: 'customer',
      }),
    },
    {
      name: 'expired',
      token: await signAccessToken(secret, { sub: userId, role: 'customer' }, Date.now() - 16 * 60_000),
    },
    {
      name: 'not yet valid (nbf in 10 min)',
      token: await claims()
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt()
        .setNotBefore('10m')
        .setExpirationTime('20m')
        .sign(secret),
    },
    {
      name: 'tampered claims: role admin, original signature',
      token: `${header}.${b64({ ...realClaims, role: 'admin' })}.${signature}`,
    },
    {
      name: 'tampered claims: another user as sub, original signature',
      token: `${header}.${b64({ ...realClaims, sub: otherUserId })}.${signature}`,
    },
    {
      name: 'tampered claims: exp pushed out, original signature',
      token: `${header}.${b64({ ...realClaims, exp: 4_000_000_000 })}.${signature}`,
    },
    {
      name: 'signature truncated',
      token: `${header}.${payload}.${signature.slice(0, -4)}`,
    },
    {
      name: 'no exp claim',
      token: await claims().setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(secret),
    },
    {
      name: 'wrong issuer',
      token: await new SignJWT({ role: 'customer' })
        .setSubject(userId)
        .setIssuer('someone-else')
        .setAudience('keel-api')
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(secret),
    },
    {
      name: 'wrong audience',
      token: await new SignJWT({ role: 'customer' })
        .setSubject(userId)
        .setIssuer('keel')
        .setAudience('other-api')
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(secret),
    },
    {
      name: 'unknown role',
      token: await claims('root')
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(secret),
    },
    {
      // Once answered 500: the subject reached a uuid column and PostgreSQL refused it.
      name: 'valid signature, sub not a UUID',
      token: await signAccessToken(secret, { sub: 'not-a-uuid', role: 'customer' }),
    },
    {
      name: 'valid signature, sub an SQL fragment',
      token: await signAccessToken(secret, { sub: "' or '1'='1", role: 'admin' }),
    },
    {
      name: 'sub of no user (random UUID)',
      token: await signAccessToken(secret, { sub: '00000000-0000-4000-8000-000000000000', role: 'admin' }),
    },
  ];
}
