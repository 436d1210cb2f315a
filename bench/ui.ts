/**
 * `pnpm bench:ui`: how much JavaScript each kind of user downloads, and how fast the dashboard shows a
 * customer with 1,000 servers. Builds the dashboard, sizes its chunks from the build manifest, starts
 * Keel on a fresh PostgreSQL database with 1,000 servers for one customer and an admin beside them,
 * then in headless Chromium checks which chunks each user's browser really fetches and times
 * navigation → list rendered, several times, for the customer's list and for the operator console's
 * list of every server.
 *
 * Each figure is one function below taking the running `Bench`; a new figure is a new function in
 * `figures`.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { eq } from 'drizzle-orm';
import { chromium, type Browser, type Page } from 'playwright-core';
import { images, locations, plans, servers } from '../src/server/db/schema.ts';
import { createUser } from '../src/server/services/users.ts';
import { buildDashboard, chromiumArgs, chromiumPath, startStack, type Stack } from '../test/e2e/stack.ts';

const serverCount = 1000;
const runs = 5;
const budgetKb = 150;

interface Account {
  email: string;
  password: string;
}

interface Bench {
  chunks: ChunkGraph;
  stack: Stack;
  browser: Browser;
  customer: Account;
  admin: Account;
}

// ---- The build's chunks ------------------------------------------------------------------------

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}

interface ChunkGraph {
  /** Gzipped bytes of each JavaScript file, by its path under the client folder (`assets/x.js`). */
  gzip: Map<string, number>;
  /** The entry chunk and everything it imports statically: what every page load fetches first. */
  initial: Set<string>;
  /** For each lazily loaded module (by source path), the files it adds to `initial`. */
  lazy: Map<string, Set<string>>;
}

function readChunks(clientDir: string): ChunkGraph {
  const manifest = JSON.parse(readFileSync(join(clientDir, '.vite/manifest.json'), 'utf8')) as Record<
    string,
    ManifestChunk
  >;
  const closure = (key: string, into = new Set<string>()): Set<string> => {
    const chunk = manifest[key]!;
    if (into.has(chunk.file)) return into;
    into.add(chunk.file);
    for (const imported of chunk.imports ?? []) closure(imported, into);
    return into;
  };
  const gzip = new Map<string, number>();
  for (const chunk of Object.values(manifest)) {
    if (!chunk.file.endsWith('.js')) continue;
    gzip.set(chunk.file, gzipSync(readFileSync(join(clientDir, chunk.file)), { level: 9 }).length);
  }
  const entryKey = Object.keys(manifest).find((key) => manifest[key]!.isEntry)!;
  const initial = closure(entryKey);
  const lazy = new Map<string, Set<string>>();
  for (const [key, chunk] of Object.entries(manifest)) {
    if (!chunk.isDynamicEntry) continue;
    lazy.set(chunk.src ?? key, new Set([...closure(key)].filter((file) => !initial.has(file))));
  }
  return { gzip, initial, lazy };
}

const isConsole = (src: string) => src.startsWith('features/admin/');

function union(sets: Iterable<Set<string>>): Set<string> {
  const all = new Set<string>();
  for (const set of sets) for (const file of set) all.add(file);
  return all;
}

function kb(chunks: ChunkGraph, files: Iterable<string>): string {
  let bytes = 0;
  let count = 0;
  for (const file of files) {
    bytes += chunks.gzip.get(file) ?? 0;
    count++;
  }
  return `${(bytes / 1024).toFixed(1)} KB gzipped in ${count} file(s)`;
}

function sumKb(chunks: ChunkGraph, files: Iterable<string>): number {
  let bytes = 0;
  for (const file of files) bytes += chunks.gzip.get(file) ?? 0;
  return bytes / 1024;
}

