// The VNC console as PVE serves it: qemu-server Qemu.pm vncproxy / vncwebsocket, qm.pm vncproxy,
// pve-access-control AccessControl.pm assemble_vnc_ticket / verify_vnc_ticket, pve-common Ticket.pm
// generate_vnc_password, pve-http-server AnyEvent.pm handle_api2_request / websocket_proxy, and
// QEMU's VNC server (RFB 3.8, VNC authentication) behind it.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPveSim, type PveSim } from './index.ts';
import { pveClient } from './test-client.ts';
import { VNC_ACCEPT_TIMEOUT_MS } from './api/vnc.ts';
import { BACKGROUND, NAME_ORIGIN, SCALE, TEXT, bootScreen, pixelAt } from './vnc/screen.ts';
import {
  NOVNC_FORMAT,
  handshake,
  openVncSocket,
  readUpdate,
  requestUpdate,
  setEncodings,
  setPixelFormat,
  tokenHeaders,
  vncProxy,
  vncWebsocketUrl,
} from './vnc/rfb-test-client.ts';

let sim: PveSim;
let pve: ReturnType<typeof pveClient>;
const VMID = 700;

beforeAll(async () => {
  sim = await startPveSim({ port: 0, http: true, speed: 100 });
  pve = pveClient(sim);
  await pve.cloneAndWait(9001, VMID, { name: 'web-01' });
  await pve.runTask('POST', `/nodes/pve1/qemu/${VMID}/status/start`);
  await pve.cloneAndWait(9001, 701, { name: 'stopped-01' });
});
afterAll(async () => {
  await sim.stop();
});

const consoles = () => sim.sim.state().consoles;

describe('POST vncproxy (Qemu.pm vncproxy)', () => {
  it('websocket=1: a vncproxy task listening on the first free port, a password and `<password>:PVEVNC:…` ticket', async () => {
    const answer = await vncProxy(sim, 'pve1', VMID);
    expect(answer.port).toBeGreaterThanOrEqual(5900);
    expect(answer.port).toBeLessThan(6000);
    expect(answer.user).toBe('root@pam!keel');
    // generate_vnc_password: 8 characters from '!' to '`'.
    expect(answer.password).toMatch(/^[!-`]{8}$/);
    expect(answer.ticket.startsWith(`${answer.password}:PVEVNC:`)).toBe(true);
    expect(answer.ticket).toMatch(/^.{8}:PVEVNC:[0-9A-F]{8}::[A-Za-z0-9+/=]+$/);
    expect(answer.cert).toContain('-----BEGIN CERTIFICATE-----');
    expect(answer.upid).toMatch(
      new RegExp(`^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:vncproxy:${VMID}:root@pam!keel:$`),
    );
    const task = await pve.get(`/nodes/pve1/tasks/${encodeURIComponent(answer.upid)}/status`);
    expect(task.body.data).toMatchObject({ status: 'running', type: 'vncproxy', id: String(VMID) });
    expect(consoles()).toContainEqual(
      expect.objectContaining({ vmid: VMID, port: answer.port, state: 'listening' }),
    );
    // A second call gets the next port while the first is still listening.
    const second = await vncProxy(sim, 'pve1', VMID);
    expect(second.port).not.toBe(answer.port);
    expect(JSON.stringify(consoles())).not.toContain(answer.password);
  });

  it('checks only that the VM exists: a stopped VM gets a ticket; a missing one is refused', async () => {
    const answer = await vncProxy(sim, 'pve1', 701);
    expect(answer.password).toMatch(/^[!-`]{8}$/);
    const missing = await pve.post('/nodes/pve1/qemu/799/vncproxy', { websocket: 1 });
    expect([missing.status, missing.reason]).toEqual([
      500,
      "Configuration file 'nodes/pve1/qemu-server/799.conf' does not exist",
    ]);
  });
});

