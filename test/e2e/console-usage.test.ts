/**
 * The server page's Usage tab in Debian's Chromium against the real stack: the usage graphs draw.
 * Screenshots go to test-output/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/app.ts';
import { buildDashboard, chromiumArgs, chromiumPath, startStack, type Stack } from './stack.ts';

const screenshots = resolve(import.meta.dirname, '../../test-output');

describe('console and usage in Chromium', () => {
  let clientDir: string;
  let stack: Stack;
  let profileDir: string;
  let context: BrowserContext;
  let page: Page;
  let serverId: string;

  beforeAll(async () => {
    clientDir = await buildDashboard();
    stack = await startStack({ clientDir, simSpeed: 50 });
    const login = await api(stack.baseUrl, 'POST', '/api/login', {
      body: { email: stack.user.email, password: stack.user.password },
    });
    const token = login.body.accessToken as string;
    const catalog = (await api(stack.baseUrl, 'GET', '/api/catalog', { token })).body;
    const ordered = await api(stack.baseUrl, 'POST', '/api/servers', {
      token,
      body: {
        name: 'vnc-1',
        planId: catalog.plans[0].id,
        imageId: catalog.images[0].id,
        locationId: catalog.locations[0].id,
      },
    });
    serverId = ordered.body.server.id;
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const s = (await api(stack.baseUrl, 'GET', `/api/servers/${serverId}`, { token })).body.server;
      if (s.status === 'running') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    profileDir = mkdtempSync(join(tmpdir(), 'keel-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumArgs,
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    mkdirSync(screenshots, { recursive: true });
    await page.goto(`${stack.baseUrl}/servers/${serverId}`);
    await page.waitForURL(/\/login/);
    await page.getByLabel('Email').fill(stack.user.email);
    await page.getByLabel('Password').fill(stack.user.password);
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('heading', { level: 1, name: 'vnc-1' }).waitFor();
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await stack?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    if (clientDir) rmSync(clientDir, { recursive: true, force: true });
  });

  it('draws the usage graphs', async () => {
    await page.getByRole('tab', { name: 'Usage' }).click();
    const cpu = page.getByTestId('usage-chart-cpu').locator('canvas');
    await cpu.waitFor();
    await expect(page.locator('[data-testid^="usage-chart-"] canvas').count()).resolves.toBe(4);
    // Some pixels of the CPU graph are drawn (not the empty white background).
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
    await page.getByRole('button', { name: 'Week' }).click();
    await expect(page.getByRole('button', { name: 'Week' }).getAttribute('aria-pressed')).resolves.toBe(
      'true',
    );
    await page.screenshot({ path: join(screenshots, 'server-usage.png'), fullPage: true });
  });
});
