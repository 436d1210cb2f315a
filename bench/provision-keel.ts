/**
 * Keel as `pnpm bench:provision` runs it: the API and the worker in a process of their own, so that
 * the CPU time the bench reports is Keel's alone (not the bench's orders and polling, nor the PVE
 * simulator's). Started by bench/provision.ts with the database, the simulator and the settings in its
 * environment; prints `KEEL_PORT=<port>` when it listens, answers `cpu` messages with its
 * process.cpuUsage() and the PVE calls it made so far and stops on `stop`.
 */
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/server/app.ts';
import { LoginThrottle } from '../src/server/auth/login-throttle.ts';
import { loadConfig } from '../src/server/config.ts';
import { openDatabase } from '../src/server/db/client.ts';
import { pveCallDuration } from '../src/server/lib/metrics.ts';
import { createLogger } from '../src/server/logger.ts';
import { PveClient } from '../src/server/pve/client.ts';
import { startWorker } from '../src/server/worker/worker.ts';

export interface KeelBenchSettings {
  concurrency: number;
  tasksPerNode: number;
  copiesPerNode: number;
  pollMs: number;
  agentPollMs: number;
  tickMs: number;
  logLevel: string;
}

const settings = JSON.parse(process.env.BENCH_SETTINGS!) as KeelBenchSettings;
const sim = JSON.parse(process.env.BENCH_PVE!) as {
  url: string;
  tokenId: string;
  tokenSecret: string;
  fingerprint: string;
};
const config = loadConfig(process.env);
const log = createLogger(settings.logLevel);
const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
const pve = new PveClient({
  baseUrl: sim.url,
  tokenId: sim.tokenId,
  tokenSecret: sim.tokenSecret,
  fingerprint: sim.fingerprint,
  log,
  pollMs: settings.pollMs,
});
const app = createApp({
  db: database.db,
  database,
  config,
  log,
  version: 'bench',
  loginThrottle: new LoginThrottle(database.db),
  pve,
});
const server = app.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const worker = await startWorker({
  database,
  pve,
  log,
  concurrency: settings.concurrency,
  tasksPerNode: settings.tasksPerNode,
  copiesPerNode: settings.copiesPerNode,
  timings: { tickMs: settings.tickMs, agentPollMs: settings.agentPollMs, reconcileMs: 3_600_000 },
  reconcile: false,
});

/** PVE calls made so far, by method and endpoint (from the calls' duration histogram). */
async function pveCalls(): Promise<Record<string, number>> {
  const calls: Record<string, number> = {};
  for (const v of (await pveCallDuration.get()).values) {
    if (!v.metricName?.endsWith('_count')) continue;
    const key = `${v.labels.method} ${v.labels.endpoint}`;
    calls[key] = (calls[key] ?? 0) + v.value;
  }
  return calls;
}

process.on('message', (message: unknown) => {
  if (message === 'cpu') {
    void pveCalls().then((calls) => process.send!({ cpu: process.cpuUsage(), calls }));
  } else if (message === 'stop') {
    void (async () => {
      await worker.stop(1000);
      server.closeAllConnections();
      server.close();
      pve.close();
      await database.close();
      process.exit(0);
    })();
  }
});
// The bench's pipe closing means the bench is gone: do not outlive it.
process.on('disconnect', () => process.exit(0));
process.stderr.write(`KEEL_PORT=${(server.address() as AddressInfo).port}\n`);
