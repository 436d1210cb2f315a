/**
 * The operator console end to end, as a hosting business starts with Keel: Debian's Chromium against
 * Keel started as its own process (API and worker, on a fresh PostgreSQL database) with PVE_URL pointing
 * at the PVE simulator, itself a process of its own.
 *
 * The first administrator signs in with the one-time password Keel prints on its first start, defines
 * the catalogue from what the cluster offers and creates a customer; the customer orders a server and
 * makes an API token; the administrator suspends and unsuspends that server and disables the customer,
 * whose browser is then signed out. Every console page is photographed into test-output/admin-console/
 * and checked with axe-core: no serious or critical violations. With UPDATE_DOCS_SCREENSHOTS=1 the
 * overview and the server page are also written to docs/ for the README.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnKeel, type KeelProcess } from '../hard/helpers/keel-process.ts';
import { api, testJwtSecret } from '../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { startPveProcess, type PveProcess } from '../helpers/pve-process.ts';
import { buildDashboard, chromiumArgs, chromiumPath, repoRoot } from './stack.ts';

const output = resolve(repoRoot, 'test-output/admin-console');
const docs = resolve(repoRoot, 'docs');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const adminEmail = 'ops@hosting.example';
const customer = { email: 'lin@customer.example', name: 'Lin Customer', password: 'lin-first-password' };
const serverName = 'shop-1';
/** Provisioning on the simulator at 50× takes seconds; a loaded machine gets more room. */
const settle = 120_000;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