/** The customer's first download against the budget, and the console beside it. */
// eslint-disable-next-line @typescript-eslint/require-await -- async like the other figures[] it stands with
async function bundleSizes({ chunks }: Bench): Promise<string[]> {
  const customerLazy = [...chunks.lazy].filter(([src]) => !isConsole(src));
  const customerFiles = union([chunks.initial, ...customerLazy.map(([, files]) => files)]);
  const consoleFiles = new Set(
    [...union([...chunks.lazy].filter(([src]) => isConsole(src)).map(([, files]) => files))].filter(
      (file) => !customerFiles.has(file),
    ),
  );
  const initialKb = sumKb(chunks, chunks.initial);
  const login = chunks.lazy.get('features/auth/components/LoginPage.tsx') ?? new Set();
  return [
    `customer bundle, initial route (signed in, /servers): ${kb(chunks, chunks.initial)} ` +
      `(goal ≤ ${budgetKb} KB gzipped: ${initialKb <= budgetKb ? 'met' : 'NOT MET'})`,
    `  sign-in page adds: ${kb(chunks, login)}`,
    `  all customer chunks, incl. those loaded later (order form, account): ${kb(chunks, customerFiles)}`,
    `admin console chunk(s), loaded only by admins at /admin: ${kb(chunks, consoleFiles)}`,
  ];
}

// ---- In the browser -----------------------------------------------------------------------------

async function signedInPage(bench: Bench, account: Account, options: { cache: boolean }): Promise<Page> {
  const context = await bench.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  if (!options.cache) {
    // Every script is then a request of its own, so none of them hides in the cache.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  }
  await page.goto(`${bench.stack.baseUrl}/login`);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/login');
  return page;
}

/** The JavaScript files (`assets/x.js`) the page fetches while `action` runs. */
async function scriptsFetched(page: Page, action: () => Promise<void>): Promise<Set<string>> {
  const fetched = new Set<string>();
  const onRequest = (request: { url(): string }) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith('.js')) fetched.add(path.slice(1));
  };
  page.on('request', onRequest);
  try {
    await action();
  } finally {
    page.off('request', onRequest);
  }
  return fetched;
}

/** What the browsers really fetch: the console's code reaches admins, and never a customer. */
async function downloadsByRole(bench: Bench): Promise<string[]> {
  const { chunks, stack } = bench;
  const consoleFiles = union([...chunks.lazy].filter(([src]) => isConsole(src)).map(([, files]) => files));
  for (const [src, files] of chunks.lazy) if (!isConsole(src)) for (const f of files) consoleFiles.delete(f);

  const customer = await signedInPage(bench, bench.customer, { cache: false });
  const atList = await scriptsFetched(customer, async () => {
    await customer.goto(`${stack.baseUrl}/servers`);
    await customer.locator('tr[data-server-row]').first().waitFor({ timeout: 60_000 });
  });
  const atAdmin = await scriptsFetched(customer, async () => {
    await customer.goto(`${stack.baseUrl}/admin`);
    await customer.getByRole('heading', { name: 'Page not found' }).waitFor();
  });
  await customer.context().close();

  const admin = await signedInPage(bench, bench.admin, { cache: false });
  const adminAtConsole = await scriptsFetched(admin, async () => {
    await admin.goto(`${stack.baseUrl}/admin`);
    await admin.getByRole('navigation', { name: 'Operator console' }).waitFor();
  });
  await admin.context().close();

  const leaked = [...atList, ...atAdmin].filter((file) => consoleFiles.has(file));
  const reached = [...adminAtConsole].filter((file) => consoleFiles.has(file));
  if (leaked.length || !reached.length) {
    throw new Error(
      `console chunks fetched by the customer: [${leaked.join(',')}], by the admin: [${reached.join(',')}]`,
    );
  }
  return [
    `customer's browser, full load of /servers until the list is drawn: ${kb(chunks, atList)}`,
    `customer's browser at /admin: "Page not found", no console chunk fetched`,
    `admin's browser at /admin: fetched ${reached.length} console chunk(s) (${kb(chunks, reached)})`,
  ];
}

