/**
 * `pnpm bench:ui`: how fast the dashboard shows a customer with 1,000 servers, and how big its
 * JavaScript is. Builds the dashboard, starts Keel on a fresh PostgreSQL database with 1,000 servers
 * for one user, signs in once in headless Chromium, then times navigation → list rendered, several times.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { chromium } from 'playwright-core';
import { images, locations, plans, servers } from '../src/server/db/schema.ts';
import { buildDashboard, bundleSize, chromiumArgs, chromiumPath, startStack } from '../test/e2e/stack.ts';

const serverCount = 1000;
const runs = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const clientDir = await buildDashboard();
  const size = bundleSize(clientDir);
  process.stdout.write(
    `dashboard JavaScript: ${(size.rawBytes / 1024).toFixed(1)} KB raw, ${(size.gzipBytes / 1024).toFixed(1)} KB gzipped ` +
      `in ${size.files} file(s) (goal ≤ 150 KB gzipped)\n`,
  );

  const stack = await startStack({ clientDir, worker: false });
  const profileDir = mkdtempSync(join(tmpdir(), 'keel-bench-chromium-'));
  try {
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

    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumArgs,
      viewport: { width: 1280, height: 800 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${stack.baseUrl}/login`);
    await page.getByLabel('Email').fill(stack.user.email);
    await page.getByLabel('Password').fill(stack.user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(`${serverCount.toLocaleString('en')} servers`).waitFor({ timeout: 60_000 });

    const timings: number[] = [];
    for (let run = 0; run < runs; run++) {
      // A full page load each time: bundle, silent session renewal through the cookie, list pages, render.
      const started = Date.now();
      await page.goto(`${stack.baseUrl}/`, { waitUntil: 'commit' });
      await page.getByText(`${serverCount.toLocaleString('en')} servers`).waitFor({ timeout: 60_000 });
      await page.locator('tr[data-server-row]').first().waitFor();
      timings.push(Date.now() - started);
    }
    await context.close();
    process.stdout.write(
      `navigation → list of ${serverCount} servers rendered: median ${median(timings)} ms ` +
        `(runs: ${timings.join(', ')} ms; first 50 rows drawn, the rest one page away)\n`,
    );
  } finally {
    await stack.close();
    rmSync(profileDir, { recursive: true, force: true });
    rmSync(clientDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
