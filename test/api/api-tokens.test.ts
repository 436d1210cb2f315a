/**
 * API tokens over REST and tRPC: the secret shown once and stored hashed, scopes enforced on every
 * procedure (read for queries, write for changes, admin for the operator's routes), revocation and
 * expiry at once, and the last use written at most once a minute across processes.
 */
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { eq, sql } from 'drizzle-orm';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiToken } from '../../src/server/auth/api-tokens.ts';
import { executeRows } from '../../src/server/db/client.ts';
import { apiTokens, images, locations, plans } from '../../src/server/db/schema.ts';
import type { AppRouter } from '../../src/server/routers/root.ts';
import { api, startTestApp, type TestApp } from '../helpers/app.ts';

let app: TestApp;
let second: TestApp;

beforeAll(async () => {
  app = await startTestApp();
  // A second API process on the same database, as when Keel is scaled out.
  second = await startTestApp({ database: app.database });
});
afterAll(async () => {
  await second.close();
  await app.close();
});

async function session(role: 'customer' | 'admin' = 'customer') {
  const user = await app.createUser({ role });
  const { accessToken } = await app.login(user.email, user.password);
  return { user, accessToken };
}

async function makeToken(accessToken: string, body: Record<string, unknown>) {
  const res = await api(app.baseUrl, 'POST', '/api/tokens', { token: accessToken, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { token: { id: string; prefix: string; scopes: string[] }; secret: string };
}

async function orderBody() {
  const [plan] = await app.db.select().from(plans).limit(1);
  const [image] = await app.db.select().from(images).limit(1);
  const [location] = await app.db.select().from(locations).where(eq(locations.slug, 'lab'));
  return {
    name: `tok-${Math.random().toString(36).slice(2, 8)}`,
    planId: plan!.id,
    imageId: image!.id,
    locationId: location!.id,
  };
}

function trpc(bearer: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${app.baseUrl}/trpc`,
        transformer: superjson,
        headers: () => ({ authorization: `Bearer ${bearer}` }),
      }),
    ],
  });
}

describe('creating a token', () => {
  it('answers 201 with the secret once, keeps only its hash, and lists it without the secret', async () => {
    const { accessToken } = await session();
    const res = await api(app.baseUrl, 'POST', '/api/tokens', {
      token: accessToken,
      body: { name: 'billing', scopes: ['read', 'write'], expiresInDays: 30 },
    });
    expect(res.status).toBe(201);
    const { token, secret } = res.body;
    expect(secret).toMatch(/^keel_[A-Za-z0-9_-]{43}$/);
    expect(res.headers.get('location')).toBe(`/api/tokens/${token.id}`);
    expect(token).toMatchObject({ name: 'billing', scopes: ['read', 'write'], lastUsedAt: null });
    expect(secret.startsWith(token.prefix)).toBe(true);
    const days = (Date.parse(token.expiresAt) - Date.parse(token.createdAt)) / 86_400_000;
    expect(Math.round(days)).toBe(30);

    const [row] = await app.db.select().from(apiTokens).where(eq(apiTokens.id, token.id));
    expect(row!.secretHash).toBe(hashApiToken(secret));
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(app.logLines.join('\n')).not.toContain(secret);

    const list = await api(app.baseUrl, 'GET', '/api/tokens', { token: accessToken });
    expect(list.status).toBe(200);
    expect(list.body.tokens.map((t: { id: string }) => t.id)).toEqual([token.id]);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    const one = await api(app.baseUrl, 'GET', `/api/tokens/${token.id}`, { token: accessToken });
    expect(one.body.token.id).toBe(token.id);
  });

  it.each([
    [{ name: '', scopes: ['read'] }, 'name'],
    [{ name: 'x', scopes: ['write'] }, 'scopes'],
    [{ name: 'x', scopes: ['read', 'read'] }, 'scopes'],
    [{ name: 'x', scopes: ['read', 'admin'] }, 'scopes'],
    [{ name: 'x', scopes: ['read', 'sudo'] }, 'scopes.1'],
    [{ name: 'x', scopes: ['read'], expiresInDays: 0 }, 'expiresInDays'],
    [{ name: 'x', scopes: ['read'], expiresInDays: 1.5 }, 'expiresInDays'],
  ])('refuses %j naming %s', async (body, field) => {
    const { accessToken } = await session();
    const res = await api(app.baseUrl, 'POST', '/api/tokens', { token: accessToken, body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(res.body.error.fields)).toContain(field);
  });

  it('gives the admin scope to administrators only', async () => {
    const customer = await session();
    const refused = await api(app.baseUrl, 'POST', '/api/tokens', {
      token: customer.accessToken,
      body: { name: 'ops', scopes: ['read', 'write', 'admin'] },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('administrators only');
    expect(refused.body.error.fields).toEqual({ scopes: 'may only hold read, write' });

    const admin = await session('admin');
    const made = await makeToken(admin.accessToken, { name: 'ops', scopes: ['read', 'write', 'admin'] });
    expect(made.token.scopes).toEqual(['read', 'write', 'admin']);
  });

  it('lets a token mint tokens only within its own scopes', async () => {
    const admin = await session('admin');
    const readWrite = await makeToken(admin.accessToken, { name: 'rw', scopes: ['read', 'write'] });
    const beyond = await api(app.baseUrl, 'POST', '/api/tokens', {
      token: readWrite.secret,
      body: { name: 'escalate', scopes: ['read', 'write', 'admin'] },
    });
    expect(beyond.status).toBe(403);
    expect(beyond.body.error.message).toContain('cannot grant admin');
    const within = await makeToken(readWrite.secret, { name: 'ro', scopes: ['read'] });
    expect(within.token.scopes).toEqual(['read']);
    // A read token cannot create anything at all: creating is a change.
    const fromRead = await api(app.baseUrl, 'POST', '/api/tokens', {
      token: within.secret,
      body: { name: 'ro2', scopes: ['read'] },
    });
    expect(fromRead.status).toBe(403);
    expect(fromRead.body.error.message).toContain('write scope');
  });
});

describe('using a token', () => {
  it('works on REST and tRPC; a read token lists but cannot order (403 naming write)', async () => {
    const { accessToken, user } = await session();
    const read = await makeToken(accessToken, { name: 'ro', scopes: ['read'] });
    const write = await makeToken(accessToken, { name: 'rw', scopes: ['read', 'write'] });

    const me = await api(app.baseUrl, 'GET', '/api/users/me', { token: read.secret });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(user.id);
    expect((await trpc(read.secret).users.me.query()).user.id).toBe(user.id);

    const body = await orderBody();
    const ordered = await api(app.baseUrl, 'POST', '/api/servers', { token: write.secret, body });
    expect(ordered.status).toBe(202);
    const list = await api(app.baseUrl, 'GET', '/api/servers', { token: read.secret });
    expect(list.status).toBe(200);
    expect(list.body.servers.map((s: { id: string }) => s.id)).toEqual([ordered.body.server.id]);

    const refused = await api(app.baseUrl, 'POST', '/api/servers', {
      token: read.secret,
      body: await orderBody(),
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'FORBIDDEN' });
    expect(refused.body.error.message).toContain('write scope');
    const viaTrpc = await trpc(read.secret)
      .servers.create.mutate(await orderBody())
      .catch((e: unknown) => e);
    expect(viaTrpc).toBeInstanceOf(TRPCClientError);
    expect((viaTrpc as TRPCClientError<AppRouter>).data?.httpStatus).toBe(403);
    // Nothing was ordered by the refused calls.
    const after = await api(app.baseUrl, 'GET', '/api/servers', { token: read.secret });
    expect(after.body.servers).toHaveLength(1);
  });

  it('needs the admin scope on admin routes, even for an administrator', async () => {
    const admin = await session('admin');
    const rw = await makeToken(admin.accessToken, { name: 'rw', scopes: ['read', 'write'] });
    const full = await makeToken(admin.accessToken, { name: 'full', scopes: ['read', 'write', 'admin'] });
    const without = await api(app.baseUrl, 'GET', '/api/admin/servers', { token: rw.secret });
    expect(without.status).toBe(403);
    expect(without.body.error.message).toContain('admin scope');
    expect((await api(app.baseUrl, 'GET', '/api/admin/servers', { token: full.secret })).status).toBe(200);
  });

  it('is refused (401) once revoked or expired, and someone else cannot revoke it (404)', async () => {
    const { accessToken } = await session();
    const other = await session();
    const a = await makeToken(accessToken, { name: 'a', scopes: ['read'] });
    const b = await makeToken(accessToken, { name: 'b', scopes: ['read'] });
    const notYours = await api(app.baseUrl, 'DELETE', `/api/tokens/${a.token.id}`, {
      token: other.accessToken,
    });
    expect(notYours.status).toBe(404);
    expect((await api(app.baseUrl, 'GET', '/api/users/me', { token: a.secret })).status).toBe(200);

    const revoked = await api(app.baseUrl, 'DELETE', `/api/tokens/${a.token.id}`, { token: accessToken });
    expect(revoked.status).toBe(200);
    const afterRevoke = await api(app.baseUrl, 'GET', '/api/users/me', { token: a.secret });
    expect(afterRevoke.status).toBe(401);
    expect(afterRevoke.body.error.message).toContain('revoked');

    await app.db
      .update(apiTokens)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(apiTokens.id, b.token.id));
    expect((await api(app.baseUrl, 'GET', '/api/users/me', { token: b.secret })).status).toBe(401);
    const list = await api(app.baseUrl, 'GET', '/api/tokens', { token: accessToken });
    expect(list.body.tokens.map((t: { id: string }) => t.id)).toEqual([b.token.id]);
  });
});

describe('the last use of a token', () => {
  it('is written at most once a minute, across API processes', async () => {
    const { accessToken } = await session();
    const made = await makeToken(accessToken, { name: 'busy', scopes: ['read'] });
    // Count the writes to this token's row, whichever process makes them.
    await app.db.execute(
      sql.raw(`
      create table if not exists token_touch_log (token_id uuid, at timestamptz default now());
      create or replace function log_token_touch() returns trigger language plpgsql as $$
        begin insert into token_touch_log (token_id) values (new.id); return new; end $$;
      drop trigger if exists token_touch on api_tokens;
      create trigger token_touch after update on api_tokens for each row execute function log_token_touch();
    `),
    );
    const touches = async () => {
      const [row] = await executeRows<{ n: number }>(
        app.db,
        sql`select count(*)::int as n from token_touch_log where token_id = ${made.token.id}`,
      );
      return row!.n;
    };
    const burst = () =>
      Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          api(i % 2 ? second.baseUrl : app.baseUrl, 'GET', '/api/users/me', { token: made.secret }),
        ),
      );

    const statuses = (await burst()).map((r) => r.status);
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(await touches()).toBe(1);
    const [first] = await app.db.select().from(apiTokens).where(eq(apiTokens.id, made.token.id));
    expect(first!.lastUsedAt).not.toBeNull();
    expect(first!.lastUsedIp).toBe('127.0.0.1');

    await burst();
    expect(await touches()).toBe(1);

    // A minute later (the row aged by a minute), the next burst writes it once more.
    await app.db
      .update(apiTokens)
      .set({ lastUsedAt: sql`${apiTokens.lastUsedAt} - interval '61 seconds'` })
      .where(eq(apiTokens.id, made.token.id));
    const aged = await touches();
    await burst();
    expect(await touches()).toBe(aged + 1);
    const list = await api(app.baseUrl, 'GET', '/api/tokens', { token: accessToken });
    expect(Date.parse(list.body.tokens[0].lastUsedAt)).toBeGreaterThan(Date.now() - 30_000);
  });
});
