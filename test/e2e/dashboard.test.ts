/**
 * The dashboard end to end, as a customer uses it: Debian's Chromium against the real stack (Keel on
 * PostgreSQL, the job worker, the PVE simulator). Sign in, order a server, watch it come up with an IP,
 * reboot it, terminate it. Screenshots go to test-output/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard, chromiumArgs, chromiumPath, startStack, type Stack } from './stack.ts';

const screenshots = resolve(import.meta.dirname, '../../test-output');
/** The simulator runs 20× faster than a real cluster, so a whole provisioning takes seconds. */
const settle = 90_000;

describe('dashboard in Chromium', () => {
  let clientDir: string;
  let stack: Stack;
  let profileDir: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    clientDir = await buildDashboard();
    stack = await startStack({ clientDir });
    profileDir = mkdtempSync(join(tmpdir(), 'keel-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumArgs,
      viewport: { width: 1280, height: 800 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    mkdirSync(screenshots, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await stack?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    if (clientDir) rmSync(clientDir, { recursive: true, force: true });
  });

  /** Notices after an action, in the toasts' region (Radix also announces them for screen readers). */
  const notice = (text: string) =>
    page.getByRole('region', { name: /^Notifications/ }).getByText(text, { exact: false });

  const badge = (name: string) =>
    page
      .getByRole('heading', { level: 1, name })
      .locator('xpath=..')
      .getByText(/^[A-Z][a-z]+$/);

  it('sends a visitor to sign in, then back to the page they asked for', async () => {
    await page.goto(`${stack.baseUrl}/servers/00000000-0000-4000-8000-000000000000`);
    await page.waitForURL(/\/login\?next=/);
    // The address changes before the lazily loaded sign-in page has rendered; waitFor fails the test
    // when its heading does not become visible.
    await page.getByRole('heading', { name: 'Sign in' }).waitFor({ state: 'visible', timeout: 20_000 });
    await page.screenshot({ path: join(screenshots, 'login.png') });

    await page.getByLabel('Email').fill(stack.user.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'The email or password is not correct.',
    );

    await page.getByLabel('Password').fill(stack.user.password);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(/\/servers\/00000000-/);
    await page.getByText('No server with this id exists in your account.').waitFor();
  });

  it('orders a server that appears at once as provisioning', async () => {
    await page.getByRole('link', { name: 'All servers' }).click();
    await page.getByRole('heading', { name: 'No servers yet' }).waitFor();
    await page.getByRole('button', { name: 'Create your first server' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a server' });
    await dialog.getByLabel('Name').fill('Web_1');
    await dialog.getByRole('button', { name: 'Create server' }).click();
    await dialog.getByText(/Name must be a hostname/).waitFor();

    await dialog.getByLabel('Name').fill('web-1');
    await dialog.getByText('VPS M').click();
    await dialog.getByRole('button', { name: 'Create server' }).click();
    await dialog.waitFor({ state: 'detached' });
    await notice('web-1 is being set up.').waitFor();

    const row = page.locator('tr[data-server-row]', { hasText: 'web-1' });
    await expect(row.textContent()).resolves.toMatch(/Provisioning|Running/);
    await expect(row.textContent()).resolves.toContain('2 vCPU');
    await page.screenshot({ path: join(screenshots, 'list-provisioning.png') });
  });

  it('shows provisioning progress, then the server running with an IP', async () => {
    await page.getByRole('link', { name: 'web-1' }).click();
    await page.getByRole('heading', { level: 1, name: 'web-1' }).waitFor();
    await expect(page.getByText('Server web-1 ordered', { exact: false }).count()).resolves.toBe(1);
    if (await page.getByRole('progressbar').isVisible()) {
      await page.screenshot({ path: join(screenshots, 'server-provisioning.png') });
    }

    await badge('web-1').filter({ hasText: 'Running' }).waitFor({ timeout: settle });
    const ip = await page.locator('dt:text-is("IP address") + dd').textContent();
    expect(ip).toMatch(/10\.50\.0\.\d+/);
    await expect(page.getByRole('progressbar').count()).resolves.toBe(0);
    await page.screenshot({ path: join(screenshots, 'server-running.png') });

    // A reload keeps the session through the refresh cookie: no trip to the sign-in page.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'web-1' }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/servers\//);

    await page.getByRole('link', { name: 'All servers' }).click();
    await page.locator('tr[data-server-row]', { hasText: 'Running' }).waitFor();
    await page.screenshot({ path: join(screenshots, 'list.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(screenshots, 'list-phone.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('link', { name: 'web-1' }).click();
  });

  it('reboots the server: buttons follow the state machine and the status changes at once', async () => {
    const actions = page.getByRole('group', { name: 'Server actions' });
    await expect(actions.getByRole('button', { name: 'Start' }).isDisabled()).resolves.toBe(true);
    await actions.getByRole('button', { name: 'Reboot' }).click();
    await notice('web-1 is rebooting.').waitFor();
    await badge('web-1')
      .filter({ hasText: /Rebooting|Running/ })
      .waitFor();
    await expect(actions.getByRole('button', { name: 'Reboot' }).isDisabled()).resolves.toBe(true);
    await badge('web-1').filter({ hasText: 'Running' }).waitFor({ timeout: settle });
    await expect(page.getByText('reboot requested').count()).resolves.toBeGreaterThan(0);
  });

  it('terminates the server only after its name is typed', async () => {
    await page
      .getByRole('group', { name: 'Server actions' })
      .getByRole('button', { name: 'Terminate' })
      .click();
    const dialog = page.getByRole('alertdialog', { name: 'Terminate web-1?' });
    const confirm = dialog.getByRole('button', { name: 'Terminate server' });
    await expect(confirm.isDisabled()).resolves.toBe(true);
    await dialog.getByLabel('Type web-1 to confirm').fill('web-2');
    await expect(confirm.isDisabled()).resolves.toBe(true);
    await dialog.getByLabel('Type web-1 to confirm').fill('web-1');
    await confirm.click();
    await dialog.waitFor({ state: 'detached' });
    await notice('web-1 is being terminated.').waitFor();
    await badge('web-1')
      .filter({ hasText: /Terminating|Terminated/ })
      .waitFor();
    await badge('web-1').filter({ hasText: 'Terminated' }).waitFor({ timeout: settle });
    await expect(page.getByRole('group', { name: 'Server actions' }).count()).resolves.toBe(0);

    await page.getByRole('link', { name: 'All servers' }).click();
    await page.getByRole('heading', { name: 'No servers yet' }).waitFor();
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });
});
