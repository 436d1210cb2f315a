/**
 * Conditional GETs on the REST adapter: a 200 to a GET carries an ETag; If-None-Match with that tag is
 * answered 304 without a body while nothing the caller sees has changed, and 200 with a new tag after.
 */
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servers } from '../../src/server/db/schema.ts';
import type { Catalog } from '../../src/shared/api.ts';
import { api, startTestApp, type TestApp } from '../helpers/app.ts';

let app: TestApp;
let alice: string;
let bob: string;
let serverId: string;

const get = (path: string, token: string, etag?: string) =>
  fetch(`${app.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${token}`, ...(etag ? { 'if-none-match': etag } : {}) },
  });

beforeAll(async () => {
  app = await startTestApp();
  const a = await app.createUser();
  const b = await app.createUser();
  alice = (await app.login(a.email, a.password)).accessToken;
  bob = (await app.login(b.email, b.password)).accessToken;
  const catalog = (await api(app.baseUrl, 'GET', '/api/catalog', { token: alice })).body as Catalog;
  const ordered = await api(app.baseUrl, 'POST', '/api/servers', {
    token: alice,
    body: {
      name: 'etag-1.example.com',
      planId: catalog.plans[0]!.id,
      imageId: catalog.images[0]!.id,
      locationId: catalog.locations[0]!.id,
    },
  });
  expect(ordered.status).toBe(202);
  serverId = (ordered.body as { server: { id: string } }).server.id;
});
afterAll(() => app.close());

describe.each([
  { what: 'the server list', path: () => '/api/servers' },
  { what: 'one server', path: () => `/api/servers/${serverId}` },
])('ETag on $what', ({ path }) => {
  it('answers 304 while unchanged, and 200 with a new tag once something the caller sees changes', async () => {
    const first = await get(path(), alice);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const text = await first.text();
    expect(Number(first.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const body = JSON.parse(text) as unknown;
    // The tag is the hash of the bytes sent.
    expect(etag).toBe(`W/"${createHash('sha1').update(text).digest('base64url')}"`);

    const again = await get(path(), alice, etag!);
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe('no-store');
    expect(await again.text()).toBe('');

    // Another tag, or none, gets the whole answer.
    expect((await get(path(), alice, 'W/"something-else"')).status).toBe(200);

    await app.db
      .update(servers)
      .set({ name: `renamed-${Date.now()}.example.com`, updatedAt: new Date() })
      .where(eq(servers.id, serverId));
    const changed = await get(path(), alice, etag!);
    expect(changed.status).toBe(200);
    const newTag = changed.headers.get('etag');
    expect(newTag).not.toBe(etag);
    expect(await changed.json()).not.toEqual(body);
    expect((await get(path(), alice, newTag!)).status).toBe(304);
  });
});

it("does not answer 304 to another customer holding the first one's tag", async () => {
  const mine = await get('/api/servers', alice);
  const etag = mine.headers.get('etag')!;
  const theirs = await get('/api/servers', bob, etag);
  expect(theirs.status).toBe(200);
  expect(((await theirs.json()) as { servers: unknown[] }).servers).toEqual([]);
  // And the detail of alice's server stays a 404 for bob, tag or not.
  expect((await get(`/api/servers/${serverId}`, bob, etag)).status).toBe(404);
});
