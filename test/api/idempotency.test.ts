/**
 * Idempotency-Key on the signed-in writes, over REST and tRPC: a retry gets the first answer without
 * the work being done again, a different request under the key is refused, concurrent retries do the
 * work once, and a key held by a request still running answers IN_PROGRESS.
 */
import { randomUUID } from 'node:crypto';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { count, eq, sql } from 'drizzle-orm';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../src/server/routers/root.ts';
import { idempotencyKeys, serverJobs, servers } from '../../src/server/db/schema.ts';
import type { Catalog } from '../../src/shared/api.ts';
import { api, startTestApp, type TestApp } from '../helpers/app.ts';

let app: TestApp;
let alice: { id: string; token: string };
let bob: { id: string; token: string };
let catalog: Catalog;

beforeAll(async () => {
  app = await startTestApp({ env: { IDEMPOTENCY_WAIT_MS: '300', QUOTA_MAX_SERVERS: '50' } });
  const a = await app.createUser();
  const b = await app.createUser();
  alice = { id: a.id, token: (await app.login(a.email, a.password)).accessToken };
  bob = { id: b.id, token: (await app.login(b.email, b.password)).accessToken };
  catalog = (await api(app.baseUrl, 'GET', '/api/catalog', { token: alice.token })).body;
});
afterAll(() => app.close());

const orderBody = (name: string) => ({
  name,
  planId: catalog.plans[0]!.id,
  imageId: catalog.images[0]!.id,
  locationId: catalog.locations[0]!.id,
});

const order = (token: string, key: string | undefined, body: unknown) =>
  api(app.baseUrl, 'POST', '/api/servers', {
    token,
    body,
    headers: key === undefined ? {} : { 'idempotency-key': key },
  });

async function serversNamed(name: string) {
  return app.db.select().from(servers).where(eq(servers.name, name));
}