describe('vncwebsocket and the RFB session behind it', () => {
  it('a real RFB 3.8 exchange: VNC authentication with the password, ServerInit, a Raw boot screen in the client format', async () => {
    const answer = await vncProxy(sim, 'pve1', VMID);
    const { ws, stream } = await openVncSocket(vncWebsocketUrl(sim, 'pve1', VMID, answer), tokenHeaders(sim));
    expect(ws.protocol).toBe('binary');
    const init = await handshake(ws, stream, answer.password ?? '');
    // QEMU's ServerInit: its 32-bit xRGB format and "QEMU (<name>)".
    expect(init).toMatchObject({ width: 800, height: 600, name: 'QEMU (web-01)' });
    expect(init.format).toMatchObject({
      bpp: 32,
      depth: 24,
      trueColour: true,
      redShift: 16,
      greenShift: 8,
      blueShift: 0,
    });
    setPixelFormat(ws, NOVNC_FORMAT);
    setEncodings(ws, [0, -223, -224, -258, -307]);
    requestUpdate(ws, false, 800, 600);
    const rects = await readUpdate(stream, 4);
    expect(rects).toHaveLength(1);
    expect(rects[0]).toMatchObject({ x: 0, y: 0, width: 800, height: 600, encoding: 0 });
    const pixels = rects[0]?.pixels ?? Buffer.alloc(0);
    const at = (x: number, y: number) => {
      const i = (y * 800 + x) * 4;
      return [pixels[i], pixels[i + 1], pixels[i + 2]]; // red at bit 0 as asked
    };
    const screen = bootScreen('web-01', VMID, 'pve1');
    expect(at(0, 0)).toEqual(BACKGROUND);
    // The first column of the "W" glyph is a stroke from top to bottom.
    expect(at(NAME_ORIGIN.x + 1, NAME_ORIGIN.y + SCALE)).toEqual(TEXT);
    for (const [x, y] of [
      [5, 5],
      [NAME_ORIGIN.x + 2, NAME_ORIGIN.y + 2],
      [400, 300],
      [799, 599],
    ] as const)
      expect(at(x, y)).toEqual(pixelAt(screen, x, y));
    // Frames are binary and at most 128 KiB, as websocket_proxy sends them.
    expect(stream.frames).toBeGreaterThan(14);

    // Keys, pointer and clipboard are read and counted; an incremental request waits for a change.
    ws.send(Buffer.from([4, 1, 0, 0, 0, 0, 0xff, 0x0d]));
    ws.send(Buffer.from([5, 0, 0, 10, 0, 20]));
    const cut = Buffer.alloc(8 + 2);
    cut.writeUInt8(6, 0);
    cut.writeUInt32BE(2, 4);
    cut.write('hi', 8);
    ws.send(cut);
    requestUpdate(ws, true, 800, 600);
    await expect
      .poll(() => consoles().find((c) => c.port === answer.port))
      .toMatchObject({
        state: 'connected',
        keyEvents: 1,
        pointerEvents: 1,
        clipboardEvents: 1,
        updatesSent: 1,
      });
    expect(stream.pending).toBe(0);
    ws.close();
    const task = await pve.waitTask(answer.upid);
    expect(task.exitstatus).toBe('OK');
    expect(consoles().some((c) => c.port === answer.port)).toBe(false);
  });

  it('the ticket itself also authenticates: VNC authentication uses its first 8 characters, the password', async () => {
    const answer = await vncProxy(sim, 'pve1', VMID);
    const { ws, stream } = await openVncSocket(vncWebsocketUrl(sim, 'pve1', VMID, answer), tokenHeaders(sim));
    await expect(handshake(ws, stream, answer.ticket)).resolves.toMatchObject({ width: 800 });
    ws.close();
  });

  it('a wrong password: SecurityResult 1 with "Authentication failed", then the connection closes', async () => {
    const answer = await vncProxy(sim, 'pve1', VMID);
    const { ws, stream } = await openVncSocket(vncWebsocketUrl(sim, 'pve1', VMID, answer), tokenHeaders(sim));
    await expect(handshake(ws, stream, 'wrongpwd')).rejects.toMatchObject({
      reason: 'Authentication failed',
    });
    await stream.waitClosed();
  });

  it('the ticket is bound to user, VM and port: anything else is a 401 without an upgrade', async () => {
    const answer = await vncProxy(sim, 'pve1', VMID);
    const otherPort = vncWebsocketUrl(sim, 'pve1', VMID, { ...answer, port: answer.port + 1 });
    await expect(openVncSocket(otherPort, tokenHeaders(sim))).rejects.toMatchObject({
      status: 401,
      reason: 'permission denied - invalid PVEVNC ticket',
    });
    await expect(
      openVncSocket(vncWebsocketUrl(sim, 'pve1', 701, answer), tokenHeaders(sim)),
    ).rejects.toMatchObject({
      status: 401,
    });
    // The same ticket from another user (a root@pam ticket instead of the token) is refused too.
    const login = await pve.call('POST', '/access/ticket', {
      params: { username: sim.username, password: sim.password },
    });
    const cookie = `PVEAuthCookie=${encodeURIComponent(String((login.body.data as { ticket: string }).ticket))}`;
    await expect(
      openVncSocket(vncWebsocketUrl(sim, 'pve1', VMID, answer), { Cookie: cookie }),
    ).rejects.toMatchObject({
      status: 401,
    });
    // Without credentials pveproxy's auth_handler refuses first: an empty 401.
    await expect(openVncSocket(vncWebsocketUrl(sim, 'pve1', VMID, answer), {})).rejects.toMatchObject({
      status: 401,
      reason: 'No ticket',
    });
  });

  it('a ticket user gets a ticket for its own name and connects with its cookie', async () => {
    const login = await pve.call('POST', '/access/ticket', {
      params: { username: sim.username, password: sim.password },
    });
    const data = login.body.data as { ticket: string; CSRFPreventionToken: string };
    const cookie = `PVEAuthCookie=${encodeURIComponent(data.ticket)}`;
    const res = await pve.call('POST', `/nodes/pve1/qemu/${VMID}/vncproxy`, {
      params: { websocket: 1 },
      headers: { Authorization: '', Cookie: cookie, CSRFPreventionToken: data.CSRFPreventionToken },
    });
    const answer = res.body.data as {
      port: number;
      ticket: string;
      password: string;
      user: string;
      upid: string;
      cert: string;
    };
    expect(answer.user).toBe('root@pam');
    const { ws, stream } = await openVncSocket(vncWebsocketUrl(sim, 'pve1', VMID, answer), {
      Cookie: cookie,
    });
    await expect(handshake(ws, stream, answer.password)).resolves.toMatchObject({ name: 'QEMU (web-01)' });
    ws.close();
  });

  it('the proxy accepts one connection: a second WebSocket to its port gets no answer at all', async () => {
    const answer = await vncProxy(sim, 'pve1', VMID);
    const first = await openVncSocket(vncWebsocketUrl(sim, 'pve1', VMID, answer), tokenHeaders(sim));
    await expect(
      openVncSocket(vncWebsocketUrl(sim, 'pve1', VMID, answer), tokenHeaders(sim)),
    ).rejects.toThrow(/socket hang up|ECONNRESET/);
    first.ws.close();
  });

  it('GET vncwebsocket without an Upgrade header is an ordinary call answering the port', async () => {
    const answer = await vncProxy(sim, 'pve1', VMID);
    const res = await pve.get(`/nodes/pve1/qemu/${VMID}/vncwebsocket`, {
      port: answer.port,
      vncticket: answer.ticket,
    });
    expect([res.status, res.body.data]).toEqual([200, { port: String(answer.port) }]);
  });

  it('upgrade checks come after the handler: a wrong websocket version is a plain 500', async () => {
    const answer = await vncProxy(sim, 'pve1', VMID);
    const url = new URL(vncWebsocketUrl(sim, 'pve1', VMID, answer).replace(/^ws/, 'http'));
    const res = await new Promise<{ status: number; reason: string }>((resolve, reject) => {
      const req = request(url, {
        headers: {
          ...tokenHeaders(sim),
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '8',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      req.on('response', (r) => {
        r.resume();
        resolve({ status: r.statusCode ?? 0, reason: r.statusMessage ?? '' });
      });
      req.on('error', reject);
      req.end();
    });
    expect(res).toEqual({ status: 500, reason: "unsupported websocket-version '8'" });
  });

  it('a stopped VM: the socket opens, then closes; the task fails "Failed to run vncproxy." after "VM N not running"', async () => {
    const answer = await vncProxy(sim, 'pve1', 701);
    const { stream } = await openVncSocket(vncWebsocketUrl(sim, 'pve1', 701, answer), tokenHeaders(sim));
    await stream.waitClosed();
    expect(stream.pending).toBe(0);
    const task = await pve.waitTask(answer.upid);
    expect(task.exitstatus).toBe('Failed to run vncproxy.');
    const log = await pve.get(`/nodes/pve1/tasks/${encodeURIComponent(answer.upid)}/log`);
    expect((log.body.data as { t: string }[]).map((l) => l.t)).toEqual([
      'VM 701 not running',
      'TASK ERROR: Failed to run vncproxy.',
    ]);
  });

  it('the VM stopping drops its console; the task ends OK', async () => {
    await pve.cloneAndWait(9001, 702, { name: 'stops-01' });
    await pve.runTask('POST', '/nodes/pve1/qemu/702/status/start');
    const answer = await vncProxy(sim, 'pve1', 702);
    const { ws, stream } = await openVncSocket(vncWebsocketUrl(sim, 'pve1', 702, answer), tokenHeaders(sim));
    await handshake(ws, stream, answer.password ?? '');
    await pve.runTask('POST', '/nodes/pve1/qemu/702/status/stop');
    await stream.waitClosed();
    expect((await pve.waitTask(answer.upid)).exitstatus).toBe('OK');
  });

  it("a non-shared ClientInit drops the VM's other consoles (QEMU share policy allow-exclusive)", async () => {
    const a = await vncProxy(sim, 'pve1', VMID);
    const first = await openVncSocket(vncWebsocketUrl(sim, 'pve1', VMID, a), tokenHeaders(sim));
    await handshake(first.ws, first.stream, a.password ?? '');
    const b = await vncProxy(sim, 'pve1', VMID);
    const second = await openVncSocket(vncWebsocketUrl(sim, 'pve1', VMID, b), tokenHeaders(sim));
    await handshake(second.ws, second.stream, b.password ?? '', false);
    await first.stream.waitClosed();
    expect(second.stream.closed).toBe(false);
    second.ws.close();
  });

  it(
    'nobody connecting within 10 s ends the task with "connection timed out" and frees the port',
    async () => {
      const answer = await vncProxy(sim, 'pve1', VMID);
      const task = await pve.waitTask(answer.upid, VNC_ACCEPT_TIMEOUT_MS + 10_000);
      expect(task.exitstatus).toBe('connection timed out');
      expect(consoles().some((c) => c.port === answer.port && c.upid === answer.upid)).toBe(false);
    },
    VNC_ACCEPT_TIMEOUT_MS + 20_000,
  );
});
