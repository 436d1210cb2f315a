/**
 * `pnpm worker`: a job worker on its own, for running several against one PostgreSQL database.
 * SIGTERM stops claiming, lets running jobs finish (up to WORKER_GRACE_MS) and hands back the rest.
 */
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { createLogger } from '../logger.ts';
import { connectPve } from '../pve/connect.ts';
import { runCli, UsageError } from '../cli/run-cli.ts';
import { startWorker } from './worker.ts';

await runCli(async () => {
  const config = loadConfig();
  if (config.embedded)
    throw new UsageError(
      'A separate worker needs DATABASE_URL: the embedded database belongs to the Keel process.',
    );
  const log = createLogger(config.LOG_LEVEL);
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  const pve = await connectPve(config, log);
  const worker = await startWorker({
    database,
    pve: pve.client,
    log,
    concurrency: config.WORKER_CONCURRENCY,
    timings: { shutdownTimeoutS: config.SHUTDOWN_TIMEOUT_S, ...timingsFromEnv() },
  });
  const stop = async () => {
    await worker.stop(Number(process.env.WORKER_GRACE_MS ?? 10_000));
    await pve.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
});

/** Test hooks for fast timings (tests run the simulator 100× faster than real time). */
function timingsFromEnv() {
  const n = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  return Object.fromEntries(
    Object.entries({
      tickMs: n('WORKER_TICK_MS'),
      leaseMs: n('WORKER_LEASE_MS'),
      agentPollMs: n('WORKER_AGENT_POLL_MS'),
    }).filter(([, v]) => v !== undefined),
  );
}
