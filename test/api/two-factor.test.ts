/**
 * Two-factor sign-in over REST, against the real database: enrolment with a code computed here from
 * the secret Keel shows, sign-in with the code, replay refused, recovery codes, throttling of codes,
 * turning it off, and the operator's REQUIRE_ADMIN_2FA.
 */
import { and, eq } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, recoveryCodes, userTwoFactor } from '../../src/server/db/schema.ts';
import { api, startTestApp, type TestApp } from '../helpers/app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

/** The code an authenticator app shows for `secret`, `offsetS` seconds from now. */
const codeAt = (secret: string, offsetS = 0) => codeFor(secret, Date.now() + offsetS * 1000);
const codeFor = (secret: string, timestamp: number) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), timestamp });

const login = (email: string, password: string, code?: string) =>
  api(app.baseUrl, 'POST', '/api/login', { body: { email, password, ...(code ? { code } : {}) } });

/** A customer with two-factor sign-in on: its secret, recovery codes and a session token. */
async function enrolledUser(role: 'customer' | 'admin' = 'customer', target: TestApp = app) {
  const user = await target.createUser({ role });
  const { accessToken } = await target.login(user.email, user.password);
  const enrol = await api(target.baseUrl, 'POST', '/api/auth/two-factor/enrol', { token: accessToken });
  expect(enrol.status).toBe(200);
  const secret = enrol.body.secret as string;
  // The step the confirming code belongs to is spent by the confirmation; tests that reason about
  // spent and later steps count from this instant, not from a later Date.now() that may have crossed
  // a 30-second boundary.
  const confirmedAtMs = Date.now();
  const confirm = await api(target.baseUrl, 'POST', '/api/auth/two-factor/confirm', {
    token: accessToken,
    body: { code: codeFor(secret, confirmedAtMs) },
  });
  expect(confirm.status).toBe(200);
  return {
    ...user,
    secret,
    confirmedAtMs,
    token: accessToken,
    recoveryCodes: confirm.body.recoveryCodes as string[],
  };
}

describe('enrolment', () => {
  it('shows a secret, its otpauth URI and a QR code, in force only once a code confirms it', async () => {
    const user = await app.createUser();
    const { accessToken: token } = await app.login(user.email, user.password);
    const before = await api(app.baseUrl, 'GET', '/api/auth/two-factor', { token });
    expect(before.body).toEqual({ enabled: false, enabledAt: null, recoveryCodesLeft: 0, required: false });

    const enrol = await api(app.baseUrl, 'POST', '/api/auth/two-factor/enrol', { token });
    expect(enrol.status).toBe(200);
    const { secret, otpauthUri, qrCodeDataUrl } = enrol.body as Record<string, string>;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(otpauthUri!);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(decodeURIComponent(uri.pathname)).toContain(user.email);
    expect(qrCodeDataUrl).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(qrCodeDataUrl!.split(',')[1]!, 'base64').subarray(1, 4).toString()).toBe('PNG');

    // Kept encrypted; never in the log.
    const [row] = await app.db.select().from(userTwoFactor).where(eq(userTwoFactor.userId, user.id));
    expect(row!.secretEncrypted).not.toContain(secret);
    expect(row!.enabledAt).toBeNull();
    expect(app.logLines.join('\n')).not.toContain(secret!);

    // Not in force yet: sign-in needs no code.
    expect((await login(user.email, user.password)).status).toBe(200);

    const wrong = await api(app.baseUrl, 'POST', '/api/auth/two-factor/confirm', {
      token,
      body: { code: codeAt(secret!, 300) },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.fields).toEqual({ code: 'is not the current code of this authenticator' });
    const bad = await api(app.baseUrl, 'POST', '/api/auth/two-factor/confirm', {
      token,
      body: { code: '12ab' },
    });
    expect(bad.body.error.fields).toEqual({ code: 'must be the 6-digit code from your authenticator app' });

    const confirm = await api(app.baseUrl, 'POST', '/api/auth/two-factor/confirm', {
      token,
      body: { code: codeAt(secret!) },
    });
    expect(confirm.status).toBe(200);
    const codes = confirm.body.recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    const stored = await app.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, user.id));
    expect(stored).toHaveLength(10);
    for (const code of codes) expect(stored.map((s) => s.codeHash)).not.toContain(code);

    const after = await api(app.baseUrl, 'GET', '/api/auth/two-factor', { token });
    expect(after.body).toMatchObject({ enabled: true, recoveryCodesLeft: 10, required: false });
    // The secret is never shown again: the status has none, and a new enrolment is refused while on.
    expect(JSON.stringify(after.body)).not.toContain(secret);
    const again = await api(app.baseUrl, 'POST', '/api/auth/two-factor/enrol', { token });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('INVALID_STATE');

    const audit = await app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.kind, 'user.two_factor_enabled'), eq(auditEvents.actorUserId, user.id)));
    expect(audit).toHaveLength(1);
  });

  it('is refused to an API token, which could otherwise lock the owner out', async () => {
    const user = await app.createUser();
    const { accessToken } = await app.login(user.email, user.password);
    const created = await api(app.baseUrl, 'POST', '/api/tokens', {
      token: accessToken,
      body: { name: 'script', scopes: ['read', 'write'] },
    });
    expect(created.status).toBe(201);
    const enrol = await api(app.baseUrl, 'POST', '/api/auth/two-factor/enrol', {
      token: created.body.secret,
    });
    expect(enrol.status).toBe(403);
    expect(enrol.body.error.message).toContain('not with an API token');
  });
});

