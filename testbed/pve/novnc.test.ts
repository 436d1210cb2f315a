// The real noVNC client (@novnc/novnc's RFB, in Debian's Chromium) against the simulator's
// vncwebsocket, authenticated as PVE's own console page does: the PVEAuthCookie cookie for the
// WebSocket and the vncproxy password for VNC authentication. It must connect and draw the boot screen.
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPveSim, type PveSim } from './index.ts';
import { pveClient } from './test-client.ts';
import { BACKGROUND, NAME_ORIGIN, SCALE, TEXT, bootScreen, pixelAt } from './vnc/screen.ts';
import { vncWebsocketUrl, type VncProxyAnswer } from './vnc/rfb-test-client.ts';

const CHROMIUM = '/usr/bin/chromium';
const NOVNC = dirname(fileURLToPath(import.meta.resolve('@novnc/novnc')));
const PACKAGE_ROOT = dirname(NOVNC);

const PAGE = `<!doctype html>
<html><body style="margin:0">
<div id="screen" style="width:800px;height:600px"></div>
<script type="module">
import RFB from '/novnc/core/rfb.js';
const params = new URLSearchParams(location.search);
window.events = [];
const rfb = new RFB(document.getElementById('screen'), params.get('ws'), {
  credentials: { password: params.get('password') },
  wsProtocols: ['binary'],
});
rfb.addEventListener('connect', () => window.events.push('connect'));
rfb.addEventListener('disconnect', (e) => window.events.push('disconnect:' + e.detail.clean));
rfb.addEventListener('securityfailure', (e) => window.events.push('securityfailure:' + e.detail.reason));
rfb.addEventListener('desktopname', (e) => { window.desktopName = e.detail.name; });
window.rfb = rfb;
</script></body></html>`;

/** Serves the test page and noVNC's ES modules straight from the package. */
function pageServer(): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(PAGE);
      return;
    }
    const file = normalize(join(PACKAGE_ROOT, url.pathname.replace(/^\/novnc\//, '/')));
    if (!url.pathname.startsWith('/novnc/') || !file.startsWith(PACKAGE_ROOT) || !existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/javascript' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let sim: PveSim;
let pages: Server;
let context: BrowserContext;
let page: Page;
let profileDir: string;
let cookie: string;
let csrf: string;
const VMID = 720;

beforeAll(async () => {
  sim = await startPveSim({ port: 0, http: true, speed: 100 });
  const pve = pveClient(sim);
  await pve.cloneAndWait(9001, VMID, { name: 'novnc-01' });
  await pve.runTask('POST', `/nodes/pve1/qemu/${VMID}/status/start`);
  const login = await pve.call('POST', '/access/ticket', {
    params: { username: sim.username, password: sim.password },
  });
  const data = login.body.data as { ticket: string; CSRFPreventionToken: string };
  cookie = data.ticket;
  csrf = data.CSRFPreventionToken;
  pages = await pageServer();
  profileDir = mkdtempSync(join(tmpdir(), 'keel-novnc-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
    viewport: { width: 900, height: 700 },
  });
  await context.addCookies([{ name: 'PVEAuthCookie', value: cookie, url: sim.url }]);
  page = context.pages()[0] ?? (await context.newPage());
}, 120_000);

afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => pages?.close(resolve));
  await sim?.stop();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

/** vncproxy as the console page calls it: with the ticket cookie and its CSRF token. */
async function vncProxy(): Promise<VncProxyAnswer> {
  const res = await pveClient(sim).call('POST', `/nodes/pve1/qemu/${VMID}/vncproxy`, {
    params: { websocket: 1 },
    headers: {
      Authorization: '',
      Cookie: `PVEAuthCookie=${encodeURIComponent(cookie)}`,
      CSRFPreventionToken: csrf,
    },
  });
  expect(res.status).toBe(200);
  return res.body.data as VncProxyAnswer;
}

async function open(answer: VncProxyAnswer, password: string): Promise<void> {
  const { port } = pages.address() as AddressInfo;
  const query = new URLSearchParams({ ws: vncWebsocketUrl(sim, 'pve1', VMID, answer), password });
  await page.goto(`http://127.0.0.1:${port}/?${query.toString()}`);
}

const canvasPixel = (x: number, y: number): Promise<number[]> =>
  page.evaluate(
    ([px, py]) => {
      const canvas = document.querySelector<HTMLCanvasElement>('#screen canvas');
      if (!canvas) return [];
      return [...(canvas.getContext('2d')?.getImageData(px ?? 0, py ?? 0, 1, 1).data ?? [])].slice(0, 3);
    },
    [x, y],
  );

describe('noVNC against vncwebsocket', () => {
  it('connects with the vncproxy password and draws the VM boot screen', async () => {
    const answer = await vncProxy();
    await open(answer, answer.password ?? '');
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { events: string[] }).events), {
        timeout: 15_000,
      })
      .toContain('connect');
    expect(await page.evaluate(() => (window as unknown as { desktopName: string }).desktopName)).toBe(
      'QEMU (novnc-01)',
    );
    await expect.poll(() => canvasPixel(0, 0), { timeout: 15_000 }).toEqual(BACKGROUND);
    const screen = bootScreen('novnc-01', VMID, 'pve1');
    expect(await canvasPixel(NAME_ORIGIN.x + 1, NAME_ORIGIN.y + SCALE)).toEqual(TEXT);
    for (const [x, y] of [
      [NAME_ORIGIN.x + 2, NAME_ORIGIN.y + 2],
      [NAME_ORIGIN.x + 30, NAME_ORIGIN.y + 10],
      [400, 300],
      [799, 599],
    ] as const)
      expect(await canvasPixel(x, y)).toEqual(pixelAt(screen, x, y));
    expect(await page.evaluate(() => document.querySelector('#screen canvas')?.getAttribute('width'))).toBe(
      '800',
    );

    // Keys typed in noVNC reach the server, which ignores them (a key's down and up: 2 events).
    await page.evaluate(() =>
      (window as unknown as { rfb: { sendKey(k: number, c: string): void } }).rfb.sendKey(0x61, 'KeyA'),
    );
    await expect.poll(() => sim.sim.state().consoles.find((c) => c.port === answer.port)?.keyEvents).toBe(2);
    await page.evaluate(() => (window as unknown as { rfb: { disconnect(): void } }).rfb.disconnect());
    expect((await pveClient(sim).waitTask(answer.upid)).exitstatus).toBe('OK');
  });

  it('a wrong password ends in noVNC security failure "Authentication failed"', async () => {
    const answer = await vncProxy();
    await open(answer, 'not-it!!');
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { events: string[] }).events), {
        timeout: 15_000,
      })
      .toContain('securityfailure:Authentication failed');
  });
});
