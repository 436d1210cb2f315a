/** Starts Keel's HTTP app in-process on a random port, against a fresh test database. */
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { isNotNull, sql } from 'drizzle-orm';
import { createApp } from '../../src/server/app.ts';
import { LoginThrottle } from '../../src/server/auth/login-throttle.ts';
import { loadConfig, type Config } from '../../src/server/config.ts';
import { attachConsoleProxy, type ConsoleProxy } from '../../src/server/http/console-proxy.ts';
import type { Database } from '../../src/server/db/client.ts';
import { refreshTokens } from '../../src/server/db/schema.ts';
import { createLogger } from '../../src/server/logger.ts';
import type { PveClient } from '../../src/server/pve/client.ts';
import { seedSimulatorCatalog } from '../../src/server/services/catalog.ts';
import { createUser } from '../../src/server/services/users.ts';
import type { User } from '../../src/shared/api.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';

export const testJwtSecret = 'test-secret-test-secret-test-secret-0123456789';
/** CLUSTER_SECRET_KEY of the test apps (32 bytes, hex); `env: { CLUSTER_SECRET_KEY: '' }` runs without one. */
export const testClusterKey = '7e'.repeat(32);

export interface TestApp {
  baseUrl: string;
  db: Database;
  database: TestDatabase;
  config: Config;
  /** Every log line the app wrote, for checks that secrets never reach the log. */
  logLines: string[];
  /** The web console's WebSocket endpoint on this app's server. */
  consoles: ConsoleProxy;
  createUser(overrides?: {
    email?: string;
    password?: string;
    name?: string;
    role?: 'customer' | 'admin';
  }): Promise<User & { password: string }>;
  login(email: string, password: string): Promise<{ accessToken: string; cookie: string }>;
  close(): Promise<void>;
}

let userCounter = 0;

export interface TestAppOptions {
  pve?: PveClient;
  clientDir?: string;
  /** Settings on top of the test defaults, e.g. TRUST_PROXY. */
  env?: Record<string, string>;
  /** Serve this database (another app's) instead of a fresh one; it is left to its owner to drop. */
  database?: TestDatabase;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const shared = options.database;
  const database = shared ?? (await createTestDatabase());
  const config = loadConfig({
    DATABASE_URL: database.url,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'keel-test-')),
    JWT_SECRET: testJwtSecret,
    CLUSTER_SECRET_KEY: testClusterKey,
    LOG_LEVEL: 'debug',
    NODE_ENV: 'test',
    ...options.env,
  });
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const log = createLogger('debug', sink);
  if (!shared) await seedSimulatorCatalog(database.handle.db);
  const app = createApp({
    db: database.handle.db,
    database: database.handle,
    config,
    log,
    version: 'test',
    loginThrottle: new LoginThrottle(database.handle.db),
    pve: options.pve,
    ...(options.clientDir ? { clientDir: options.clientDir } : {}),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const consoles = attachConsoleProxy(server, {
    db: database.handle.db,
    config,
    log,
    pve: options.pve,
    trustProxy: app.get('trust proxy fn') as (address: string, hop: number) => boolean,
  });

  return {
    baseUrl,
    db: database.handle.db,
    database,
    config,
    logLines,
    consoles,
    async createUser(overrides = {}) {
      const password = overrides.password ?? `pw-${Math.random().toString(36).slice(2)}-long`;
      const user = await createUser(database.handle.db, {
        email: overrides.email ?? `user${++userCounter}-${Date.now()}@example.com`,
        password,
        name: overrides.name,
        role: overrides.role ?? 'customer',
      });
      return { ...user, password };
    },
    async login(email, password) {
      const res = await fetch(`${baseUrl}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { accessToken: string };
      return { accessToken: body.accessToken, cookie: refreshCookieOf(res) };
    },
    async close() {
      await consoles.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!shared) await database.drop();
    },
  };
}

/** Moves every rotation `ms` into the past, so a replay is judged as one after the reuse grace. */
export async function ageRotatedTokens(db: Database, ms = 10 * 60_000): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ rotatedAt: sql`${refreshTokens.rotatedAt} - make_interval(secs => ${ms / 1000})` })
    .where(isNotNull(refreshTokens.rotatedAt));
}

export function refreshCookieOf(res: Response): string {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('keel_refresh='));
  if (!cookie) throw new Error('no refresh cookie set');
  return cookie.split(';')[0]!;
}

/** fetch with JSON in and out. */
export async function api(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(options.body !== undefined
      ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }
      : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON; tests assert on that
  }
  return { status: res.status, headers: res.headers, body };
}