describe('signing in with two-factor sign-in on', () => {
  it('asks for the code, takes a current one once, and refuses it replayed', async () => {
    const user = await enrolledUser();
    const noCode = await login(user.email, user.password);
    expect(noCode.status).toBe(401);
    expect(noCode.body.error.code).toBe('TWO_FACTOR_REQUIRED');
    expect(noCode.body.error.fields).toEqual({ code: 'is required: this account has two-factor sign-in on' });
    // A wrong password still hears only that: the code question is for whoever knows the password.
    expect((await login(user.email, 'not-the-password')).body.error.code).toBe('INVALID_CREDENTIALS');

    const wrong = await login(user.email, user.password, codeAt(user.secret, 600));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatchObject({
      code: 'INVALID_CREDENTIALS',
      fields: { code: expect.any(String) },
    });

    // Confirming spent its step, so only a later step passes now (the next one is in the window).
    expect((await login(user.email, user.password, codeFor(user.secret, user.confirmedAtMs))).status).toBe(
      401,
    );
    const next = codeFor(user.secret, user.confirmedAtMs + 30_000);
    const ok = await login(user.email, user.password, next);
    expect(ok.status).toBe(200);
    expect(ok.body.accessToken).toEqual(expect.any(String));
    const replayed = await login(user.email, user.password, next);
    expect(replayed.status).toBe(401);
    expect(replayed.body.error.message).toContain('already used');
  });

  it('takes each recovery code once, and says so in the audit log', async () => {
    const user = await enrolledUser();
    const [first, second] = user.recoveryCodes;
    expect((await login(user.email, user.password, first!.toUpperCase())).status).toBe(200);
    const again = await login(user.email, user.password, first);
    expect(again.status).toBe(401);
    expect((await login(user.email, user.password, ` ${second!.replace('-', ' ')} `)).status).toBe(200);
    const status = await api(app.baseUrl, 'GET', '/api/auth/two-factor', { token: user.token });
    expect(status.body.recoveryCodesLeft).toBe(8);
    const used = await app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.kind, 'user.recovery_code_used'), eq(auditEvents.actorUserId, user.id)));
    expect(used.map((e) => e.message).sort()).toEqual([
      `A recovery code of ${user.email} was used; 8 left`,
      `A recovery code of ${user.email} was used; 9 left`,
    ]);
  });

  it('counts wrong codes in the sign-in throttle: after five, even the right code waits', async () => {
    const user = await enrolledUser();
    // Asking for the code is no failure: it does not use up the tries.
    for (let i = 0; i < 3; i++) expect((await login(user.email, user.password)).status).toBe(401);
    for (let i = 0; i < 5; i++)
      expect((await login(user.email, user.password, `00000${i}`)).body.error.code).toBe(
        'INVALID_CREDENTIALS',
      );
    const locked = await login(user.email, user.password, codeAt(user.secret, 30));
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Asking for the code again does not forgive the failed codes either.
    expect((await login(user.email, user.password)).status).toBe(429);
  });

  it('leaves API tokens as they were: no code needed', async () => {
    const user = await app.createUser();
    const { accessToken } = await app.login(user.email, user.password);
    const created = await api(app.baseUrl, 'POST', '/api/tokens', {
      token: accessToken,
      body: { name: 'billing', scopes: ['read'] },
    });
    const enrol = await api(app.baseUrl, 'POST', '/api/auth/two-factor/enrol', { token: accessToken });
    await api(app.baseUrl, 'POST', '/api/auth/two-factor/confirm', {
      token: accessToken,
      body: { code: codeAt(enrol.body.secret) },
    });
    expect((await login(user.email, user.password)).body.error.code).toBe('TWO_FACTOR_REQUIRED');
    const servers = await api(app.baseUrl, 'GET', '/api/servers', { token: created.body.secret });
    expect(servers.status).toBe(200);
  });
});