describe('Idempotency-Key on POST /api/servers', () => {
  it('answers a retry with the first answer: same status, same server, one server and one job', async () => {
    const key = randomUUID();
    const first = await order(alice.token, key, orderBody('idem-1'));
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const retry = await order(alice.token, key, orderBody('idem-1'));
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(`/api/servers/${first.body.server.id}`);
    expect(retry.body).toEqual(first.body);
    const rows = await serversNamed('idem-1');
    expect(rows.map((r) => r.id)).toEqual([first.body.server.id]);
    const [jobs] = await app.db
      .select({ n: count() })
      .from(serverJobs)
      .where(eq(serverJobs.serverId, first.body.server.id));
    expect(jobs!.n).toBe(1);
  });

  it('without a key, the same request twice orders twice', async () => {
    expect((await order(alice.token, undefined, orderBody('idem-nokey'))).status).toBe(202);
    expect((await order(alice.token, undefined, orderBody('idem-nokey'))).status).toBe(202);
    expect(await serversNamed('idem-nokey')).toHaveLength(2);
  });

  it('refuses the key with a different request (422), whatever the key order of the JSON', async () => {
    const key = randomUUID();
    expect((await order(alice.token, key, orderBody('idem-2'))).status).toBe(202);
    const reordered = Object.fromEntries(Object.entries(orderBody('idem-2')).reverse());
    expect((await order(alice.token, key, reordered)).status).toBe(202);
    const other = await order(alice.token, key, orderBody('idem-2-other'));
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await serversNamed('idem-2-other')).toHaveLength(0);
    expect(await serversNamed('idem-2')).toHaveLength(1);
  });

  it('keeps keys per user: another user with the same key orders their own server', async () => {
    const key = randomUUID();
    const a = await order(alice.token, key, orderBody('idem-3'));
    const b = await order(bob.token, key, orderBody('idem-3'));
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(b.body.server.id).not.toBe(a.body.server.id);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
  });

  it('does not keep a validation failure: the corrected request with the key does the work', async () => {
    const key = randomUUID();
    const bad = await order(alice.token, key, { ...orderBody('idem-4'), planId: 'nope' });
    expect(bad.status).toBe(400);
    const good = await order(alice.token, key, orderBody('idem-4'));
    expect(good.status).toBe(202);
    expect(await serversNamed('idem-4')).toHaveLength(1);
  });

  it('replays a decided refusal with its code, and the refused work stays undone', async () => {
    const key = randomUUID();
    const body = { ...orderBody('idem-5'), locationId: randomUUID() };
    const first = await order(alice.token, key, body);
    expect([first.status, first.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    // A decided refusal: terminating a server that is still provisioning is INVALID_STATE.
    const server = (await order(alice.token, undefined, orderBody('idem-5'))).body.server;
    const terminate = () =>
      api(app.baseUrl, 'DELETE', `/api/servers/${server.id}`, {
        token: alice.token,
        headers: { 'idempotency-key': key },
      });
    const refused = await terminate();
    expect([refused.status, refused.body.error.code]).toEqual([409, 'INVALID_STATE']);
    // The server becomes terminable; the retry still gets the first answer and terminates nothing.
    await app.db.update(servers).set({ status: 'running' }).where(eq(servers.id, server.id));
    await app.db.update(serverJobs).set({ state: 'succeeded' }).where(eq(serverJobs.serverId, server.id));
    const retry = await terminate();
    expect(retry.status).toBe(409);
    expect(retry.body).toEqual(refused.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const [row] = await app.db.select().from(servers).where(eq(servers.id, server.id));
    expect(row!.status).toBe('running');
  });

  it('does the work once for concurrent retries, and every one of them gets the same server', async () => {
    const key = randomUUID();
    const first = await Promise.all(
      Array.from({ length: 6 }, () => order(alice.token, key, orderBody('idem-6'))),
    );
    // One did the work; each other one waited for it (IDEMPOTENCY_WAIT_MS) and got its answer, or, on a
    // busy machine, answered 409 IN_PROGRESS, after which its retry gets the stored answer.
    for (const a of first)
      expect([202, 409].includes(a.status) && (a.status === 202 || a.body.error.code === 'IN_PROGRESS')).toBe(
        true,
      );
    const answers = await Promise.all(
      first.map((a) =>
        a.status === 202 ? Promise.resolve(a) : order(alice.token, key, orderBody('idem-6')),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(202));
    expect(new Set(answers.map((a) => a.body.server.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(5);
    expect(await serversNamed('idem-6')).toHaveLength(1);
  });

  it('answers 409 IN_PROGRESS while another request holds the key, then the stored answer', async () => {
    const key = randomUUID();
    // A request that has claimed the key and not committed yet, as a slow first request would.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const holder = app.db.transaction(async (tx) => {
      await tx.insert(idempotencyKeys).values({
        userId: alice.id,
        key,
        procedure: 'servers.create',
        requestHash: 'held',
        outcome: 'error',
        response: { code: 'CONFLICT', message: 'held by the test' },
      });
      held();
      await released;
      throw new Error('roll back');
    });
    await holding;
    const busy = await order(alice.token, key, orderBody('idem-7'));
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('IN_PROGRESS');
    expect(busy.headers.get('retry-after')).toBe('1');
    release();
    await expect(holder).rejects.toThrow('roll back');
    // The holder rolled back: the key is free and the retry does the work.
    expect((await order(alice.token, key, orderBody('idem-7'))).status).toBe(202);
    expect(await serversNamed('idem-7')).toHaveLength(1);
  });

  it('treats a key older than 24 hours as unused', async () => {
    const key = randomUUID();
    const first = await order(alice.token, key, orderBody('idem-8'));
    await app.db
      .update(idempotencyKeys)
      .set({ createdAt: sql`now() - interval '25 hours'` })
      .where(eq(idempotencyKeys.key, key));
    const later = await order(alice.token, key, orderBody('idem-8'));
    expect(later.status).toBe(202);
    expect(later.body.server.id).not.toBe(first.body.server.id);
  });

  it('refuses a malformed key, naming the header', async () => {
    const res = await order(alice.token, 'k'.repeat(256), orderBody('idem-9'));
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toHaveProperty('Idempotency-Key');
    expect(await serversNamed('idem-9')).toHaveLength(0);
  });
});

describe('Idempotency-Key over tRPC', () => {
  const client = (key: string) =>
    createTRPCClient<AppRouter>({
      links: [
        httpLink({
          url: `${app.baseUrl}/trpc`,
          transformer: superjson,
          headers: () => ({ authorization: `Bearer ${alice.token}`, 'idempotency-key': key }),
        }),
      ],
    });

  it('names the same request as over REST, with Dates intact in the replay', async () => {
    const key = randomUUID();
    const { server } = await client(key).servers.create.mutate(orderBody('idem-trpc'));
    const again = await client(key).servers.create.mutate(orderBody('idem-trpc'));
    expect(again.server.id).toBe(server.id);
    expect(again.server.createdAt).toBeInstanceOf(Date);
    const rest = await order(alice.token, key, orderBody('idem-trpc'));
    expect([rest.status, rest.body.server.id]).toEqual([202, server.id]);
    expect(await serversNamed('idem-trpc')).toHaveLength(1);
    const err = await client(key)
      .servers.create.mutate(orderBody('idem-trpc-other'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect((err as TRPCClientError<AppRouter>).data).toMatchObject({
      appCode: 'IDEMPOTENCY_KEY_REUSED',
      httpStatus: 422,
    });
  });

  it('refuses a key on a batch of calls', async () => {
    const res = await fetch(`${app.baseUrl}/trpc/servers.create,servers.create?batch=1`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${alice.token}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({
        0: { json: orderBody('idem-batch') },
        1: { json: orderBody('idem-batch') },
      }),
    });
    expect(res.status).toBe(400);
    expect(await serversNamed('idem-batch')).toHaveLength(0);
  });
});

describe('the OpenAPI document', () => {
  it('lists the Idempotency-Key header on every signed-in write, and on nothing else', async () => {
    // Their answer is a secret shown once (an API token, a console ticket, a root password, a TOTP secret,
    // recovery codes), or their request carries a password: never stored for replay.
    const secretAnswers = new Set([
      'createToken',
      'openServerConsole',
      'setRootPassword',
      'enrolTwoFactor',
      'confirmTwoFactor',
      'changePassword',
    ]);
    const doc = (await api(app.baseUrl, 'GET', '/api/openapi.json')).body;
    const keyed: string[] = [];
    const writes: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const name = `${method.toUpperCase()} ${path}`;
        if (op.parameters?.some((p: any) => p.in === 'header' && p.name === 'Idempotency-Key'))
          keyed.push(name);
        if (
          ['post', 'delete', 'patch', 'put'].includes(method) &&
          op.security.length &&
          !secretAnswers.has(op.operationId)
        )
          writes.push(name);
      }
    }
    expect(keyed.sort()).toEqual(writes.sort());
    expect(keyed).toContain('POST /api/servers');
    expect(keyed).toContain('DELETE /api/servers/{id}');
  });
});
