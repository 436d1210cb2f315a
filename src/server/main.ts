/**
 * Starts Keel: configuration, database (migrated), first-run setup, then the HTTP server.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { LoginThrottle } from './auth/login-throttle.ts';
import { createApp } from './app.ts';
import { attachConsoleProxy } from './http/console-proxy.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openDatabase } from './db/client.ts';
import { restrictNewFiles, widerThanPrivate } from './db/data-dir.ts';
import { DirLockedError } from './db/dir-lock.ts';
import { createLogger } from './logger.ts';
import { connectPve } from './pve/connect.ts';
import { clusterRegistry } from './pve/registry.ts';
import { catalogueGaps, ensureFirstAdmin } from './services/admin/catalogue-setup.ts';
import { seedSimulatorCatalog } from './services/catalog.ts';
import { ensureDemoUser } from './services/users.ts';
import { startWebhookDeliverer, webhookSettings } from './worker/webhooks.ts';
import { startWorker, workerSettings } from './worker/worker.ts';

const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  // Before anything is written: the JWT secret, the lock file and the embedded database are private.
  restrictNewFiles();
  const config = loadConfigOrExit();
  const log = createLogger(config.LOG_LEVEL);
  const dev = process.argv.includes('--dev');
  const openMode = widerThanPrivate(config.dataDir);
  if (openMode !== null) {
    log.warn(
      { dataDir: config.dataDir, mode: `0${openMode.toString(8)}` },
      'DATA_DIR can be read by other users of this machine; run `chmod 700` on it',
    );
  }

  let database;
  try {
    database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  } catch (err) {
    if (err instanceof DirLockedError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  log.info(
    { database: database.kind, dataDir: config.embedded ? config.dataDir : undefined },
    'database opened',
  );
  await database.migrate();
  log.info('database migrations applied');
  if (database.serve && config.PGLITE_PORT !== null)
    await serveEmbedded(database.serve, config.PGLITE_PORT, log);

  if (!config.PVE_URL && (await seedSimulatorCatalog(database.db))) {
    log.info('installed the demo catalogue (plans S, M, L; Ubuntu and Debian; one lab location)');
  }
  const demo = config.embedded ? await ensureDemoUser(database.db) : null;
  // A real cluster: the first administrator, and what to do while the catalogue is empty.
  const firstAdmin = config.PVE_URL ? await ensureFirstAdmin(database.db, config.ADMIN_EMAIL) : null;
  const gaps = config.PVE_URL ? await catalogueGaps(database.db) : [];
  if (gaps.length > 0) {
    log.warn(
      { missing: gaps },
      `the catalogue has no ${gaps.join(', ')} yet, so customers cannot order: look at the cluster with ` +
        'GET /api/admin/pve/nodes and /api/admin/pve/templates, then define them with POST ' +
        gaps.map((g) => `/api/admin/${g}`).join(', ') +
        ' or `pnpm catalog:apply FILE` (see docs/catalog.example.yaml and "Operating Keel" in the README)',
    );
  }
  const pve = await connectPve(config, log);
  const clusters = clusterRegistry(config, database.db, pve.client, log);
  // The embedded database belongs to this process alone, so its worker must run here too.
  const worker =
    config.WORKER || config.embedded
      ? await startWorker({ database, pve: pve.client, clusters, log, ...workerSettings(config) })
      : null;

  // Webhooks are delivered wherever jobs are worked, on a loop of their own.
  const webhooks = worker ? await startWebhookDeliverer({ database, log, ...webhookSettings(config) }) : null;

  const devMiddleware = dev ? await createViteMiddleware() : undefined;
  const app = createApp({
    db: database.db,
    database,
    config,
    log,
    version,
    loginThrottle: new LoginThrottle(database.db),
    pve: pve.client,
    clusters,
    ...(devMiddleware ? { devMiddleware } : {}),
  });
  const server = app.listen(config.PORT, config.HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const consoles = attachConsoleProxy(server, {
    db: database.db,
    config,
    log,
    pve: pve.client,
    clusters,
    trustProxy: app.get('trust proxy fn') as (address: string, hop: number) => boolean,
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://localhost:${port}`;
  log.info({ port, url, version }, `Keel is listening on ${url}`);

  if (demo) {
    // Shown once, on stderr: stdout carries the JSON log, which may be shipped and kept elsewhere.
    process.stderr.write(
      [
        '',
        '  Keel is ready. A demo customer was created for this first run:',
        `    open      ${url}`,
        `    email     ${demo.email}`,
        `    password  ${demo.password}`,
        '  (shown only now; `pnpm user:create` makes more accounts)',
        '',
      ].join('\n') + '\n',
    );
  }

  if (firstAdmin) {
    // Shown once, on stderr, like the demo customer's: the JSON log on stdout may be shipped elsewhere.
    process.stderr.write(
      [
        '',
        '  Keel is connected to your Proxmox VE cluster. The first administrator was created:',
        `    open      ${url}`,
        `    email     ${firstAdmin.email}`,
        `    password  ${firstAdmin.password}`,
        '  (shown only now: sign in and change it; set ADMIN_EMAIL before the first start for another address)',
        '',
      ].join('\n') + '\n',
    );
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    void consoles.close();
    server.close(() => {
      void (async () => {
        await Promise.all([worker?.stop(config.WORKER_GRACE_MS), webhooks?.stop()]);
        clusters.close();
        await pve.close();
        await database.close();
        process.exit(0);
      })();
    });
    server.closeAllConnections();
    setTimeout(() => process.exit(1), 20_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** Inspection is a convenience: a port in use is worth a warning, not a failed start. */
async function serveEmbedded(serve: (port: number) => Promise<string>, port: number, log: Logger) {
  try {
    const url = await serve(port);
    log.info({ url }, `the embedded database is open to psql and pnpm db:studio at ${url} (127.0.0.1 only)`);
  } catch (err) {
    log.warn(
      { err: (err as Error).message, port },
      'could not serve the embedded database for inspection; set PGLITE_PORT to a free port, or off',
    );
  }
}

async function createViteMiddleware() {
  const { createServer } = await import('vite');
  const vite = await createServer({ server: { middlewareMode: true }, appType: 'spa' });
  return vite.middlewares;
}

await main();