describe('turning two-factor sign-in off', () => {
  it('needs the password and a code; then sign-in needs neither code nor recovery code', async () => {
    const user = await enrolledUser();
    const off = (body: unknown) =>
      api(app.baseUrl, 'POST', '/api/auth/two-factor/disable', { token: user.token, body });
    const wrongPassword = await off({ password: 'not-the-password', code: codeAt(user.secret, 30) });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.body.error.message).toBe('The password is not correct.');
    const wrongCode = await off({ password: user.password, code: codeAt(user.secret, 600) });
    expect(wrongCode.status).toBe(401);
    expect(wrongCode.body.error.message).toContain('code is not correct');
    expect((await off({ password: user.password })).body.error.fields).toEqual({ code: 'is required' });

    expect((await off({ password: user.password, code: user.recoveryCodes[0] })).status).toBe(200);
    const status = await api(app.baseUrl, 'GET', '/api/auth/two-factor', { token: user.token });
    expect(status.body).toMatchObject({ enabled: false, recoveryCodesLeft: 0 });
    expect(await app.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, user.id))).toEqual([]);
    expect((await login(user.email, user.password)).status).toBe(200);
    expect((await off({ password: user.password, code: '123456' })).status).toBe(409);
    const audit = await app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.kind, 'user.two_factor_disabled'), eq(auditEvents.actorUserId, user.id)));
    expect(audit).toHaveLength(1);
  });
});

describe('REQUIRE_ADMIN_2FA', () => {
  it('keeps an administrator without two-factor sign-in off the administrators’ routes until they enrol', async () => {
    const strict = await startTestApp({ env: { REQUIRE_ADMIN_2FA: '1' } });
    try {
      const admin = await strict.createUser({ role: 'admin' });
      const { accessToken } = await strict.login(admin.email, admin.password);
      const refused = await api(strict.baseUrl, 'GET', '/api/admin/servers', { token: accessToken });
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toContain('requires two-factor sign-in for administrators');
      const status = await api(strict.baseUrl, 'GET', '/api/auth/two-factor', { token: accessToken });
      expect(status.body).toMatchObject({ enabled: false, required: true });
      // An API token is no way around it.
      const created = await api(strict.baseUrl, 'POST', '/api/tokens', {
        token: accessToken,
        body: { name: 'ops', scopes: ['read', 'write', 'admin'] },
      });
      expect(created.status).toBe(201);
      expect(
        (await api(strict.baseUrl, 'GET', '/api/admin/servers', { token: created.body.secret })).status,
      ).toBe(403);
      // Customers are not affected.
      const customer = await strict.createUser();
      const customerToken = (await strict.login(customer.email, customer.password)).accessToken;
      expect((await api(strict.baseUrl, 'GET', '/api/servers', { token: customerToken })).status).toBe(200);

      const enrolled = await enrolledUser('admin', strict);
      expect((await api(strict.baseUrl, 'GET', '/api/admin/servers', { token: enrolled.token })).status).toBe(
        200,
      );
    } finally {
      await strict.close();
    }
  });
});
