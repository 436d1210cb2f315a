/**
 * First run with no configuration at all: Keel must start on an embedded PostgreSQL, print a demo
 * login once, serve the dashboard and accept that login, and keep its data across a restart.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const tsx = join(root, 'node_modules/.bin/tsx');
const dataDir = mkdtempSync(join(tmpdir(), 'keel-embedded-'));
const running: ChildProcess[] = [];

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
  for (const key of ['DATABASE_URL', 'PVE_URL', 'JWT_SECRET', 'NODE_ENV']) delete env[key];
  return env;
}

async function startKeel(): Promise<{ url: string; output: () => string; proc: ChildProcess }> {
  const proc = spawn(tsx, ['src/server/main.ts'], {
    cwd: root,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(proc);
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Keel did not start:\n${out}`)), 45_000);
    proc.on('exit', (code) => reject(new Error(`Keel exited with ${code}:\n${out}`)));
    const check = () => {
      const m = /Keel is listening on (http:\/\/localhost:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.replace('localhost', '127.0.0.1'));
      } else setTimeout(check, 100);
    };
    check();
  });
  // The demo banner follows the listening line in the same tick or the next.
  await new Promise((r) => setTimeout(r, 200));
  return { url, output: () => out, proc };
}

async function stop(proc: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  proc.kill('SIGTERM');
  return exited;
}

afterAll(() => {
  for (const proc of running) if (proc.exitCode === null) proc.kill('SIGKILL');
});

describe('embedded first run', () => {
  let password = '';

  it('starts on PGlite, prints the demo login once, serves the dashboard and signs in', async () => {
    const keel = await startKeel();
    const out = keel.output();
    expect(out).toContain('"database":"pglite"');
    const m = /email\s+(\S+)\n\s+password\s+(\S+)/.exec(out);
    expect(m).not.toBeNull();
    password = m![2]!;

    const page = await fetch(`${keel.url}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    // History fallback for a dashboard route.
    expect((await fetch(`${keel.url}/servers/abc`, { headers: { accept: 'text/html' } })).status).toBe(200);

    const login = await fetch(`${keel.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: m![1], password }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const catalog = await fetch(`${keel.url}/api/catalog`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(((await catalog.json()) as { plans: unknown[] }).plans).toHaveLength(3);

    // The JWT secret was generated into the data folder, readable by its owner only.
    expect(statSync(join(dataDir, 'jwt-secret')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dataDir, 'pglite'))).toBe(true);

    // A second process must not open the same embedded database.
    const second = spawnSync(
      tsx,
      ['src/server/cli/user-create.ts', '--email', 'x@y.io', '--password', 'long-enough-pw'],
      {
        cwd: root,
        env: cleanEnv(),
        encoding: 'utf8',
      },
    );
    expect(second.status).toBe(2);
    expect(second.stderr).toContain('is in use by process');

    expect(await stop(keel.proc)).toBe(0);
  }, 90_000);

  it('keeps its data across a restart and does not print a new password', async () => {
    expect(password).not.toBe('');
    const keel = await startKeel();
    expect(keel.output()).not.toContain('demo customer was created');
    const login = await fetch(`${keel.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'demo@keel.local', password }),
    });
    expect(login.status).toBe(200);
    expect(await stop(keel.proc)).toBe(0);
  }, 90_000);
});
