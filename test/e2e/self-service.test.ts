/**
 * The customer's self-service on the server page, in Debian's Chromium against the real stack (the
 * simulator served over plain HTTP, the worker, the built dashboard): the console draws the
 * simulator's boot screen, the graphs draw, the root password is shown once, a snapshot is taken and
 * rolled back, and the server is reinstalled with another image. Screenshots go to test-output/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, servers } from '../../src/server/db/schema.ts';
import { activeJobOf } from '../../src/server/jobs/queue.ts';
import { bootScreen, pixelAt } from '../../testbed/pve/vnc/screen.ts';
import { api } from '../helpers/app.ts';
import { buildDashboard, chromiumArgs, chromiumPath, startStack, type Stack } from './stack.ts';

const screenshots = resolve(import.meta.dirname, '../../test-output');

describe('self-service in Chromium', () => {
  let clientDir: string;
  let stack: Stack;
  let profileDir: string;
  let context: BrowserContext;
  let page: Page;
  let token: string;
  let serverId: string;
  const serverName = 'self-1';

  const db = () => stack.database.handle.db;
  const apiServer = async () =>
    (await api(stack.baseUrl, 'GET', `/api/servers/${serverId}`, { token })).body.server;
  /** Until the worker has finished whatever the last request queued (a loop: beforeAll uses it too). */
  async function settled(timeoutMs = 90_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const idle = (await activeJobOf(db(), serverId)) === undefined;
      const status = (await apiServer()).status as string;
      if (idle && status === 'running') return;
      if (Date.now() > deadline) throw new Error(`the server is still ${status}${idle ? '' : ' with a job'}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const eventKinds = async () =>
    (
      await db()
        .select({ kind: auditEvents.kind })
        .from(auditEvents)
        .where(eq(auditEvents.serverId, serverId))
    ).map((e) => e.kind);

  beforeAll(async () => {
    clientDir = await buildDashboard();
    stack = await startStack({ clientDir, simSpeed: 50 });
    const login = await api(stack.baseUrl, 'POST', '/api/login', {
      body: { email: stack.user.email, password: stack.user.password },
    });
    token = login.body.accessToken as string;
    const catalog = (await api(stack.baseUrl, 'GET', '/api/catalog', { token })).body;
    const debian = catalog.images.find((i: { slug: string }) => i.slug === 'debian-12');
    const ordered = await api(stack.baseUrl, 'POST', '/api/servers', {
      token,
      body: {
        name: serverName,
        planId: catalog.plans[0].id,
        imageId: debian.id,
        locationId: catalog.locations[0].id,
      },
    });
    expect(ordered.status).toBe(202);
    serverId = ordered.body.server.id;
    await settled();

    profileDir = mkdtempSync(join(tmpdir(), 'keel-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumArgs,
      viewport: { width: 1280, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30_000);
    mkdirSync(screenshots, { recursive: true });
    await page.goto(`${stack.baseUrl}/servers/${serverId}`);
    await page.waitForURL(/\/login/);
    await page.getByLabel('Email').fill(stack.user.email);
    await page.getByLabel('Password').fill(stack.user.password);
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('heading', { level: 1, name: serverName }).waitFor();
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await stack?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    if (clientDir) rmSync(clientDir, { recursive: true, force: true });
  });

  it("opens the console and draws the simulator's boot screen on the canvas", async () => {
    const [row] = await db().select().from(servers).where(eq(servers.id, serverId));
    const expected = bootScreen(row!.name, row!.pveVmid!, row!.pveNode!);
    // Pixels of the name, the accent bar and the background, spread over the screen's top half.
    const samples: [number, number][] = [
      [5, 5],
      [799, 0],
      [400, 300],
    ];
    for (let y = 40; y < 200 && samples.length < 12; y += 3)
      for (let x = 30; x < 780 && samples.length < 12; x += 7) {
        const [r, g, b] = pixelAt(expected, x, y);
        const [br, bg, bb] = pixelAt(expected, 5, 5);
        if (r !== br || g !== bg || b !== bb) samples.push([x, y]);
      }
    expect(samples.length).toBe(12);

    await page.getByRole('tab', { name: 'Console' }).click();
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText(`Connected to QEMU (${serverName})`).waitFor();
    const canvas = page.getByTestId('console-screen').locator('canvas');
    await expect
      .poll(() => canvas.evaluate((c: HTMLCanvasElement) => [c.width, c.height]))
      .toEqual([800, 600]);
    const read = () =>
      canvas.evaluate((c: HTMLCanvasElement, points: [number, number][]) => {
        const ctx = c.getContext('2d')!;
        return points.map(([x, y]) => [...ctx.getImageData(x, y, 1, 1).data.slice(0, 3)]);
      }, samples);
    await expect.poll(read, { timeout: 15_000 }).toEqual(samples.map(([x, y]) => pixelAt(expected, x, y)));
    await page.screenshot({ path: join(screenshots, 'server-console.png'), fullPage: true });
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByRole('button', { name: 'Reconnect' }).waitFor();
  });

  it('draws the usage graphs', async () => {
    await page.getByRole('tab', { name: 'Usage' }).click();
    const cpu = page.getByTestId('usage-chart-cpu').locator('canvas');
    await cpu.waitFor();
    await expect
      .poll(() =>
        cpu.evaluate((canvas: HTMLCanvasElement) => {
          const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
          let drawn = 0;
          for (let i = 0; i < data.length; i += 4)
            if (data[i + 3]! > 0 && (data[i]! < 250 || data[i + 1]! < 250 || data[i + 2]! < 250)) drawn++;
          return drawn;
        }),
      )
      .toBeGreaterThan(200);
  });

  it('resets the root password and shows it once', async () => {
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Reset root password…' }).click();
    const dialog = page.getByRole('dialog', { name: `Reset the root password of ${serverName}` });
    await dialog.getByRole('button', { name: 'Reset root password' }).click();
    const shown = page.getByRole('dialog', { name: 'The new root password' });
    const password = (await shown.getByTestId('root-password').textContent())!.trim();
    expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
    await page.screenshot({ path: join(screenshots, 'server-root-password.png') });
    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });
    await expect(page.getByText(password).count()).resolves.toBe(0);
    await settled();
    expect(await eventKinds()).toContain('server.root_password_set');
    // Keel kept no copy: the password is in no log line.
    expect(stack.logLines.some((line) => line.includes(password))).toBe(false);
  });

  it('takes a snapshot and rolls back to it', async () => {
    await page.getByRole('tab', { name: 'Snapshots' }).click();
    await page.getByLabel('Snapshot name').fill('e2e-snap');
    await page.getByRole('button', { name: 'Take snapshot' }).click();
    const rollBack = page.getByRole('button', { name: 'Roll back e2e-snap' });
    await rollBack.waitFor();
    await expect.poll(() => rollBack.isEnabled(), { timeout: 60_000 }).toBe(true);
    await page.getByText('1 of 3 allowed by the plan').waitFor();
    await rollBack.click();
    const confirm = page.getByRole('alertdialog', { name: 'Roll back to e2e-snap?' });
    await confirm.getByRole('button', { name: 'Roll back' }).click();
    await confirm.waitFor({ state: 'detached' });
    await settled();
    await expect
      .poll(eventKinds)
      .toEqual(expect.arrayContaining(['snapshot.created', 'snapshot.rolled_back']));
    await expect.poll(() => rollBack.isEnabled(), { timeout: 30_000 }).toBe(true);
    await page.screenshot({ path: join(screenshots, 'server-snapshots.png'), fullPage: true });
  });

  it('reinstalls the server with another image, confirmed by its name', async () => {
    const [before] = await db().select().from(servers).where(eq(servers.id, serverId));
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Reinstall…' }).click();
    const dialog = page.getByRole('alertdialog', { name: `Reinstall ${serverName}?` });
    await dialog.getByRole('combobox', { name: 'Image' }).click();
    await page.getByRole('option', { name: 'Ubuntu 24.04 LTS' }).click();
    const submit = dialog.getByRole('button', { name: 'Reinstall server' });
    await expect(submit.isDisabled()).resolves.toBe(true);
    await dialog.getByLabel(`Type ${serverName} to confirm`).fill(serverName);
    await submit.click();
    await dialog.waitFor({ state: 'detached' });
    await settled(120_000);
    await page.getByText('Ubuntu 24.04 LTS · Simulated lab').waitFor();
    const [after] = await db()
      .select()
      .from(servers)
      .where(and(eq(servers.id, serverId), eq(servers.status, 'running')));
    expect(after!.ipAddress).toBe(before!.ipAddress);
    expect(after!.pveVmid).not.toBe(before!.pveVmid);
    await page.screenshot({ path: join(screenshots, 'server-settings.png'), fullPage: true });
  });
});
