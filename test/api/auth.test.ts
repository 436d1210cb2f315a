import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshTokens } from '../../src/server/db/schema.ts';
import { ageRotatedTokens, api, refreshCookieOf, startTestApp, type TestApp } from '../helpers/app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const login = (body: unknown, headers: Record<string, string> = {}) =>
  api(app.baseUrl, 'POST', '/api/login', { body, headers });

describe('POST /api/login', () => {
  it('signs in and returns a bearer token, the user and an httpOnly strict refresh cookie', async () => {
    const user = await app.createUser();
    const res = await fetch(`${app.baseUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `  ${user.email.toUpperCase()} `, password: user.password }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { id: user.id, email: user.email, role: 'customer' },
    });
    expect(body.accessToken.split('.')).toHaveLength(3);
    expect(JSON.stringify(body)).not.toContain('password');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('keel_refresh='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    // The token is stored only as a hash.
    const token = cookie.split(';')[0]!.split('=')[1]!;
    const rows = await app.db.select().from(refreshTokens).where(eq(refreshTokens.userId, user.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).not.toBe(token);
    expect(rows[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers a wrong password and an unknown email alike: 401 INVALID_CREDENTIALS', async () => {
    const user = await app.createUser();
    const wrong = await login({ email: user.email, password: 'not-the-password' });
    const unknown = await login({ email: 'nobody@example.com', password: 'whatever-it-is' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual({
      error: { code: 'INVALID_CREDENTIALS', message: 'The email or password is not correct.' },
    });
    expect(unknown.body).toEqual(wrong.body);
  });

  it('spends comparable time on unknown emails and wrong passwords', async () => {
    const user = await app.createUser();
    const time = async (email: string) => {
      const t = performance.now();
      await login({ email, password: 'wrong-password' });
      return performance.now() - t;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 4; i++) {
      known.push(await time(user.email));
      unknown.push(await time(`ghost${i}@example.com`));
    }
    // Both paths run the KDF; without that the unknown path would be ~50x faster.
    const ratio = median(unknown) / median(known);
    expect(ratio).toBeGreaterThan(0.33);
    expect(ratio).toBeLessThan(3);
  });

  it.each([
    [{}, { email: 'is required', password: 'is required' }],
    [{ email: 'not-an-email', password: 'x' }, { email: 'must be an email address' }],
    [{ email: 42, password: 'x' }, { email: 'must be a string' }],
    [{ email: 'a@b.io', password: '' }, { password: 'is required' }],
    [{ email: 'a@b.io', password: 'x', admin: true }, { admin: 'is not a known field' }],
    [[1, 2], { body: 'must be an object' }],
  ])('refuses %j with 400 naming each bad field', async (body, fields) => {
    const res = await login(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.fields).toEqual(fields);
    for (const name of Object.keys(fields)) expect(res.body.error.message).toContain(name);
  });

  it('throttles repeated failures for one address and email with 429 and Retry-After', async () => {
    const user = await app.createUser();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await login({ email: user.email, password: `bad-${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const blocked = await login({ email: user.email, password: user.password });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('TOO_MANY_REQUESTS');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('refresh and logout', () => {
  const refresh = (cookie?: string) =>
    fetch(`${app.baseUrl}/api/auth/refresh`, { method: 'POST', headers: cookie ? { cookie } : {} });

  it('rotates the refresh token and gives a working access token', async () => {
    const user = await app.createUser();
    const first = await app.login(user.email, user.password);
    const res = await refresh(first.cookie);
    expect(res.status).toBe(200);
    const body = await res.json();
    const second = refreshCookieOf(res);
    expect(second).not.toBe(first.cookie);
    const me = await api(app.baseUrl, 'GET', '/api/users/me', { token: body.accessToken });
    expect(me.body.user.id).toBe(user.id);
  });

  it('revokes the whole family when a rotated token is replayed after the grace', async () => {
    const user = await app.createUser();
    const first = await app.login(user.email, user.password);
    const second = refreshCookieOf(await refresh(first.cookie));
    await ageRotatedTokens(app.db);
    const replay = await refresh(first.cookie);
    expect(replay.status).toBe(401);
    expect((await replay.json()).error.code).toBe('UNAUTHORIZED');
    // The legitimate-looking newer token dies with its family.
    expect((await refresh(second)).status).toBe(401);
  });

  it('lets a just-rotated token be exchanged again within the grace (two tabs), family intact', async () => {
    const user = await app.createUser();
    const first = await app.login(user.email, user.password);
    const tabA = await refresh(first.cookie);
    const tabB = await refresh(first.cookie);
    expect([tabA.status, tabB.status]).toEqual([200, 200]);
    const [a, b] = [refreshCookieOf(tabA), refreshCookieOf(tabB)];
    expect(a).not.toBe(b);
    // Both tabs' tokens go on working; neither exchange was taken for theft.
    expect((await refresh(a)).status).toBe(200);
    expect((await refresh(b)).status).toBe(200);
    const family = await app.db.select().from(refreshTokens).where(eq(refreshTokens.userId, user.id));
    expect(family.every((t) => t.revokedAt === null)).toBe(true);
  });

  it('refuses a missing or unknown refresh token', async () => {
    expect((await refresh()).status).toBe(401);
    expect((await refresh('keel_refresh=forged')).status).toBe(401);
  });

  it('logout revokes the session and clears the cookie', async () => {
    const user = await app.createUser();
    const session = await app.login(user.email, user.password);
    const res = await fetch(`${app.baseUrl}/api/logout`, {
      method: 'POST',
      headers: { cookie: session.cookie },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.headers.getSetCookie().join()).toMatch(/keel_refresh=;/);
    expect((await refresh(session.cookie)).status).toBe(401);
  });
});

describe('GET /api/users/me', () => {
  it('returns the signed-in user and nothing secret', async () => {
    const user = await app.createUser();
    const { accessToken } = await app.login(user.email, user.password);
    const res = await api(app.baseUrl, 'GET', '/api/users/me', { token: accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: { id: user.id, email: user.email, name: '', role: 'customer' } });
  });
});

describe('logs', () => {
  it('never contain passwords, tokens or cookies', async () => {
    const user = await app.createUser();
    const session = await app.login(user.email, user.password);
    await api(app.baseUrl, 'GET', '/api/users/me', {
      token: session.accessToken,
      headers: { cookie: session.cookie },
    });
    const all = app.logLines.join('\n');
    expect(all).toContain('signed in');
    expect(all).not.toContain(user.password);
    expect(all).not.toContain(session.accessToken);
    expect(all).not.toContain(session.cookie.split('=')[1]!);
  });
});
