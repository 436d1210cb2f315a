/**
 * `pnpm worker`'s own `/metrics` on WORKER_METRICS_PORT: a worker in a process of its own has jobs,
 * PVE calls and reconciliation to show that the API process never sees. A bare node:http listener
 * with the one path, and METRICS_TOKEN checked as on the API when it is set.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import { queueStats } from '../jobs/queue.ts';
import {
  bearerTokenMatches,
  collectProcessMetrics,
  metricsContentType,
  renderMetrics,
} from '../lib/metrics.ts';

export interface WorkerMetricsServer {
  port: number;
  close(): Promise<void>;
}

export async function startWorkerMetricsServer(options: {
  db: Database;
  host: string;
  port: number;
  token: string | undefined;
  log: Logger;
}): Promise<WorkerMetricsServer> {
  const { db, token, log } = options;
  collectProcessMetrics();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    const reply = (status: number, message: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
      res.end(`${message}\n`);
    };
    if (path !== '/metrics') return reply(404, 'Only /metrics is served here.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'GET only.', { Allow: 'GET' });
    if (token !== undefined && !bearerTokenMatches(req.headers.authorization, token))
      return reply(401, 'Metrics need `Authorization: Bearer <METRICS_TOKEN>`.', {
        'WWW-Authenticate': 'Bearer',
      });
    void (async () => {
      let queue = null;
      try {
        queue = await queueStats(db);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'metrics: could not read the job queue');
      }
      try {
        const body = await renderMetrics(queue);
        res.writeHead(200, { 'Content-Type': metricsContentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      } catch (err) {
        log.error({ err }, 'metrics: could not render');
        reply(500, 'Metrics could not be rendered.');
      }
    })();
  });
  server.listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  log.info({ port }, `worker metrics at http://${options.host}:${port}/metrics`);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
