/**
 * The operator's customer routes over REST: create with a one-time set-password link, search, quota
 * (maxCores enforced at order), disable through PATCH (session, refresh and API token 401 at once),
 * the last administrator kept, delete refused while a server lives, every change audited with the actor.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, images, locations, plans, serverJobs, servers } from '../../src/server/db/schema.ts';
import { api, startTestApp, type TestApp } from '../helpers/app.ts';

let app: TestApp;
let admin: { id: string; token: string };
beforeAll(async () => {
  app = await startTestApp();
  const a = await app.createUser({ role: 'admin' });
  admin = { id: a.id, token: (await app.login(a.email, a.password)).accessToken };
});
afterAll(() => app.close());

const as = (token: string) => ({
  get: (path: string) => api(app.baseUrl, 'GET', path, { token }),
  post: (path: string, body: unknown) => api(app.baseUrl, 'POST', path, { token, body }),
  patch: (path: string, body: unknown) => api(app.baseUrl, 'PATCH', path, { token, body }),
  del: (path: string) => api(app.baseUrl, 'DELETE', path, { token }),
});

describe('customers', () => {
  it('creates one without a password; the link sets it once; search finds it', async () => {
    const email = `nopw-${Date.now()}@example.com`;
    const made = await as(admin.token).post('/api/admin/users', { email, name: 'Ada Lovelace' });
    expect(made.status).toBe(201);
    expect(made.headers.get('location')).toBe(`/api/admin/users/${made.body.user.id}`);
    const url = made.body.setPasswordLink.url as string;
    expect(url).toMatch(/\/set-password#token=[A-Za-z0-9_-]{43}$/);
    const token = url.split('#token=')[1]!;
    const set = await api(app.baseUrl, 'POST', '/api/auth/set-password', {
      body: { token, password: 'a-brand-new-password' },
    });
    expect(set.status).toBe(200);
    const again = await api(app.baseUrl, 'POST', '/api/auth/set-password', {
      body: { token, password: 'another-new-password' },
    });
    expect(again.status).toBe(400);
    expect(again.body.error.fields).toEqual({ token: 'has expired or was already used' });
    await app.login(email, 'a-brand-new-password');

    const found = await as(admin.token).get('/api/admin/users?query=lovelace');
    expect(found.body.users.map((u: { email: string }) => u.email)).toEqual([email]);
    const page = await as(admin.token).get('/api/admin/users?limit=1');
    expect(page.body.users).toHaveLength(1);
    const next = await as(admin.token).get(`/api/admin/users?limit=1&cursor=${page.body.nextCursor}`);
    expect(next.body.users[0].id).not.toBe(page.body.users[0].id);
    const [audit] = await app.db.select().from(auditEvents).where(eq(auditEvents.kind, 'user.created'));
    expect(audit!.actorUserId).toBe(admin.id);
  });

  it('enforces a per-user maxCores at order', async () => {
    const user = await app.createUser();
    const token = (await app.login(user.email, user.password)).accessToken;
    const patched = await as(admin.token).patch(`/api/admin/users/${user.id}`, { quota: { maxCores: 1 } });
    expect(patched.status).toBe(200);
    expect(patched.body.user.effectiveQuota.maxCores).toBe(1);
    const [plan] = await app.db.select().from(plans).where(eq(plans.slug, 'vps-m'));
    const [image] = await app.db.select().from(images).limit(1);
    const [location] = await app.db.select().from(locations).where(eq(locations.slug, 'lab'));
    const order = await api(app.baseUrl, 'POST', '/api/servers', {
      token,
      body: { name: 'big.example.com', planId: plan!.id, imageId: image!.id, locationId: location!.id },
    });
    expect(order.status).toBe(422);
    expect(order.body.error.message).toContain('at most 1 vCPUs');
    // With a live server, the account cannot be deleted; the answer names it.
    await as(admin.token).patch(`/api/admin/users/${user.id}`, { quota: { maxCores: null } });
    const ok = await api(app.baseUrl, 'POST', '/api/servers', {
      token,
      body: { name: 'big.example.com', planId: plan!.id, imageId: image!.id, locationId: location!.id },
    });
    expect(ok.status).toBe(202);
    const del = await as(admin.token).del(`/api/admin/users/${user.id}`);
    expect(del.status).toBe(409);
    expect(del.body.error.message).toContain('big.example.com');
  });

  it('disabling through PATCH ends session, refresh and API token at once', async () => {
    const user = await app.createUser();
    const session = await app.login(user.email, user.password);
    const secret = (await as(session.accessToken).post('/api/tokens', { name: 's', scopes: ['read'] })).body
      .secret as string;
    const res = await as(admin.token).patch(`/api/admin/users/${user.id}`, { disabled: true });
    expect(res.status).toBe(200);
    expect(res.body.user.disabled).toBe(true);
    expect((await as(session.accessToken).get('/api/users/me')).status).toBe(401);
    expect((await as(secret).get('/api/users/me')).status).toBe(401);
    const refresh = await api(app.baseUrl, 'POST', '/api/auth/refresh', {
      headers: { cookie: session.cookie },
    });
    expect(refresh.status).toBe(401);
  });

  it('disabling with suspendServers suspends every live server of the account in the same request', async () => {
    const user = await app.createUser();
    const token = (await app.login(user.email, user.password)).accessToken;
    const [plan] = await app.db.select().from(plans).where(eq(plans.slug, 'vps-s'));
    const [image] = await app.db.select().from(images).limit(1);
    const [location] = await app.db.select().from(locations).where(eq(locations.slug, 'lab'));
    const ordered = await api(app.baseUrl, 'POST', '/api/servers', {
      token,
      body: { name: 'unpaid.example.com', planId: plan!.id, imageId: image!.id, locationId: location!.id },
    });
    expect(ordered.status).toBe(202);
    const id = ordered.body.server.id as string;
    // A second one is still provisioning (this app runs no worker): it cannot be suspended yet.
    const pending = await api(app.baseUrl, 'POST', '/api/servers', {
      token,
      body: { name: 'pending.example.com', planId: plan!.id, imageId: image!.id, locationId: location!.id },
    });
    expect(pending.status).toBe(202);
    const pendingId = pending.body.server.id as string;
    // This app runs no worker: arrange a provisioned server, as the worker would have left it.
    await app.db.delete(serverJobs).where(eq(serverJobs.serverId, id));
    await app.db
      .update(servers)
      .set({ status: 'running', pveNode: 'pve1', pveVmid: 4321 })
      .where(eq(servers.id, id));
    const res = await as(admin.token).patch(`/api/admin/users/${user.id}`, {
      disabled: true,
      suspendServers: true,
      suspensionReason: 'unpaid invoice',
    });
    expect(res.status).toBe(200);
    // The answer says which servers were suspended and which were left, with why; so does the audit log.
    expect(res.body.suspension).toEqual({
      suspended: [id],
      skipped: [{ serverId: pendingId, reason: expect.stringContaining('still being provisioned') }],
    });
    const [summary] = await app.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.kind, 'user.servers_suspended'));
    expect(summary).toMatchObject({ actorUserId: admin.id });
    expect(summary!.message).toContain(pendingId);
    expect((await as(admin.token).get(`/api/admin/servers/${pendingId}`)).body.server.status).toBe(
      'provisioning',
    );
    const plain = await as(admin.token).patch(`/api/admin/users/${user.id}`, { name: 'No suspension' });
    expect(plain.body).not.toHaveProperty('suspension');
    const after = await as(admin.token).get(`/api/admin/servers/${id}`);
    expect(after.body.server.status).toBe('suspended');
    expect(after.body.server.statusReason).toContain('unpaid invoice');
    const bad = await as(admin.token).patch(`/api/admin/users/${user.id}`, { suspendServers: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toHaveProperty('suspendServers');
  });

  it('keeps one administrator: self-demotion of the last one is refused', async () => {
    const solo = await startTestApp();
    try {
      const a = await solo.createUser({ role: 'admin' });
      const token = (await solo.login(a.email, a.password)).accessToken;
      const res = await api(solo.baseUrl, 'PATCH', `/api/admin/users/${a.id}`, {
        token,
        body: { role: 'customer' },
      });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain('last enabled administrator');
    } finally {
      await solo.close();
    }
  });
});
