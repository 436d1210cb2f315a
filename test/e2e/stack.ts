/**
 * The whole Keel stack in this process for browser tests and the UI benchmark: a fresh PostgreSQL
 * database, the PVE simulator, the job worker, and the HTTP app serving a dashboard built into a
 * temporary folder.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { LoginThrottle } from '../../src/server/auth/login-throttle.ts';
import { createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createLogger } from '../../src/server/logger.ts';
import { PveClient } from '../../src/server/pve/client.ts';
import { seedSimulatorCatalog } from '../../src/server/services/catalog.ts';
import { createUser } from '../../src/server/services/users.ts';
import { startWorker, type Worker } from '../../src/server/worker/worker.ts';
import { startPveSim, type PveSim } from '../../testbed/pve/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

const repoRoot = resolve(import.meta.dirname, '../..');

/** Builds the dashboard with the project's Vite config into a fresh temporary folder. */
export async function buildDashboard(): Promise<string> {
  const { build } = await import('vite');
  const outDir = mkdtempSync(join(tmpdir(), 'keel-dashboard-'));
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

/** Raw and gzipped size of every JavaScript file of a built dashboard, in bytes. */
export function bundleSize(clientDir: string): { rawBytes: number; gzipBytes: number; files: number } {
  const assets = join(clientDir, 'assets');
  let rawBytes = 0;
  let gzipBytes = 0;
  let files = 0;
  for (const name of readdirSync(assets)) {
    if (!name.endsWith('.js')) continue;
    const content = readFileSync(join(assets, name));
    rawBytes += content.length;
    gzipBytes += gzipSync(content, { level: 9 }).length;
    files++;
  }
  return { rawBytes, gzipBytes, files };
}

export interface Stack {
  baseUrl: string;
  database: TestDatabase;
  sim: PveSim;
  user: { email: string; password: string; id: string };
  logLines: string[];
  close(): Promise<void>;
}

export async function startStack(options: {
  clientDir: string;
  simSpeed?: number;
  worker?: boolean;
}): Promise<Stack> {
  const database = await createTestDatabase('keel_e2e');
  const config = loadConfig({
    DATABASE_URL: database.url,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'keel-e2e-')),
    JWT_SECRET: 'e2e-secret-e2e-secret-e2e-secret-0123456789',
    LOG_LEVEL: 'info',
    NODE_ENV: 'test',
  });
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const log = createLogger('info', sink);
  await seedSimulatorCatalog(database.handle.db);
  const password = 'correct-horse-battery';
  const created = await createUser(database.handle.db, {
    email: 'ada@example.com',
    password,
    name: 'Ada Lovelace',
  });

  const speed = options.simSpeed ?? 20;
  const sim = await startPveSim({ port: 0, http: true, speed, seed: 7 });
  const pve = new PveClient({
    baseUrl: sim.url,
    tokenId: sim.tokenId,
    tokenSecret: sim.tokenSecret,
    log: log.child({ component: 'pve' }),
    pollMs: Math.max(20, Math.round(1000 / speed)),
  });
  let worker: Worker | null = null;
  if (options.worker ?? true) {
    worker = await startWorker({
      database: database.handle,
      pve,
      log,
      concurrency: 4,
      timings: { shutdownTimeoutS: 10 },
    });
  }

  const app = createApp({
    db: database.handle.db,
    database: database.handle,
    config,
    log,
    version: 'e2e',
    loginThrottle: new LoginThrottle(),
    clientDir: options.clientDir,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((done) => server.once('listening', done));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl,
    database,
    sim,
    user: { email: created.email, password, id: created.id },
    logLines,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await worker?.stop(1_000);
      pve.close();
      await sim.stop();
      await database.drop();
      rmSync(config.dataDir, { recursive: true, force: true });
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
