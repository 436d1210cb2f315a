/**
 * A disabled account: its session's access token, its refresh cookie and its API tokens are all refused
 * (401) from the next request on, and its sign-in is refused with a message that says why.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokens, auditEvents, refreshTokens } from '../../src/server/db/schema.ts';
import { setUserDisabled } from '../../src/server/services/admin/users.ts';
import { api, startTestApp, type TestApp } from '../helpers/app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const refresh = (cookie: string) => api(app.baseUrl, 'POST', '/api/auth/refresh', { headers: { cookie } });

async function signedInWithToken() {
  const user = await app.createUser();
  const session = await app.login(user.email, user.password);
  const made = await api(app.baseUrl, 'POST', '/api/tokens', {
    token: session.accessToken,
    body: { name: 'script', scopes: ['read', 'write'] },
  });
  expect(made.status).toBe(201);
  return { user, session, secret: made.body.secret as string };
}

describe('disabling an account', () => {
  it('ends its session, refresh token and API tokens at once, and enabling gives none back', async () => {
    const admin = await app.createUser({ role: 'admin' });
    const { user, session, secret } = await signedInWithToken();
    // Control: all three work before.
    expect((await api(app.baseUrl, 'GET', '/api/users/me', { token: session.accessToken })).status).toBe(200);
    expect((await api(app.baseUrl, 'GET', '/api/users/me', { token: secret })).status).toBe(200);
    const renewed = await refresh(session.cookie);
    expect(renewed.status).toBe(200);
    const cookie = renewed.headers.getSetCookie()[0]!.split(';')[0]!;

    await app.db.transaction((tx) => setUserDisabled(tx, { userId: admin.id }, user.id, true));

    const jwt = await api(app.baseUrl, 'GET', '/api/users/me', { token: session.accessToken });
    expect(jwt.status).toBe(401);
    expect(jwt.body.error.message).toContain('disabled');
    expect((await api(app.baseUrl, 'GET', '/api/servers', { token: secret })).status).toBe(401);
    expect((await refresh(cookie)).status).toBe(401);
    const live = await app.db.select().from(refreshTokens).where(eq(refreshTokens.userId, user.id));
    expect(live.filter((t) => !t.revokedAt && !t.rotatedAt)).toEqual([]);
    const tokens = await app.db.select().from(apiTokens).where(eq(apiTokens.userId, user.id));
    expect(tokens.every((t) => t.revokedAt)).toBe(true);
    const [audit] = await app.db.select().from(auditEvents).where(eq(auditEvents.kind, 'user.disabled'));
    expect(audit).toMatchObject({ actorUserId: admin.id, data: { userId: user.id, apiTokens: 1 } });

    // Sign-in is refused with the reason, to whoever knows the password; a wrong one hears the usual.
    const login = await api(app.baseUrl, 'POST', '/api/login', {
      body: { email: user.email, password: user.password },
    });
    expect(login.status).toBe(403);
    expect(login.body.error.message).toContain('disabled');
    const wrong = await api(app.baseUrl, 'POST', '/api/login', {
      body: { email: user.email, password: 'not-the-password' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');

    await app.db.transaction((tx) => setUserDisabled(tx, { userId: admin.id }, user.id, false));
    expect((await api(app.baseUrl, 'GET', '/api/users/me', { token: secret })).status).toBe(401);
    const again = await app.login(user.email, user.password);
    expect((await api(app.baseUrl, 'GET', '/api/users/me', { token: again.accessToken })).status).toBe(200);
  });

  it('keeps the disabled answer behind the sign-in throttle', async () => {
    const user = await app.createUser();
    const admin = await app.createUser({ role: 'admin' });
    await app.db.transaction((tx) => setUserDisabled(tx, { userId: admin.id }, user.id, true));
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (
          await api(app.baseUrl, 'POST', '/api/login', {
            body: { email: user.email, password: user.password },
          })
        ).status,
      );
    expect(statuses).toEqual([403, 403, 403, 403, 403, 429]);
  });

  it('refuses to disable the last enabled administrator', async () => {
    const solo = await startTestApp();
    try {
      const admin = await solo.createUser({ role: 'admin' });
      const refused = await solo.db
        .transaction((tx) => setUserDisabled(tx, { userId: admin.id }, admin.id, true))
        .catch((e: unknown) => e);
      expect(String((refused as Error).message)).toContain('last enabled administrator');
      const other = await solo.createUser({ role: 'admin' });
      await solo.db.transaction((tx) => setUserDisabled(tx, { userId: other.id }, admin.id, true));
      const second = await solo.db
        .transaction((tx) => setUserDisabled(tx, { userId: other.id }, other.id, true))
        .catch((e: unknown) => e);
      expect(String((second as Error).message)).toContain('last enabled administrator');
    } finally {
      await solo.close();
    }
  });
});
