/**
 * The whole Keel stack in this process for browser tests and the UI benchmark: a fresh PostgreSQL
 * database, the PVE simulator, the job worker, and the HTTP app serving a dashboard built into a
 * temporary folder.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLogger } from '../../src/server/logger.ts';
import { startWorker, type Worker } from '../../src/server/worker/worker.ts';
import { startPveSim, type PveSim } from '../../testbed/pve/index.ts';
import { startTestApp } from '../helpers/app.ts';
import { pveClientFor } from '../helpers/orchestration.ts';
import type { TestDatabase } from '../helpers/postgres.ts';

export const repoRoot = resolve(import.meta.dirname, '../..');

/**
 * Builds the dashboard with the project's Vite config into a fresh temporary folder, or into `outDir`
 * (`dist/client`, for a Keel started as its own process, which serves that folder).
 */
export async function buildDashboard(options: { outDir?: string } = {}): Promise<string> {
  const { build } = await import('vite');
  const outDir = options.outDir ?? mkdtempSync(join(tmpdir(), 'keel-dashboard-'));
  // Under vitest NODE_ENV is "test", which would give React's development build; build as production.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: join(repoRoot, 'vite.config.ts'),
      mode: 'production',
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return outDir;
}

export interface Stack {
  baseUrl: string;
  database: TestDatabase;
  sim: PveSim;
  user: { email: string; password: string; id: string };
  logLines: string[];
  close(): Promise<void>;
}

/** The app from test/helpers serving the built dashboard, with the simulator and a worker behind it. */
export async function startStack(options: {
  clientDir: string;
  simSpeed?: number;
  worker?: boolean;
}): Promise<Stack> {
  const speed = options.simSpeed ?? 20;
  const sim = await startPveSim({ port: 0, http: true, speed, seed: 7 });
  const pve = pveClientFor(sim, Math.max(20, Math.round(1000 / speed)));
  const app = await startTestApp({ pve, clientDir: options.clientDir });
  const password = 'correct-horse-battery';
  const created = await app.createUser({ email: 'ada@example.com', password, name: 'Ada Lovelace' });
  const worker: Worker | null =
    (options.worker ?? true)
      ? await startWorker({
          database: app.database.handle,
          pve,
          log: createLogger('silent'),
          concurrency: 4,
          timings: { shutdownTimeoutS: 10 },
        })
      : null;
  return {
    baseUrl: app.baseUrl,
    database: app.database,
    sim,
    user: { email: created.email, password, id: created.id },
    logLines: app.logLines,
    async close() {
      await worker?.stop(1_000);
      pve.close();
      await app.close();
      await sim.stop();
    },
  };
}

/** The flags the brief asks for: Debian's Chromium, headless, no network chatter of its own. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const chromiumPath = '/usr/bin/chromium';
