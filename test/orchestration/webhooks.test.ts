/**
 * Webhooks end to end: an administrator registers endpoints on a local HTTP receiver, servers are
 * ordered and provisioned against the PVE simulator, and the worker's webhook loop delivers the
 * events, signed; a receiver answering 500 gets the event again with the same id; a receiver that
 * hangs holds no provisioning slot.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookDeliveries } from '../../src/server/db/schema.ts';
import { verifySignature } from '../../src/server/domain/webhooks.ts';
import { createLogger } from '../../src/server/logger.ts';
import { startWebhookDeliverer, type WebhookDeliverer } from '../../src/server/worker/webhooks.ts';
import { startWorker, type Worker } from '../../src/server/worker/worker.ts';
import { startPveSim, type PveSim } from '../../testbed/pve/index.ts';
import { api, startTestApp, type TestApp } from '../helpers/app.ts';
import { fastTimings, orderServer, pveClientFor, waitForServer } from '../helpers/orchestration.ts';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver whose answer per path the test decides; `hang` never answers. */
interface Receiver {
  url: string;
  received: Received[];
  answers: Map<string, (number | 'hang')[]>;
  hanging: ServerResponse[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const answers = new Map<string, (number | 'hang')[]>();
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      const queue = answers.get(req.url ?? '') ?? [];
      const answer = queue.length > 1 ? queue.shift()! : (queue[0] ?? 200);
      if (answer === 'hang') hanging.push(res);
      else res.writeHead(answer).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answers,
    hanging,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let sim: PveSim;
let app: TestApp;
let worker: Worker;
let webhooks: WebhookDeliverer;
let receiver: Receiver;
let admin: string;
let customer: { token: string };

beforeAll(async () => {
  sim = await startPveSim({ port: 0, speed: 100 });
  const pve = pveClientFor(sim);
  app = await startTestApp({ pve });
  worker = await startWorker({
    database: app.database.handle,
    pve,
    log: createLogger('silent'),
    timings: fastTimings,
    reconcile: false,
  });
  webhooks = await startWebhookDeliverer({
    database: app.database.handle,
    log: createLogger('silent'),
    tickMs: 100,
    retryBaseMs: 100,
    // Long, so a hanging receiver stays hanging through a whole provisioning.
    timeoutMs: 60_000,
  });
  receiver = await startReceiver();
  const a = await app.createUser({ role: 'admin' });
  admin = (await app.login(a.email, a.password)).accessToken;
  const c = await app.createUser();
  customer = { token: (await app.login(c.email, c.password)).accessToken };
});
afterAll(async () => {
  await receiver.close();
  await webhooks.stop();
  await worker.stop(2000);
  await app.close();
  await sim.stop();
});

async function register(path: string, events: string[]) {
  const res = await api(app.baseUrl, 'POST', '/api/admin/webhooks', {
    token: admin,
    body: { url: `${receiver.url}${path}`, events, description: path },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { endpoint: { id: string }; secret: string };
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const at = (path: string) => receiver.received.filter((r) => r.path === path);
const eventsOf = (path: string) =>
  at(path).map((r) => JSON.parse(r.body) as { id: string; type: string; data: any });

describe('webhook endpoints', () => {
  it('are an administrators’ API: the secret is answered once, a customer gets 403', async () => {
    const created = await register('/admin-api', ['user.created']);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const list = await api(app.baseUrl, 'GET', '/api/admin/webhooks', { token: admin });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(created.secret);
    expect(list.body.endpoints.map((e: { id: string }) => e.id)).toContain(created.endpoint.id);
    expect((await api(app.baseUrl, 'GET', '/api/admin/webhooks', { token: customer.token })).status).toBe(
      403,
    );
    const patched = await api(app.baseUrl, 'PATCH', `/api/admin/webhooks/${created.endpoint.id}`, {
      token: admin,
      body: { active: false },
    });
    expect([patched.status, patched.body.endpoint.active]).toEqual([200, false]);
    const bad = await api(app.baseUrl, 'POST', '/api/admin/webhooks', {
      token: admin,
      body: { url: 'ftp://x', events: ['server.nope'] },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['events.0', 'url']);
    const removed = await api(app.baseUrl, 'DELETE', `/api/admin/webhooks/${created.endpoint.id}`, {
      token: admin,
    });
    expect(removed.status).toBe(200);
    expect(
      (
        await api(app.baseUrl, 'GET', `/api/admin/webhooks/${created.endpoint.id}/deliveries`, {
          token: admin,
        })
      ).status,
    ).toBe(404);
  });

  it('receive server.created then server.running, signed with the secret, carrying the event id', async () => {
    const { secret } = await register('/signed', ['server.created', 'server.running']);
    const server = await orderServer({ app, token: customer.token }, 'hook-1');
    await waitForServer({ app, token: customer.token }, server.id, (s) => s.status === 'running');
    await until('both events', () => (at('/signed').length >= 2 ? true : undefined));
    const events = eventsOf('/signed');
    expect(events.map((e) => [e.type, e.data.server.id])).toEqual([
      ['server.created', server.id],
      ['server.running', server.id],
    ]);
    expect(events[1]!.data.server.status).toBe('running');
    const now = Math.floor(Date.now() / 1000);
    for (const r of at('/signed')) {
      const signature = String(r.headers['x-keel-signature']);
      expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifySignature(secret, signature, r.body, now)).toBe(true);
      expect(verifySignature('whsec_wrong', signature, r.body, now)).toBe(false);
      expect(r.headers['x-keel-event-id']).toBe(JSON.parse(r.body).id);
    }
  });

  it('try again after a 500: the receiver gets the event twice with the same id', async () => {
    receiver.answers.set('/flaky', [500, 200]);
    const { endpoint } = await register('/flaky', ['user.created']);
    const user = await app.createUser();
    await until('the second attempt', () => (at('/flaky').length >= 2 ? true : undefined));
    const [first, second] = at('/flaky');
    expect(first!.headers['x-keel-event-id']).toBe(second!.headers['x-keel-event-id']);
    expect(first!.body).toBe(second!.body);
    expect(JSON.parse(first!.body)).toMatchObject({ type: 'user.created', data: { user: { id: user.id } } });
    const deliveries = await until('the delivery marked delivered', async () => {
      const res = await api(app.baseUrl, 'GET', `/api/admin/webhooks/${endpoint.id}/deliveries`, {
        token: admin,
      });
      return res.body.deliveries[0]?.state === 'delivered' ? res.body.deliveries : undefined;
    });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ attempts: 2, lastStatusCode: 200, state: 'delivered' });

    // Retry now: sent once more, same event id.
    const retried = await api(
      app.baseUrl,
      'POST',
      `/api/admin/webhooks/deliveries/${deliveries[0].id}/retry`,
      {
        token: admin,
      },
    );
    expect([retried.status, retried.body.delivery.state]).toEqual([200, 'pending']);
    await until('the retried delivery', () => (at('/flaky').length >= 3 ? true : undefined));
    expect(at('/flaky')[2]!.headers['x-keel-event-id']).toBe(first!.headers['x-keel-event-id']);
  });

  it('never hold up provisioning: servers reach running while a receiver hangs on every event', async () => {
    receiver.answers.set('/hang', ['hang']);
    const { endpoint } = await register('/hang', ['server.created', 'server.running']);
    const stack = { app, token: customer.token };
    const ordered = await Promise.all([orderServer(stack, 'hang-1'), orderServer(stack, 'hang-2')]);
    for (const s of ordered) await waitForServer(stack, s.id, (x) => x.status === 'running');
    // Both servers are running, and not one of this endpoint's deliveries has been answered.
    const rows = await app.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.endpointId, endpoint.id));
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.filter((r) => r.state !== 'pending' || r.lastStatusCode !== null)).toEqual([]);
    expect(receiver.hanging.length).toBeGreaterThanOrEqual(2);
  });
});
