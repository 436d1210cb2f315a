/** Keel's app and worker on a fresh database, against an in-process PVE simulator running fast. */
import { startPveSim, type PveSim } from '../../testbed/pve/index.ts';
import { createLogger } from '../../src/server/logger.ts';
import { PveClient } from '../../src/server/pve/client.ts';
import { startWorker, type Worker } from '../../src/server/worker/worker.ts';
import type { WorkerTimings } from '../../src/server/worker/job-context.ts';
import { api, startTestApp, type TestApp } from './app.ts';

export const fastTimings: Partial<WorkerTimings> = {
  tickMs: 100,
  leaseMs: 3000,
  taskTimeoutMs: 30_000,
  agentTimeoutMs: 5000,
  agentPollMs: 50,
  shutdownTimeoutS: 60,
  reconcileMs: 60_000,
  retryBaseMs: 100,
};

export interface Stack {
  app: TestApp;
  sim: PveSim;
  pve: PveClient;
  worker: Worker;
  token: string;
  userId: string;
  close(): Promise<void>;
}

export function pveClientFor(sim: PveSim, pollMs = 20): PveClient {
  return new PveClient({
    baseUrl: sim.url,
    tokenId: sim.tokenId,
    tokenSecret: sim.tokenSecret,
    fingerprint: sim.fingerprint ?? undefined,
    log: createLogger('silent'),
    pollMs,
    attempts: 4,
  });
}

export async function startStack(
  options: { speed?: number; timings?: Partial<WorkerTimings> } = {},
): Promise<Stack> {
  const sim = await startPveSim({ port: 0, speed: options.speed ?? 100 });
  const pve = pveClientFor(sim);
  const app = await startTestApp({ pve });
  const worker = await startWorker({
    database: app.database.handle,
    pve,
    log: createLogger('silent'),
    timings: { ...fastTimings, ...options.timings },
    reconcile: false,
  });
  const user = await app.createUser();
  const { accessToken } = await app.login(user.email, user.password);
  return {
    app,
    sim,
    pve,
    worker,
    token: accessToken,
    userId: user.id,
    async close() {
      await worker.stop(2000);
      pve.close();
      await app.close();
      await sim.stop();
    },
  };
}

/** Polls GET /api/servers/:id until `done` holds or the deadline passes; returns the last server seen. */
export async function waitForServer(
  stack: { app: TestApp; token: string },
  id: string,
  done: (server: any) => boolean,
  timeoutMs = 30_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let server: any;
  while (Date.now() < deadline) {
    server = (await api(stack.app.baseUrl, 'GET', `/api/servers/${id}`, { token: stack.token })).body.server;
    if (done(server)) return server;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server ${id} did not settle in time; last seen: ${JSON.stringify(server)}`);
}

export async function orderServer(
  stack: { app: TestApp; token: string },
  name: string,
  extra: Record<string, unknown> = {},
) {
  const catalog = (await api(stack.app.baseUrl, 'GET', '/api/catalog', { token: stack.token })).body;
  const res = await api(stack.app.baseUrl, 'POST', '/api/servers', {
    token: stack.token,
    body: {
      name,
      planId: catalog.plans[0].id,
      imageId: catalog.images[0].id,
      locationId: catalog.locations[0].id,
      ...extra,
    },
  });
  if (res.status !== 202) throw new Error(`order failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.server;
}