/** A full page load each time: bundle, silent session renewal through the cookie, list pages, render. */
async function customerServerList(bench: Bench): Promise<string[]> {
  const page = await signedInPage(bench, bench.customer, { cache: true });
  const rendered = async () => {
    await page.getByText(`${serverCount.toLocaleString('en')} servers`).waitFor({ timeout: 60_000 });
    await page.locator('tr[data-server-row]').first().waitFor();
  };
  await rendered();
  const timings: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = Date.now();
    await page.goto(`${bench.stack.baseUrl}/servers`, { waitUntil: 'commit' });
    await rendered();
    timings.push(Date.now() - started);
  }
  await page.context().close();
  return [
    `navigation → list of ${serverCount} servers rendered: median ${median(timings)} ms ` +
      `(runs: ${timings.join(', ')} ms; first 50 rows drawn, the rest one page away)`,
  ];
}

/**
 * The operator's list of every server: a full load of /admin/servers until its first page (the API's
 * cursor, 100 rows) is drawn, then "Show more" until all 1,000 rows are in the table.
 */
async function adminServerList(bench: Bench): Promise<string[]> {
  const page = await signedInPage(bench, bench.admin, { cache: true });
  const rows = page.locator('tr[data-admin-server-row]');
  const firstPage = async () => {
    await page.getByText(/^First 100 servers shown$/).waitFor({ timeout: 60_000 });
    await rows.nth(99).waitFor();
  };
  await page.goto(`${bench.stack.baseUrl}/admin/servers`);
  await firstPage();
  const first: number[] = [];
  const all: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = Date.now();
    await page.goto(`${bench.stack.baseUrl}/admin/servers`, { waitUntil: 'commit' });
    await firstPage();
    first.push(Date.now() - started);
    const more = page.getByRole('button', { name: 'Show more servers' });
    for (let shown = await rows.count(); shown < serverCount; shown = await rows.count()) {
      await more.click();
      // The row after the last one shown: the next page is in the table.
      await rows.nth(shown).waitFor({ timeout: 60_000 });
    }
    await page.getByText(`${serverCount.toLocaleString('en')} servers`, { exact: true }).waitFor();
    all.push(Date.now() - started);
  }
  await page.context().close();
  return [
    `admin console, navigation → /admin/servers first page (100 of ${serverCount} servers) rendered: ` +
      `median ${median(first)} ms (runs: ${first.join(', ')} ms)`,
    `admin console, navigation → all ${serverCount} servers rendered (9 × "Show more"): ` +
      `median ${median(all)} ms (runs: ${all.join(', ')} ms)`,
  ];
}

const figures: ((bench: Bench) => Promise<string[]>)[] = [
  bundleSizes,
  downloadsByRole,
  customerServerList,
  adminServerList,
];

// ---- Set-up -------------------------------------------------------------------------------------

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function seedServers(stack: Stack): Promise<void> {
  const db = stack.database.handle.db;
  const [plan] = await db.select().from(plans).where(eq(plans.slug, 'vps-m'));
  const [image] = await db.select().from(images).limit(1);
  const [location] = await db.select().from(locations).limit(1);
  const base = Date.now() - serverCount * 60_000;
  await db.insert(servers).values(
    Array.from({ length: serverCount }, (_, i) => ({
      userId: stack.user.id,
      name: `node-${String(i + 1).padStart(4, '0')}`,
      status: 'running' as const,
      planId: plan!.id,
      imageId: image!.id,
      locationId: location!.id,
      cpuCores: plan!.cpuCores,
      memoryMb: plan!.memoryMb,
      diskGb: plan!.diskGb,
      ipAddress: `10.60.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      createdAt: new Date(base + i * 60_000),
    })),
  );
}

async function main(): Promise<void> {
  const clientDir = await buildDashboard();
  const stack = await startStack({ clientDir, worker: false });
  let browser: Browser | undefined;
  try {
    await seedServers(stack);
    const admin = { email: 'grace@example.com', password: 'operator-bench-password' };
    await createUser(stack.database.handle.db, { ...admin, name: 'Grace Hopper', role: 'admin' });
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
    const bench: Bench = { chunks: readChunks(clientDir), stack, browser, customer: stack.user, admin };
    for (const figure of figures) {
      for (const line of await figure(bench)) process.stdout.write(`${line}\n`);
    }
  } finally {
    await browser?.close();
    await stack.close();
    rmSync(clientDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