describe('operator console in Chromium', () => {
  let pve: PveProcess;
  let database: TestDatabase;
  let keel: KeelProcess;
  let browser: Browser;
  let admin: Page;
  let buyer: Page;
  let adminPassword: string;
  let serverPath: string;
  const checked: string[] = [];

  beforeAll(async () => {
    // Keel as its own process serves dist/client, so the dashboard is built there.
    await buildDashboard({ outDir: join(repoRoot, 'dist/client') });
    pve = await startPveProcess({ speed: 50 });
    // A fresh install: migrations only, no catalogue, no accounts.
    database = await createTestDatabase('keel_console_e2e');
    keel = spawnKeel({
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'keel-console-e2e-')),
      PGLITE_PORT: 'off',
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      JWT_SECRET: testJwtSecret,
      LOG_LEVEL: 'info',
      ADMIN_EMAIL: adminEmail,
      PVE_URL: pve.url,
      PVE_TOKEN_ID: pve.tokenId,
      PVE_TOKEN_SECRET: pve.tokenSecret,
      PVE_POLL_MS: '25',
      WORKER_TICK_MS: '100',
      SUSPEND_GRACE_S: '2',
    });
    await keel.ready(60_000);
    const printed = /password\s+(\S+)/.exec(keel.stderr());
    if (!printed) throw new Error(`Keel printed no first administrator:\n${keel.output().slice(-3000)}`);
    adminPassword = printed[1]!;

    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
    // Two browser contexts: two people, each with a cookie jar of their own.
    const open = async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      return page;
    };
    admin = await open();
    buyer = await open();
    mkdirSync(output, { recursive: true });
  }, 240_000);

  afterEach(async ({ task }) => {
    // What each browser showed when a step failed.
    if (task.result?.state !== 'fail') return;
    const step = task.name.replace(/\W+/g, '-').slice(0, 60);
    await admin?.screenshot({ path: join(output, `failed-${step}-admin.png`), fullPage: true });
    await buyer?.screenshot({ path: join(output, `failed-${step}-customer.png`), fullPage: true });
  });

  afterAll(async () => {
    await browser?.close();
    await keel?.stop();
    await pve?.stop();
    await database?.drop();
  });

  /** A full-page screenshot, and axe-core's verdict on the page: no serious or critical violation. */
  async function photographAndCheck(page: Page, name: string) {
    await page.screenshot({ path: join(output, `${name}.png`), fullPage: true });
    // Evaluated through the DevTools protocol: the dashboard's CSP (script-src 'self') stays as it is.
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
      const result = await axe.run();
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes }));
    });
    const grave = violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`,
      );
    expect(grave, `accessibility of ${name}`).toEqual([]);
    checked.push(name);
  }

  const notice = (page: Page, text: string | RegExp) =>
    page.getByRole('region', { name: /^Notifications/ }).getByText(text);

  async function signIn(page: Page, email: string, password: string) {
    await page.goto(`${keel.baseUrl}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname !== '/login');
  }

  /** Picks `option` in the Radix select labelled `label` inside `scope`. */
  async function choose(page: Page, label: string, option: string | RegExp) {
    await page.getByRole('combobox', { name: label }).click();
    await page.getByRole('option', { name: option }).first().click();
  }

  it('lets the first administrator sign in with the password Keel printed, to the overview', async () => {
    await signIn(admin, adminEmail, adminPassword);
    await admin.goto(`${keel.baseUrl}/admin`);
    await admin.getByRole('navigation', { name: 'Operator console' }).waitFor();
    await admin.getByRole('link', { name: 'Overview' }).waitFor();
    // The cluster's nodes, from discovery.
    await admin.getByText('pve1').first().waitFor();
    await photographAndCheck(admin, 'overview');
  });

  it('defines a location, an image from the cluster’s templates, a plan and an IP pool', async () => {
    const page = admin;
    await page.goto(`${keel.baseUrl}/admin/catalogue?tab=locations`);
    await page.getByRole('button', { name: 'New location' }).click();
    let dialog = page.getByRole('dialog', { name: 'New location' });
    await dialog.getByLabel('Name').fill('Frankfurt');
    await dialog.getByLabel('Slug').fill('fra1');
    await dialog.getByLabel('Country').fill('DE');
    // The nodes come from the cluster.
    await dialog.getByRole('checkbox', { name: /^pve1\b/ }).check();
    await dialog.getByRole('button', { name: 'Create location' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: 'Frankfurt' }).first().waitFor();
    await photographAndCheck(page, 'catalogue-locations');

    await page.getByRole('tab', { name: 'Images' }).click();
    await page.getByRole('button', { name: 'New image' }).click();
    dialog = page.getByRole('dialog', { name: 'New image' });
    await dialog.getByLabel('Name').fill('Debian 12');
    await dialog.getByLabel('Slug').fill('debian-12');
    await dialog.getByLabel('OS family').fill('debian');
    // The template is picked from what discovery found on shared storage.
    await choose(page, 'Template for every node', /^9000\b/);
    await dialog.getByRole('button', { name: 'Create image' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: 'Debian 12' }).first().waitFor();
    await photographAndCheck(page, 'catalogue-images');

    await page.getByRole('tab', { name: 'Plans' }).click();
    await page.getByRole('button', { name: 'New plan' }).click();
    dialog = page.getByRole('dialog', { name: 'New plan' });
    await dialog.getByLabel('Name').fill('VPS S');
    await dialog.getByLabel('Slug').fill('vps-s');
    await dialog.getByLabel('vCPU cores').fill('1');
    await dialog.getByLabel('Memory').fill('1024');
    await dialog.getByLabel('Disk').fill('20');
    await dialog.getByLabel('Monthly price').fill('5.00');
    await dialog.getByRole('button', { name: 'Create plan' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: 'VPS S' }).first().waitFor();
    await photographAndCheck(page, 'catalogue-plans');

    await page.getByRole('tab', { name: 'IP pools' }).click();
    await page.getByRole('button', { name: 'New IP pool' }).click();
    dialog = page.getByRole('dialog', { name: 'New IP pool' });
    await choose(page, 'Location', 'Frankfurt');
    await dialog.getByLabel('Network').fill('198.51.100.0/24');
    await dialog.getByLabel('Gateway').fill('198.51.100.1');
    await dialog.getByLabel('DNS servers').fill('198.51.100.53');
    await dialog.getByLabel('First address').fill('198.51.100.10');
    await dialog.getByLabel('Last address').fill('198.51.100.50');
    await dialog.getByRole('button', { name: 'Create IP pool' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('progressbar', { name: /198\.51\.100\.0\/24/ }).waitFor();
    await photographAndCheck(page, 'catalogue-ip-pools');

    // What the console made is what the API holds.
    const token = (
      await api(keel.baseUrl, 'POST', '/api/login', { body: { email: adminEmail, password: adminPassword } })
    ).body.accessToken as string;
    const images = (await api(keel.baseUrl, 'GET', '/api/admin/images', { token })).body.images;
    expect(images).toEqual([expect.objectContaining({ slug: 'debian-12', pveTemplates: { '*': 9000 } })]);
    const locations = (await api(keel.baseUrl, 'GET', '/api/admin/locations', { token })).body.locations;
    expect(locations).toEqual([expect.objectContaining({ slug: 'fra1', pveNodes: ['pve1'] })]);
  });

  it('creates a customer with a password', async () => {
    const page = admin;
    await page
      .getByRole('navigation', { name: 'Operator console' })
      .getByRole('link', { name: 'Customers' })
      .click();
    await page.getByRole('button', { name: 'New customer' }).click();
    const dialog = page.getByRole('dialog', { name: 'New customer' });
    await dialog.getByLabel('Email').fill(customer.email);
    await dialog.getByLabel('Name').fill(customer.name);
    await dialog.getByLabel('Password').fill(customer.password);
    await dialog.getByRole('button', { name: 'Create account' }).click();
    const created = page.getByRole('dialog', { name: `${customer.email} is created` });
    await created.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('link', { name: customer.email }).first().waitFor();
    await photographAndCheck(page, 'customers');
  });

  it('lets the customer sign in and order a server, which comes up', async () => {
    const page = buyer;
    await signIn(page, customer.email, customer.password);
    await page.getByRole('heading', { level: 1, name: 'Servers' }).waitFor();
    await page
      .getByRole('button', { name: /Create (your first )?server/ })
      .first()
      .click();
    const dialog = page.getByRole('dialog', { name: 'Create a server' });
    await dialog.getByLabel('Name', { exact: true }).fill(serverName);
    await dialog.getByRole('radio', { name: /VPS S/ }).check();
    await choose(page, 'Image', 'Debian 12');
    await choose(page, 'Location', 'Frankfurt');
    await dialog.getByRole('button', { name: 'Create server' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('link', { name: serverName }).click();
    await page.getByRole('heading', { level: 1, name: serverName }).waitFor();
    serverPath = new URL(page.url()).pathname;
    await page
      .getByText(/^198\.51\.100\.\d+$/)
      .first()
      .waitFor({ timeout: settle });
    await expect
      .poll(() => page.getByRole('button', { name: 'Reboot' }).isEnabled(), { timeout: settle })
      .toBe(true);
  });

  it('lets the customer make an API token whose secret is shown once and works', async () => {
    const page = buyer;
    await page.goto(`${keel.baseUrl}/account?tab=tokens`);
    await page.getByRole('tab', { name: 'API tokens', selected: true }).waitFor();
    await page.getByRole('button', { name: 'Create token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create an API token' });
    await dialog.getByLabel('Name').fill('deploy script');
    await dialog.getByRole('checkbox', { name: /^Write/ }).check();
    await choose(page, 'Expires after', '30 days');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByRole('dialog', { name: 'Token deploy script created' });
    const secret = (await shown.getByLabel('Token secret').textContent())!.trim();
    expect(secret).toMatch(/^keel_/);
    await expect(shown.getByRole('alert').textContent()).resolves.toContain('shown only this once');
    await photographAndCheck(page, 'account-token-created');
    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });
    await page.getByRole('row', { name: /deploy script/ }).waitFor();
    await expect(page.content()).resolves.not.toContain(secret);
    await photographAndCheck(page, 'account-tokens');
    // The secret is a working credential for the API.
    const me = await api(keel.baseUrl, 'GET', '/api/users/me', { token: secret });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(customer.email);
  });

  it('lets the administrator find the server and suspend it; the customer sees why and can act no more', async () => {
    const page = admin;
    await page
      .getByRole('navigation', { name: 'Operator console' })
      .getByRole('link', { name: 'Servers' })
      .click();
    await page.getByRole('link', { name: serverName }).first().click();
    await page.getByRole('heading', { name: serverName }).first().waitFor();
    await page.getByText(customer.email).first().waitFor();
    await photographAndCheck(page, 'server');
    if (process.env.UPDATE_DOCS_SCREENSHOTS === '1')
      copyFileSync(join(output, 'server.png'), join(docs, 'console-server.png'));

    await page.getByRole('button', { name: 'Suspend', exact: true }).click();
    const confirm = page.getByRole('alertdialog', { name: `Suspend ${serverName}?` });
    await confirm.getByLabel('Reason').fill('Invoice 1042 is unpaid');
    await confirm.getByRole('button', { name: 'Suspend server' }).click();
    await confirm.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Unsuspend' }).waitFor({ timeout: settle });

    await buyer.goto(`${keel.baseUrl}${serverPath}`);
    await buyer
      .getByText(/suspended by your provider/i)
      .first()
      .waitFor({ timeout: settle });
    for (const action of ['Start', 'Shut down', 'Reboot', 'Force stop', 'Terminate'])
      await expect(
        buyer.getByRole('button', { name: action, exact: true }).isDisabled(),
        action,
      ).resolves.toBe(true);
    await buyer.screenshot({ path: join(output, 'customer-suspended.png'), fullPage: true });
  });

  it('lets the administrator unsuspend it; the customer can act again', async () => {
    await admin.getByRole('button', { name: 'Unsuspend' }).click();
    await notice(admin, /no longer suspended/).waitFor();
    await buyer.reload();
    await expect
      .poll(() => buyer.getByRole('button', { name: 'Reboot' }).isEnabled(), { timeout: settle })
      .toBe(true);
    await expect(buyer.getByText(/suspended by your provider/i).count()).resolves.toBe(0);
  });

  it('shows the audit log and the webhooks page', async () => {
    const nav = admin.getByRole('navigation', { name: 'Operator console' });
    await nav.getByRole('link', { name: 'Audit log' }).click();
    // The operator's suspension is in the log.
    await admin
      .getByRole('cell', { name: /server\.suspend/ })
      .first()
      .waitFor();
    await photographAndCheck(admin, 'audit-log');
    await nav.getByRole('link', { name: 'Webhooks' }).click();
    await admin.getByRole('heading', { name: 'Webhooks' }).first().waitFor();
    await photographAndCheck(admin, 'webhooks');
    await nav.getByRole('link', { name: 'Servers' }).click();
    await admin.getByRole('link', { name: serverName }).first().waitFor();
    await photographAndCheck(admin, 'servers');
    // The overview again, now with a customer's server on the cluster: the README's picture.
    await nav.getByRole('link', { name: 'Overview' }).click();
    await admin.getByRole('heading', { name: 'Servers by status' }).waitFor();
    await admin.getByRole('link', { name: /Running\s*1/ }).waitFor();
    await admin.getByText('Every VM on the cluster belongs to a Keel server.').waitFor();
    await photographAndCheck(admin, 'overview-with-a-server');
    if (process.env.UPDATE_DOCS_SCREENSHOTS === '1')
      copyFileSync(join(output, 'overview-with-a-server.png'), join(docs, 'console-overview.png'));
  });

  it('lets the administrator disable the customer, whose browser is signed out', async () => {
    const page = admin;
    await page
      .getByRole('navigation', { name: 'Operator console' })
      .getByRole('link', { name: 'Customers' })
      .click();
    await page.getByRole('link', { name: customer.email }).first().click();
    await page.getByRole('button', { name: 'Disable account' }).click();
    const confirm = page.getByRole('alertdialog', { name: `Disable ${customer.email}?` });
    await confirm.getByRole('button', { name: 'Disable account' }).click();
    await confirm.waitFor({ state: 'detached' });
    await page.getByText('Disabled', { exact: true }).first().waitFor();
    await photographAndCheck(page, 'customer');

    // The customer's next request is refused and the dashboard sends them to sign in.
    await buyer.getByRole('link', { name: 'Account' }).click();
    await buyer.waitForURL(/\/login/, { timeout: 30_000 });
    await buyer.getByRole('heading', { name: 'Sign in' }).waitFor();
    // And signing in again says why.
    await buyer.getByLabel('Email').fill(customer.email);
    await buyer.getByLabel('Password').fill(customer.password);
    await buyer.getByRole('button', { name: 'Sign in' }).click();
    await buyer
      .getByText(/disabled/i)
      .first()
      .waitFor();
    await buyer.screenshot({ path: join(output, 'customer-disabled.png'), fullPage: true });
    expect(checked).toEqual(
      expect.arrayContaining([
        'overview',
        'catalogue-images',
        'customers',
        'server',
        'audit-log',
        'webhooks',
      ]),
    );
  });
});
