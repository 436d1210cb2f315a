import { eq } from 'drizzle-orm';
import { SignJWT, UnsecuredJWT } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessToken } from '../../src/server/auth/tokens.ts';
import { users } from '../../src/server/db/schema.ts';
import { api, startTestApp, testJwtSecret, type TestApp } from '../helpers/app.ts';

let app: TestApp;
let userId: string;
const secret = new TextEncoder().encode(testJwtSecret);

beforeAll(async () => {
  app = await startTestApp();
  userId = (await app.createUser()).id;
});
afterAll(() => app.close());

const me = (authorization?: string) =>
  api(app.baseUrl, 'GET', '/api/users/me', authorization ? { headers: { authorization } } : {});

const claims = () =>
  new SignJWT({ role: 'customer' }).setSubject(userId).setIssuer('keel').setAudience('keel-api');

describe('401 on GET /api/users/me', () => {
  it('accepts a valid token (control)', async () => {
    const token = await signAccessToken(secret, { sub: userId, role: 'customer' });
    expect((await me(`Bearer ${token}`)).status).toBe(200);
  });

  it('without a token, with WWW-Authenticate: Bearer', async () => {
    const res = await me();
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  const cases: [string, () => Promise<string>][] = [
    ['a malformed header', async () => 'Token abc'],
    ['a bearer that is not a JWT', async () => 'Bearer not-a-jwt'],
    [
      'a token signed with another key',
      async () =>
        `Bearer ${await signAccessToken(new TextEncoder().encode('x'.repeat(48)), { sub: userId, role: 'customer' })}`,
    ],
    [
      'alg: none',
      async () =>
        `Bearer ${new UnsecuredJWT({ role: 'customer' }).setSubject(userId).setIssuer('keel').setAudience('keel-api').setIssuedAt().setExpirationTime('5m').encode()}`,
    ],
    [
      'an expired token',
      async () =>
        `Bearer ${await signAccessToken(secret, { sub: userId, role: 'customer' }, Date.now() - 16 * 60_000)}`,
    ],
    [
      'a token not yet valid',
      async () =>
        `Bearer ${await claims().setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setNotBefore('10m').setExpirationTime('20m').sign(secret)}`,
    ],
    [
      'HS256 signed with the RSA public key (algorithm confusion)',
      async () => {
        const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const pem = publicKey.export({ type: 'spki', format: 'pem' });
        return `Bearer ${await claims()
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(String(pem)))}`;
      },
    ],
    [
      'an RS256 token',
      async () => {
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        return `Bearer ${await claims().setProtectedHeader({ alg: 'RS256' }).setIssuedAt().setExpirationTime('5m').sign(privateKey)}`;
      },
    ],
    [
      'a tampered payload',
      async () => {
        const [h, , s] = (await signAccessToken(secret, { sub: userId, role: 'customer' })).split('.');
        const forged = Buffer.from(
          JSON.stringify({ sub: userId, role: 'admin', iss: 'keel', aud: 'keel-api', iat: 1, exp: 4e9 }),
        ).toString('base64url');
        return `Bearer ${h}.${forged}.${s}`;
      },
    ],
    [
      'a token without expiry',
      async () => `Bearer ${await claims().setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(secret)}`,
    ],
    [
      'a token for another audience',
      async () =>
        `Bearer ${await new SignJWT({ role: 'customer' }).setSubject(userId).setIssuer('keel').setAudience('other').setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(secret)}`,
    ],
  ];

  it.each(cases)('with %s', async (_name, header) => {
    const res = await me(await header());
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(JSON.stringify(res.body)).not.toMatch(/stack|at .*\.ts/);
  });

  it('with the token of a deleted user', async () => {
    const doomed = await app.createUser();
    const { accessToken } = await app.login(doomed.email, doomed.password);
    expect((await me(`Bearer ${accessToken}`)).status).toBe(200);
    await app.db.delete(users).where(eq(users.id, doomed.id));
    expect((await me(`Bearer ${accessToken}`)).status).toBe(401);
  });
});
