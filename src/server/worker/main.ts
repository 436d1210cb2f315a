/**
 * `pnpm worker`: a job worker on its own, for running several against one PostgreSQL database.
 * SIGTERM stops claiming, lets running jobs finish (up to WORKER_GRACE_MS) and hands back the rest.
 */
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { createLogger } from '../logger.ts';
import { connectPve } from '../pve/connect.ts';
import { clusterRegistry } from '../pve/registry.ts';
import { runCli, UsageError } from '../cli/run-cli.ts';
import { startWorkerMetricsServer } from './metrics-server.ts';
import { startWebhookDeliverer, webhookSettings } from './webhooks.ts';
import { startWorker, workerSettings } from './worker.ts';

await runCli(async () => {
  const config = loadConfig();
  if (config.embedded)
    throw new UsageError(
      'A separate worker needs DATABASE_URL: the embedded database belongs to the Keel process.',
    );
  const log = createLogger(config.LOG_LEVEL);
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  const pve = await connectPve(config, log);
  const clusters = clusterRegistry(config, database.db, pve.client, log);
  const worker = await startWorker({ database, pve: pve.client, clusters, log, ...workerSettings(config) });
  const webhooks = await startWebhookDeliverer({ database, log, ...webhookSettings(config) });
  const metrics =
    config.WORKER_METRICS_PORT === null
      ? null
      : await startWorkerMetricsServer({
          db: database.db,
          host: config.HOST,
          port: config.WORKER_METRICS_PORT,
          token: config.METRICS_TOKEN,
          log,
        });
  const stop = async () => {
    await Promise.all([worker.stop(config.WORKER_GRACE_MS), webhooks.stop()]);
    await metrics?.close();
    clusters.close();
    await pve.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
});
