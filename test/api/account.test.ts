/**
 * A person's own account over REST: the profile (name, email) and a new password, which ends every
 * other sign-in of the account and keeps this one.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, users } from '../../src/server/db/schema.ts';
import { api, startTestApp, type TestApp } from '../helpers/app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const refresh = (cookie: string) => api(app.baseUrl, 'POST', '/api/auth/refresh', { headers: { cookie } });
const auditOf = (kind: string, userId: string) =>
  app.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.kind, kind), eq(auditEvents.actorUserId, userId)));

describe('PATCH /api/users/me', () => {
  it('changes the name and the email address, audited, and signs in with the new address', async () => {
    const user = await app.createUser({ name: 'Ada' });
    const { accessToken } = await app.login(user.email, user.password);
    const email = `renamed-${Date.now()}@Example.com`;
    const res = await api(app.baseUrl, 'PATCH', '/api/users/me', {
      token: accessToken,
      body: { name: '  Ada Lovelace ', email },
    });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({
      id: user.id,
      name: 'Ada Lovelace',
      email: email.toLowerCase(),
      role: 'customer',
    });
    const me = await api(app.baseUrl, 'GET', '/api/users/me', { token: accessToken });
    expect(me.body.user.email).toBe(email.toLowerCase());
    await app.login(email.toLowerCase(), user.password);
    const [audit] = await auditOf('user.profile_updated', user.id);
    expect(audit?.data).toMatchObject({ userId: user.id, previousEmail: user.email });
  });

  it('refuses an email another account uses with 409 naming the field, and changes nothing', async () => {
    const user = await app.createUser({ name: 'Grace' });
    const other = await app.createUser();
    const { accessToken } = await app.login(user.email, user.password);
    const res = await api(app.baseUrl, 'PATCH', '/api/users/me', {
      token: accessToken,
      body: { name: 'Changed', email: other.email },
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'CONFLICT', fields: { email: 'is already in use' } });
    const [row] = await app.db.select().from(users).where(eq(users.id, user.id));
    expect(row).toMatchObject({ name: 'Grace', email: user.email });
  });

  it('answers 400 naming the field for a bad address, an unknown field and a long name', async () => {
    const user = await app.createUser();
    const { accessToken } = await app.login(user.email, user.password);
    const cases: [unknown, string][] = [
      [{ email: 'not-an-address' }, 'email'],
      [{ role: 'admin' }, 'role'],
      [{ name: 'x'.repeat(201) }, 'name'],
    ];
    for (const [body, field] of cases) {
      const res = await api(app.baseUrl, 'PATCH', '/api/users/me', { token: accessToken, body });
      expect(res.status, field).toBe(400);
      expect(Object.keys(res.body.error.fields), field).toEqual([field]);
    }
    const [row] = await app.db.select().from(users).where(eq(users.id, user.id));
    expect(row!.role).toBe('customer');
  });

  it('is refused without a session, and to a read-only API token', async () => {
    expect((await api(app.baseUrl, 'PATCH', '/api/users/me', { body: { name: 'x' } })).status).toBe(401);
    const user = await app.createUser({ name: 'Kept' });
    const { accessToken } = await app.login(user.email, user.password);
    const made = await api(app.baseUrl, 'POST', '/api/tokens', {
      token: accessToken,
      body: { name: 'ro', scopes: ['read'] },
    });
    const res = await api(app.baseUrl, 'PATCH', '/api/users/me', {
      token: made.body.secret,
      body: { name: 'x' },
    });
    expect(res.status).toBe(403);
    const [row] = await app.db.select().from(users).where(eq(users.id, user.id));
    expect(row!.name).toBe('Kept');
  });
});

describe('POST /api/users/me/password', () => {
  const change = (token: string, body: unknown) =>
    api(app.baseUrl, 'POST', '/api/users/me/password', { token, body });

  it('sets the new password, keeps this sign-in, ends the others, keeps API tokens, audited', async () => {
    const user = await app.createUser();
    const here = await app.login(user.email, user.password);
    const elsewhere = await app.login(user.email, user.password);
    const third = await app.login(user.email, user.password);
    const made = await api(app.baseUrl, 'POST', '/api/tokens', {
      token: here.accessToken,
      body: { name: 'script', scopes: ['read'] },
    });
    const res = await change(here.accessToken, {
      currentPassword: user.password,
      newPassword: 'a-brand-new-password',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, endedSessions: 2 });

    expect((await refresh(elsewhere.cookie)).status).toBe(401);
    expect((await refresh(third.cookie)).status).toBe(401);
    expect((await refresh(here.cookie)).status).toBe(200);
    expect((await api(app.baseUrl, 'GET', '/api/users/me', { token: made.body.secret })).status).toBe(200);

    const old = await api(app.baseUrl, 'POST', '/api/login', {
      body: { email: user.email, password: user.password },
    });
    expect(old.status).toBe(401);
    await app.login(user.email, 'a-brand-new-password');
    const [audit] = await auditOf('user.password_changed', user.id);
    expect(audit?.data).toEqual({ userId: user.id, endedSessions: 2 });
    // The password itself is in no log line and no audit entry.
    expect(app.logLines.some((line) => line.includes('a-brand-new-password'))).toBe(false);
    expect(JSON.stringify(audit)).not.toContain('a-brand-new-password');
  });

  it('refuses a wrong current password with 400 naming it, and the password stays', async () => {
    const user = await app.createUser();
    const { accessToken, cookie } = await app.login(user.email, user.password);
    const res = await change(accessToken, {
      currentPassword: 'not-the-password',
      newPassword: 'a-brand-new-password',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({ currentPassword: 'is not correct' });
    expect((await refresh(cookie)).status).toBe(200);
    await app.login(user.email, user.password);
  });

  it('names the field for a short or unchanged new password and a missing current one', async () => {
    const user = await app.createUser();
    const { accessToken } = await app.login(user.email, user.password);
    const cases: [unknown, string][] = [
      [{ currentPassword: user.password, newPassword: 'short' }, 'newPassword'],
      [{ currentPassword: user.password, newPassword: user.password }, 'newPassword'],
      [{ newPassword: 'a-brand-new-password' }, 'currentPassword'],
    ];
    for (const [body, field] of cases) {
      const res = await change(accessToken, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(Object.keys(res.body.error.fields)).toEqual([field]);
    }
    await app.login(user.email, user.password);
  });

  it('counts wrong current passwords with the sign-in throttle: the sixth is 429', async () => {
    const user = await app.createUser();
    const { accessToken } = await app.login(user.email, user.password);
    for (let i = 0; i < 5; i++)
      expect(
        (await change(accessToken, { currentPassword: `wrong-${i}`, newPassword: 'x'.repeat(12) })).status,
      ).toBe(400);
    const res = await change(accessToken, { currentPassword: user.password, newPassword: 'x'.repeat(12) });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
