/**
 * The web console through Keel: a one-time ticket from POST /api/servers/:id/console, then an RFB
 * session over Keel's WebSocket to the simulator's VNC server behind PVE's vncproxy/vncwebsocket
 * (over the pinned TLS connection). Keel authenticates to PVE itself and offers the client security
 * type None; the client here is a plain Node RFB client.
 */
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, consoleSessions, servers } from '../../src/server/db/schema.ts';
import { createLogger } from '../../src/server/logger.ts';
import type { PveClient } from '../../src/server/pve/client.ts';
import { startWorker, type Worker } from '../../src/server/worker/worker.ts';
import { consoleCloseCodes } from '../../src/shared/console.ts';
import { startPveSim, type PveSim } from '../../testbed/pve/index.ts';
import { decodePixelFormat } from '../../testbed/pve/vnc/rfb-server.ts';
import { ByteStream, readUpdate, requestUpdate } from '../../testbed/pve/vnc/rfb-test-client.ts';
import { bootScreen } from '../../testbed/pve/vnc/screen.ts';
import { api, startTestApp, type TestApp } from '../helpers/app.ts';
import { fastTimings, orderServer, pveClientFor, waitForServer } from '../helpers/orchestration.ts';

let sim: PveSim;
let pve: PveClient;
let app: TestApp;
/** A second Keel on the same database, as it runs behind a TLS-terminating proxy. */
let proxied: TestApp;
let worker: Worker;
let alice: { token: string; cookie: string; id: string };
let bob: { token: string };
let serverId: string;
let serverName: string;

beforeAll(async () => {
  // HTTPS with a self-signed certificate: Keel reaches it through its pinned fingerprint.
  sim = await startPveSim({ port: 0, speed: 100 });
  expect(sim.fingerprint).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
  pve = pveClientFor(sim);
  app = await startTestApp({ pve, env: { CONSOLE_CHECK_MS: '100' } });
  proxied = await startTestApp({
    pve,
    database: app.database,
    env: { CONSOLE_CHECK_MS: '100', TRUST_PROXY: '1' },
  });
  worker = await startWorker({
    database: app.database.handle,
    pve,
    log: createLogger('silent'),
    timings: fastTimings,
    reconcile: false,
  });
  const a = await app.createUser();
  const b = await app.createUser();
  alice = { ...(await loginAs(a.email, a.password)), id: a.id };
  bob = await app.login(b.email, b.password).then((l) => ({ token: l.accessToken }));
  const stack = { app, token: alice.token };
  const ordered = await orderServer(stack, 'console-1');
  await waitForServer(stack, ordered.id, (s) => s.status === 'running', 60_000);
  serverId = ordered.id;
  serverName = ordered.name;
}, 120_000);

afterAll(async () => {
  await worker?.stop(2000);
  await proxied?.close();
  await app?.close();
  pve?.close();
  await sim?.stop();
});

async function loginAs(email: string, password: string) {
  const { accessToken, cookie } = await app.login(email, password);
  return { token: accessToken, cookie };
}

const ticketFor = (token: string, id = serverId) =>
  api(app.baseUrl, 'POST', `/api/servers/${id}/console`, { token });

