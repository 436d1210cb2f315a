/**
 * "Forgot password?" end to end: Keel mails the link through a real SMTP server running in this test
 * (smtp-server), the test reads the message, follows the link, sets a password, and the account's old
 * sessions are refused. Without SMTP_URL the link goes to the log.
 */
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessToken } from '../../src/server/auth/tokens.ts';
import { userLinks, users } from '../../src/server/db/schema.ts';
import { forgotPasswordMessage } from '../../src/shared/two-factor.ts';
import { api, startTestApp, type TestApp } from '../helpers/app.ts';

let smtp: SMTPServer;
let app: TestApp;
const inbox: ParsedMail[] = [];

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, done) {
      simpleParser(stream).then(
        (mail) => {
          inbox.push(mail);
          done();
        },
        (err: Error) => done(err),
      );
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  app = await startTestApp({
    env: {
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      MAIL_FROM: 'Keel Hosting <panel@hosting.example>',
      PUBLIC_URL: 'https://panel.hosting.example/',
    },
  });
});
afterAll(async () => {
  await app.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

const forgot = (target: TestApp, email: string) =>
  api(target.baseUrl, 'POST', '/api/auth/forgot-password', { body: { email } });

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const mailTo = (email: string) => () =>
  inbox.find((m) => m.to && !Array.isArray(m.to) && m.to.text === email);
const resetOutcomes = (target: TestApp) =>
  target.logLines
    .map((line) => JSON.parse(line) as { event?: string; outcome?: string })
    .filter((l) => l.event === 'password_reset_requested')
    .map((l) => l.outcome);

describe('forgot password by mail', () => {
  it('mails a one-time link that sets the password and ends every session of the account', async () => {
    const user = await app.createUser();
    const session = await app.login(user.email, user.password);
    const apiToken = await api(app.baseUrl, 'POST', '/api/tokens', {
      token: session.accessToken,
      body: { name: 'billing', scopes: ['read'] },
    });
    expect(apiToken.status).toBe(201);

    const asked = await forgot(app, `  ${user.email.toUpperCase()} `);
    expect(asked.status).toBe(200);
    expect(asked.body).toEqual({ ok: true, message: forgotPasswordMessage });
    // An email with no account hears exactly the same, and no mail goes out for it.
    const before = resetOutcomes(app).length;
    const nobody = await forgot(app, 'nobody-at-all@example.com');
    expect(nobody.status).toBe(200);
    expect(nobody.body).toEqual(asked.body);

    const mail = await waitFor('the reset mail', mailTo(user.email));
    expect(mail.from?.value).toEqual([{ name: 'Keel Hosting', address: 'panel@hosting.example' }]);
    expect(mail.subject).toBe('Reset your Keel password');
    const link = /https:\/\/panel\.hosting\.example\/set-password#token=([A-Za-z0-9_-]+)/.exec(
      mail.text ?? '',
    );
    expect(link, mail.text).not.toBeNull();
    const token = link![1]!;
    await waitFor('both outcomes', () => (resetOutcomes(app).length >= before + 2 ? true : undefined));
    expect(resetOutcomes(app)).toContain('no_account');
    expect(inbox.filter((m) => JSON.stringify(m.to).includes('nobody-at-all'))).toEqual([]);
    // The link is stored only as a hash, and the mail is not logged while SMTP works.
    expect(app.logLines.join('\n')).not.toContain(token);

    const newPassword = 'a-brand-new-password';
    const set = await api(app.baseUrl, 'POST', '/api/auth/set-password', {
      body: { token, password: newPassword },
    });
    expect(set.status).toBe(200);
    // Single use.
    const again = await api(app.baseUrl, 'POST', '/api/auth/set-password', {
      body: { token, password: 'yet-another-password' },
    });
    expect(again.status).toBe(400);
    expect(again.body.error.fields).toEqual({ token: 'has expired or was already used' });

    // The old sessions are over: the access token, the refresh cookie and the API token are refused.
    expect((await api(app.baseUrl, 'GET', '/api/users/me', { token: session.accessToken })).status).toBe(401);
    const refresh = await api(app.baseUrl, 'POST', '/api/auth/refresh', {
      headers: { cookie: session.cookie },
    });
    expect(refresh.status).toBe(401);
    expect((await api(app.baseUrl, 'GET', '/api/servers', { token: apiToken.body.secret })).status).toBe(401);
    // The old password no longer works; the new one does.
    const old = await api(app.baseUrl, 'POST', '/api/login', {
      body: { email: user.email, password: user.password },
    });
    expect(old.status).toBe(401);
    // A sign-in right after the reset works, even within the same second.
    const fresh = await app.login(user.email, newPassword);
    expect((await api(app.baseUrl, 'GET', '/api/users/me', { token: fresh.accessToken })).status).toBe(200);

    // The line is the reset's instant to the millisecond, not its second: a token signed a millisecond
    // before it (in the same second) is refused, one signed at it is kept.
    const [row] = await app.db
      .select({ endedAt: users.sessionsEndedAt })
      .from(users)
      .where(eq(users.id, user.id));
    const endedAt = row!.endedAt!.getTime();
    const signedAt = (at: number) =>
      signAccessToken(app.config.jwtSecret, { sub: user.id, role: 'customer' }, at);
    const justBefore = await signedAt(endedAt - 1);
    const atTheEnd = await signedAt(endedAt);
    expect((await api(app.baseUrl, 'GET', '/api/users/me', { token: justBefore })).status).toBe(401);
    expect((await api(app.baseUrl, 'GET', '/api/users/me', { token: atTheEnd })).status).toBe(200);
  });

  it('refuses an expired link', async () => {
    const user = await app.createUser();
    await forgot(app, user.email);
    const mail = await waitFor('the reset mail', mailTo(user.email));
    const token = /#token=([A-Za-z0-9_-]+)/.exec(mail.text ?? '')![1]!;
    await app.db
      .update(userLinks)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(userLinks.userId, user.id));
    const set = await api(app.baseUrl, 'POST', '/api/auth/set-password', {
      body: { token, password: 'a-brand-new-password' },
    });
    expect(set.status).toBe(400);
    await app.login(user.email, user.password);
  });

  it('is throttled per address and email, with the same 429 for any email', async () => {
    const user = await app.createUser();
    for (let i = 0; i < 3; i++) expect((await forgot(app, user.email)).status).toBe(200);
    const limited = await forgot(app, user.email);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) expect((await forgot(app, 'ghost-reset@example.com')).status).toBe(200);
    const ghost = await forgot(app, 'ghost-reset@example.com');
    expect(ghost.status).toBe(429);
    expect(ghost.body.error.code).toBe(limited.body.error.code);
    // Three mails at most; each new link replaced the one before it.
    await waitFor('three mails', () => (inbox.filter(mailTo(user.email)).length >= 3 ? true : undefined));
    const links = await app.db.select().from(userLinks).where(eq(userLinks.userId, user.id));
    expect(links).toHaveLength(3);
    expect(links.filter((l) => l.usedAt === null)).toHaveLength(1);
  });

  it('names a bad email', async () => {
    const bad = await forgot(app, 'not-an-email');
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toEqual({ email: 'must be an email address' });
  });
});

describe('without SMTP_URL', () => {
  it('writes the mail with its link to the log for the operator', async () => {
    const plain = await startTestApp({ env: { PUBLIC_URL: 'https://panel.hosting.example' } });
    try {
      const user = await plain.createUser();
      expect((await forgot(plain, user.email)).status).toBe(200);
      const logged = await waitFor('the logged mail', () =>
        plain.logLines
          .map((line) => JSON.parse(line) as { event?: string; to?: string; text?: string })
          .find((l) => l.event === 'mail_logged' && l.to === user.email),
      );
      const token = /https:\/\/panel\.hosting\.example\/set-password#token=([A-Za-z0-9_-]+)/.exec(
        logged.text!,
      )![1]!;
      const set = await api(plain.baseUrl, 'POST', '/api/auth/set-password', {
        body: { token, password: 'a-brand-new-password' },
      });
      expect(set.status).toBe(200);
    } finally {
      await plain.close();
    }
  });
});
