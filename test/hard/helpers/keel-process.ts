/**
 * The whole Keel (API + in-process worker) as a child process, the way an operator runs it, so tests
 * can SIGKILL it and start it again on the same port and database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PveSim } from '../../../testbed/pve/index.ts';
import { testJwtSecret } from '../../helpers/app.ts';

const root = new URL('../../..', import.meta.url).pathname;

/** A port that was free a moment ago (the kernel picked it); Keel binds it on every restart. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface KeelEnvOptions {
  databaseUrl: string;
  sim: PveSim;
  port: number;
  /** Overrides and additions, e.g. WORKER_LEASE_MS or QUOTA_MAX_SERVERS. */
  extra?: Record<string, string>;
}

export function keelEnv(options: KeelEnvOptions): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: options.databaseUrl,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'keel-hard-')),
    PORT: String(options.port),
    HOST: '127.0.0.1',
    JWT_SECRET: testJwtSecret,
    LOG_LEVEL: 'info',
    PVE_URL: options.sim.url,
    PVE_TOKEN_ID: options.sim.tokenId,
    PVE_TOKEN_SECRET: options.sim.tokenSecret,
    PVE_FINGERPRINT: options.sim.fingerprint ?? '',
    PVE_POLL_MS: '25',
    WORKER_TICK_MS: '100',
    WORKER_LEASE_MS: '1500',
    ...options.extra,
  };
}

/** Polls GET /healthz on `baseUrl` until it answers 200, whichever process is serving it. */
export async function untilServing(baseUrl: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing served ${baseUrl}/healthz within ${timeoutMs} ms`);
}

export interface KeelProcess {
  proc: ChildProcess;
  baseUrl: string;
  /** Everything the process wrote to stdout and stderr. */
  output(): string;
  /** Its stdout alone (the JSON log) and its stderr alone. */
  stdout(): string;
  stderr(): string;
  /** Resolves once GET /healthz answers 200; rejects if the process exits first or `timeoutMs` passes. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGKILL: no shutdown hook runs, leases stay held until they expire. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

export function spawnKeel(env: Record<string, string>): KeelProcess {
  // node --import tsx, not the tsx CLI: the CLI is a parent process and SIGKILL would miss Keel itself.
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => {
    out += d;
    stdout += d;
  });
  proc.stderr.on('data', (d) => {
    out += d;
    stderr += d;
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  const baseUrl = `http://127.0.0.1:${env.PORT}`;

  return {
    proc,
    baseUrl,
    output: () => out,
    stdout: () => stdout,
    stderr: () => stderr,
    async ready(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (!alive()) throw new Error(`Keel exited before it was ready:\n${out.slice(-4000)}`);
        try {
          const res = await fetch(`${baseUrl}/healthz`);
          if (res.status === 200) return;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`Keel was not ready within ${timeoutMs} ms:\n${out.slice(-4000)}`);
    },
    async kill() {
      if (!alive()) return;
      proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!alive()) return;
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