/** Opens Keel's console WebSocket; rejects with the HTTP status and error body when refused. */
function openWs(
  base: string,
  path: string,
  headers: Record<string, string> = { origin: base },
): Promise<{ ws: WebSocket; stream: ByteStream; closed: Promise<{ code: number; reason: string }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${path}`, ['binary'], { headers });
    const stream = new ByteStream(ws);
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      ws.once('close', (code, reason) => done({ code, reason: reason.toString() })),
    );
    ws.once('open', () => resolve({ ws, stream, closed }));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        reject(
          Object.assign(new Error(`HTTP ${res.statusCode}`), {
            status: res.statusCode,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'),
          }),
        ),
      );
    });
    ws.once('error', reject);
  });
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('the WebSocket was accepted');
    },
    (err: { status?: number; body?: any }) => ({ status: err.status, code: err.body?.error?.code }),
  );

/** The client side of RFB 3.8 with security type None, then ClientInit; returns ServerInit. */
async function rfbNone(ws: WebSocket, stream: ByteStream) {
  expect((await stream.read(12)).toString('latin1')).toBe('RFB 003.008\n');
  ws.send(Buffer.from('RFB 003.008\n', 'latin1'));
  const count = (await stream.read(1))[0]!;
  expect([...(await stream.read(count))]).toEqual([1]); // None, and nothing else
  ws.send(Buffer.from([1]));
  expect((await stream.read(4)).readUInt32BE(0)).toBe(0);
  ws.send(Buffer.from([1])); // ClientInit, shared
  const init = await stream.read(24);
  const name = (await stream.read(init.readUInt32BE(20))).toString('utf8');
  return {
    width: init.readUInt16BE(0),
    height: init.readUInt16BE(2),
    format: decodePixelFormat(init, 4),
    name,
  };
}

async function openConsole(token = alice.token) {
  const res = await ticketFor(token);
  expect(res.status).toBe(200);
  const opened = await openWs(app.baseUrl, res.body.path);
  const init = await rfbNone(opened.ws, opened.stream);
  return { ...opened, init };
}

describe('POST /api/servers/:id/console', () => {
  it('gives a one-time ticket, kept only as its hash, good for 30 s', async () => {
    const before = Date.now();
    const res = await ticketFor(alice.token);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['expiresAt', 'path', 'ticket']);
    expect(res.body.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.body.path).toBe(`/api/servers/${serverId}/console/ws?ticket=${res.body.ticket}`);
    const ttl = new Date(res.body.expiresAt).getTime() - before;
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(31_000);
    const [row] = await app.db
      .select()
      .from(consoleSessions)
      .where(eq(consoleSessions.ticketHash, createHash('sha256').update(res.body.ticket).digest('hex')));
    expect(row).toMatchObject({ userId: alice.id, serverId, openedAt: null });
    expect(JSON.stringify(row)).not.toContain(res.body.ticket);
    expect(app.logLines.join('\n')).not.toContain(res.body.ticket);
  });

  it("answers 404 for another customer's server and for an id that names nothing", async () => {
    const other = await ticketFor(bob.token);
    expect([other.status, other.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const none = await ticketFor(alice.token, '00000000-0000-4000-8000-000000000000');
    expect(none.status).toBe(404);
  });

  it('answers 409 while the server is suspended or not running', async () => {
    for (const status of ['suspended', 'stopped'] as const) {
      await app.db.update(servers).set({ status }).where(eq(servers.id, serverId));
      const res = await ticketFor(alice.token);
      expect([res.status, res.body.error.code]).toEqual([409, 'INVALID_STATE']);
      expect(res.body.error.message).toMatch(status === 'suspended' ? /suspended/ : /running/);
    }
    await app.db.update(servers).set({ status: 'running' }).where(eq(servers.id, serverId));
  });

  it('needs a signed-in user', async () => {
    const res = await api(app.baseUrl, 'POST', `/api/servers/${serverId}/console`);
    expect(res.status).toBe(401);
  });
});

describe('the console WebSocket', () => {
  it("reaches the VM's RFB ServerInit through Keel and draws PVE's framebuffer", async () => {
    const { ws, stream, init, closed } = await openConsole();
    expect(init).toMatchObject({ width: 800, height: 600, name: `QEMU (${serverName})` });
    expect(init.format).toMatchObject({ bpp: 32, depth: 24, trueColour: true });
    // A non-incremental update of a strip through the VM's name: the pixels are the simulator's.
    requestUpdate(ws, false, 800, 100);
    const [rect] = await readUpdate(stream, 4);
    const [server] = await app.db.select().from(servers).where(eq(servers.id, serverId));
    const screen = bootScreen(server!.name, server!.pveVmid!, server!.pveNode!);
    expect(rect).toMatchObject({ x: 0, y: 0, width: 800, height: 100 });
    let differing = 0;
    for (const [x, y] of [
      [5, 5],
      [45, 65],
      [60, 80],
      [400, 97],
      [799, 0],
    ] as const) {
      const i = (y * 800 + x) * 4;
      const got = [rect!.pixels[i + 2], rect!.pixels[i + 1], rect!.pixels[i]]; // xRGB little-endian
      const j = (y * screen.width + x) * 3;
      expect(got).toEqual([screen.rgb[j], screen.rgb[j + 1], screen.rgb[j + 2]]);
      if (got.join() !== '16,24,48') differing++;
    }
    expect(differing).toBeGreaterThan(0); // some sampled pixel is text or bar, not all background
    ws.close();
    await closed;
    const kinds = (
      await app.db
        .select({ kind: auditEvents.kind })
        .from(auditEvents)
        .where(eq(auditEvents.serverId, serverId))
    ).map((e) => e.kind);
    expect(kinds).toContain('server.console.opened');
    await expect
      .poll(async () => {
        const rows = await app.db.select().from(auditEvents).where(eq(auditEvents.serverId, serverId));
        return rows.some((e) => e.kind === 'server.console.closed');
      })
      .toBe(true);
  });

  it('takes a ticket once', async () => {
    const res = await ticketFor(alice.token);
    const first = await openWs(app.baseUrl, res.body.path);
    await rfbNone(first.ws, first.stream);
    expect(await refusal(openWs(app.baseUrl, res.body.path))).toEqual({ status: 401, code: 'UNAUTHORIZED' });
    first.ws.close();
    await first.closed;
  });

  it('refuses an expired ticket, a made-up one, one for another server, and none', async () => {
    const res = await ticketFor(alice.token);
    await app.db
      .update(consoleSessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(consoleSessions.ticketHash, createHash('sha256').update(res.body.ticket).digest('hex')));
    expect(await refusal(openWs(app.baseUrl, res.body.path))).toEqual({ status: 401, code: 'UNAUTHORIZED' });
    const fresh = await ticketFor(alice.token);
    const otherServer = `/api/servers/00000000-0000-4000-8000-000000000000/console/ws?ticket=${fresh.body.ticket}`;
    expect(await refusal(openWs(app.baseUrl, otherServer))).toEqual({ status: 401, code: 'UNAUTHORIZED' });
    const madeUp = `/api/servers/${serverId}/console/ws?ticket=${'A'.repeat(43)}`;
    expect(await refusal(openWs(app.baseUrl, madeUp))).toEqual({ status: 401, code: 'UNAUTHORIZED' });
    expect(await refusal(openWs(app.baseUrl, `/api/servers/${serverId}/console/ws`))).toEqual({
      status: 401,
      code: 'UNAUTHORIZED',
    });
    // The fresh ticket was not spent by being shown for the wrong server.
    const ok = await openWs(app.baseUrl, fresh.body.path);
    await rfbNone(ok.ws, ok.stream);
    ok.ws.close();
    await ok.closed;
  });

  it("refuses another site's page before spending the ticket", async () => {
    const res = await ticketFor(alice.token);
    const foreign: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: app.baseUrl.replace('127.0.0.1', 'localhost') },
      { origin: app.baseUrl, 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of foreign)
      expect(await refusal(openWs(app.baseUrl, res.body.path, headers))).toEqual({
        status: 403,
        code: 'FORBIDDEN',
      });
    const ok = await openWs(app.baseUrl, res.body.path, {
      origin: app.baseUrl,
      'sec-fetch-site': 'same-origin',
    });
    await rfbNone(ok.ws, ok.stream);
    ok.ws.close();
    await ok.closed;
  });

  it('works behind a TLS-terminating proxy (TRUST_PROXY=1): the page is https, the socket wss', async () => {
    const host = new URL(proxied.baseUrl).host;
    const behindProxy = { origin: `https://${host}`, 'x-forwarded-proto': 'https' };
    const res = await ticketFor(alice.token);
    const ok = await openWs(proxied.baseUrl, res.body.path, behindProxy);
    const init = await rfbNone(ok.ws, ok.stream);
    expect(init.name).toBe(`QEMU (${serverName})`);
    ok.ws.close();
    await ok.closed;
    // The same headers reaching a Keel that trusts no proxy come from a page of another origin.
    const again = await ticketFor(alice.token);
    expect(
      await refusal(
        openWs(app.baseUrl, again.body.path, {
          ...behindProxy,
          origin: `https://${new URL(app.baseUrl).host}`,
        }),
      ),
    ).toEqual({
      status: 403,
      code: 'FORBIDDEN',
    });
  });

  it('refuses a server that was suspended after its ticket was given, with 409', async () => {
    const res = await ticketFor(alice.token);
    await app.db.update(servers).set({ status: 'suspended' }).where(eq(servers.id, serverId));
    try {
      expect(await refusal(openWs(app.baseUrl, res.body.path))).toEqual({
        status: 409,
        code: 'INVALID_STATE',
      });
    } finally {
      await app.db.update(servers).set({ status: 'running' }).where(eq(servers.id, serverId));
    }
  });

  it('keeps one console per server and user: a second one closes the first', async () => {
    const first = await openConsole();
    const second = await openConsole();
    expect(await first.closed).toEqual({ code: consoleCloseCodes.replaced, reason: expect.any(String) });
    expect(second.ws.readyState).toBe(WebSocket.OPEN);
    // The second still works.
    requestUpdate(second.ws, false, 8, 8);
    expect((await readUpdate(second.stream, 4))[0]).toMatchObject({ width: 8, height: 8 });
    second.ws.close();
    await second.closed;
  });

  it('closes a console whose server leaves running', async () => {
    const open = await openConsole();
    await app.db.update(servers).set({ status: 'suspended' }).where(eq(servers.id, serverId));
    try {
      expect((await open.closed).code).toBe(consoleCloseCodes.serverNotRunning);
    } finally {
      await app.db.update(servers).set({ status: 'running' }).where(eq(servers.id, serverId));
    }
  });

  it('closes a console when its sign-in ends (sign-out)', async () => {
    const user = await app.createUser();
    const session = await loginAs(user.email, user.password);
    const stack = { app, token: session.token };
    const ordered = await orderServer(stack, 'console-2');
    await waitForServer(stack, ordered.id, (s) => s.status === 'running', 60_000);
    const res = await ticketFor(session.token, ordered.id);
    const open = await openWs(app.baseUrl, res.body.path);
    await rfbNone(open.ws, open.stream);
    const out = await api(app.baseUrl, 'POST', '/api/logout', { headers: { cookie: session.cookie } });
    expect(out.status).toBe(200);
    expect((await open.closed).code).toBe(consoleCloseCodes.sessionEnded);
  });
});

