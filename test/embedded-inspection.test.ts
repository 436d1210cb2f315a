/**
 * While Keel runs on its embedded database, psql and `pnpm db:studio` reach that database over the
 * PostgreSQL protocol on 127.0.0.1 (PGLITE_PORT): a client reads what Keel writes, and Keel keeps
 * serving requests meanwhile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
let keel: ChildProcess | undefined;
afterAll(() => {
  if (keel?.exitCode === null) keel.kill('SIGKILL');
});

async function startKeel(): Promise<{ url: string; databaseUrl: string; output: () => string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'keel-inspect-')),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    PGLITE_PORT: '0',
  };
  for (const key of ['DATABASE_URL', 'PVE_URL', 'JWT_SECRET', 'NODE_ENV']) delete env[key];
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  keel = proc;
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Keel did not start:\n${out}`)), 60_000);
    proc.on('exit', (code) => reject(new Error(`Keel exited with ${code}:\n${out}`)));
    const check = () => {
      const http = /Keel is listening on (http:\/\/localhost:\d+)/.exec(out);
      const database = /"url":"(postgres:\/\/[^"]+)"/.exec(out);
      if (http && database) {
        clearTimeout(timer);
        resolve({
          url: http[1]!.replace('localhost', '127.0.0.1'),
          databaseUrl: database[1]!,
          output: () => out,
        });
      } else setTimeout(check, 100);
    };
    check();
  });
}

describe('the embedded database, inspected while Keel runs', () => {
  it('answers a PostgreSQL client on 127.0.0.1 with what Keel writes, and Keel keeps serving', async () => {
    const started = await startKeel();
    expect(started.databaseUrl).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const banner = /email\s+(\S+)\n\s+password\s+(\S+)/.exec(started.output());
    expect(banner).not.toBeNull();

    const sql = postgres(started.databaseUrl, { max: 2, onnotice: () => {} });
    try {
      const users = await sql<{ email: string }[]>`select email from users`;
      expect(users.map((u) => u.email)).toEqual([banner![1]]);

      // Keel goes on answering while the client is connected, and the client sees what it writes.
      const login = await fetch(`${started.url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: banner![1], password: banner![2] }),
      });
      expect(login.status).toBe(200);
      const [tokens] = await sql<{ n: number }[]>`select count(*)::int as n from refresh_tokens`;
      expect(tokens!.n).toBe(1);
      const [plans] = await sql<{ n: number }[]>`select count(*)::int as n from plans where active`;
      expect(plans!.n).toBe(3);
    } finally {
      await sql.end();
    }
    const exited = new Promise<number | null>((resolve) => keel!.once('exit', (code) => resolve(code)));
    keel!.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);

  it('is where pnpm db:studio looks when DATABASE_URL is unset', async () => {
    const saved = { DATABASE_URL: process.env.DATABASE_URL, PGLITE_PORT: process.env.PGLITE_PORT };
    delete process.env.DATABASE_URL;
    process.env.PGLITE_PORT = '6543';
    try {
      const { default: config } = await import('../drizzle.config.ts');
      expect((config as { dbCredentials: { url: string } }).dbCredentials.url).toBe(
        'postgres://postgres@127.0.0.1:6543/postgres',
      );
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