describe('a cluster reached over plain HTTP', () => {
  // Without TLS the VNC server's greeting arrives in the same read as PVE's 101, and so before Keel
  // has listened for it: the socket must wait paused, or the handshake waits for a greeting that went by.
  it('still gets the VNC greeting and reaches ServerInit', async () => {
    const plainSim = await startPveSim({ port: 0, http: true, speed: 100 });
    const plainPve = pveClientFor(plainSim);
    const plainApp = await startTestApp({ pve: plainPve });
    const plainWorker = await startWorker({
      database: plainApp.database.handle,
      pve: plainPve,
      log: createLogger('silent'),
      timings: fastTimings,
      reconcile: false,
    });
    try {
      expect(plainSim.url).toMatch(/^http:/);
      const user = await plainApp.createUser();
      const { accessToken } = await plainApp.login(user.email, user.password);
      const stack = { app: plainApp, token: accessToken };
      const ordered = await orderServer(stack, 'console-http');
      await waitForServer(stack, ordered.id, (s) => s.status === 'running', 60_000);
      const res = await api(plainApp.baseUrl, 'POST', `/api/servers/${ordered.id}/console`, {
        token: accessToken,
      });
      expect(res.status).toBe(200);
      const open = await openWs(plainApp.baseUrl, res.body.path);
      const init = await rfbNone(open.ws, open.stream);
      expect(init).toMatchObject({ width: 800, height: 600, name: 'QEMU (console-http)' });
      open.ws.close();
      await open.closed;
    } finally {
      await plainWorker.stop(2000);
      await plainApp.close();
      plainPve.close();
      await plainSim.stop();
    }
  }, 90_000);
});
