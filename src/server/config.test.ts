import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadSettings, parseEnv } from './config.ts';

function errorOf(env: Record<string, string>): string {
  try {
    parseEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected parseEnv to throw');
}

describe('parseEnv', () => {
  it('gives the documented defaults', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      PORT: 3000,
      DATA_DIR: './.data',
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.PVE_URL).toBeUndefined();
  });

  it('serves the embedded database on 5433 unless told another port or off', () => {
    expect(parseEnv({}).PGLITE_PORT).toBe(5433);
    expect(parseEnv({ PGLITE_PORT: '' }).PGLITE_PORT).toBe(5433);
    expect(parseEnv({ PGLITE_PORT: '0' }).PGLITE_PORT).toBe(0);
    expect(parseEnv({ PGLITE_PORT: 'off' }).PGLITE_PORT).toBeNull();
    expect(errorOf({ PGLITE_PORT: 'on' })).toContain('PGLITE_PORT must be a port number (0 to 65535) or off');
    expect(errorOf({ PGLITE_PORT: '70000' })).toContain('PGLITE_PORT must be a port number');
  });

  it('serves /metrics only with a token, and a worker listener only on a port given', () => {
    expect(parseEnv({}).METRICS_TOKEN).toBeUndefined();
    expect(parseEnv({ METRICS_TOKEN: ' ' }).METRICS_TOKEN).toBeUndefined();
    expect(parseEnv({ METRICS_TOKEN: 'x'.repeat(16) }).METRICS_TOKEN).toBe('x'.repeat(16));
    expect(errorOf({ METRICS_TOKEN: 'short' })).toBe(
      'Invalid configuration: METRICS_TOKEN must be at least 16 characters',
    );
    expect(parseEnv({}).WORKER_METRICS_PORT).toBeNull();
    expect(parseEnv({ WORKER_METRICS_PORT: '9464' }).WORKER_METRICS_PORT).toBe(9464);
    expect(errorOf({ WORKER_METRICS_PORT: 'yes' })).toContain('WORKER_METRICS_PORT must be a port number');
  });

  it('treats empty strings as unset', () => {
    expect(parseEnv({ DATABASE_URL: '', JWT_SECRET: '  ' }).DATABASE_URL).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT must be a number'],
    [{ PORT: '70000' }, 'PORT must be between 0 and 65535'],
    [{ PORT: '3.5' }, 'PORT must be a whole number'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must be a URL starting with postgres://'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL must be a URL'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET must be at least 32 characters'],
    [{ NODE_ENV: 'production' }, 'JWT_SECRET is required when NODE_ENV=production'],
    [{ PVE_URL: 'https://pve:8006' }, 'PVE_TOKEN_ID is required when PVE_URL is set'],
    [{ PVE_TOKEN_ID: 'keel' }, 'PVE_TOKEN_ID must look like USER@REALM!TOKENID'],
    [{ PVE_FINGERPRINT: 'AB:CD' }, 'PVE_FINGERPRINT must be a SHA-256 fingerprint'],
    [{ WHMCS_DATABASE_URL: 'postgres://x/y' }, 'WHMCS_DATABASE_URL must be a URL starting with mysql://'],
    [{ TRUST_PROXY: 'yes' }, 'TRUST_PROXY must be 1, 0, or a comma-separated list'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY must be 1, 0, or a comma-separated list'],
    [{ TRUST_PROXY: '127.0.0.1,,::1' }, 'TRUST_PROXY must be 1, 0, or a comma-separated list'],
    [{ ACTIVITY_PVE_DETAILS: 'on' }, 'ACTIVITY_PVE_DETAILS must be 1, 0, true or false'],
    [{ CLUSTER_SECRET_KEY: 'short' }, 'CLUSTER_SECRET_KEY must be 32 bytes, as 64 hex digits or base64'],
  ])('%o → "%s"', (env, expected) => {
    const message = errorOf(env);
    expect(message).toContain(expected);
    expect(message.split('\n')).toHaveLength(1);
  });

  it.each([
    [undefined, false],
    ['0', false],
    ['false', false],
    ['1', 1],
    ['true', 1],
    ['127.0.0.1', ['127.0.0.1']],
    ['loopback, 10.0.0.0/8 ,fd00::/8,::1', ['loopback', '10.0.0.0/8', 'fd00::/8', '::1']],
  ])('TRUST_PROXY=%j trusts %j', (value, expected) => {
    expect(parseEnv(value === undefined ? {} : { TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });

  it('hides PVE details from customers unless ACTIVITY_PVE_DETAILS is set', () => {
    expect(parseEnv({}).ACTIVITY_PVE_DETAILS).toBe(false);
    expect(parseEnv({ ACTIVITY_PVE_DETAILS: '1' }).ACTIVITY_PVE_DETAILS).toBe(true);
  });

  it('never echoes a secret value in the error', () => {
    const message = errorOf({ JWT_SECRET: 'hunter2-not-long' });
    expect(message).not.toContain('hunter2');
  });

  it('accepts a full PVE configuration', () => {
    const fp = Array.from({ length: 32 }, () => 'AB').join(':');
    const env = parseEnv({
      PVE_URL: 'https://10.0.0.2:8006',
      PVE_TOKEN_ID: 'keel@pve!api',
      PVE_TOKEN_SECRET: '5f0e9c9e-1111-2222-3333-444455556666',
      PVE_FINGERPRINT: fp,
    });
    expect(env.PVE_FINGERPRINT).toBe(fp);
  });

  it('reads CLUSTER_SECRET_KEY as 32 bytes, and never shows a bad one', () => {
    expect(parseEnv({ CLUSTER_SECRET_KEY: 'ab'.repeat(32) }).CLUSTER_SECRET_KEY).toEqual(
      Buffer.alloc(32, 0xab),
    );
    expect(parseEnv({}).CLUSTER_SECRET_KEY).toBeUndefined();
    expect(errorOf({ CLUSTER_SECRET_KEY: 'hunter2-hunter2' })).not.toContain('hunter2');
  });
});

describe('loadConfig', () => {
  it('generates the JWT secret once, mode 0600, and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-config-'));
    const first = loadConfig({ DATA_DIR: dir });
    const second = loadConfig({ DATA_DIR: dir });
    expect(first.embedded).toBe(true);
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(Buffer.from(second.jwtSecret).equals(Buffer.from(first.jwtSecret))).toBe(true);
    expect(statSync(join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim().length).toBeGreaterThan(40);
  });

  it('uses JWT_SECRET when given and is not embedded with DATABASE_URL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-config-'));
    const config = loadConfig({
      DATA_DIR: dir,
      JWT_SECRET: 'x'.repeat(40),
      DATABASE_URL: 'postgres://postgres@127.0.0.1/keel',
    });
    expect(new TextDecoder().decode(config.jwtSecret)).toBe('x'.repeat(40));
    expect(config.embedded).toBe(false);
  });
});

describe('loadSettings', () => {
  it('reads the same settings as loadConfig without creating a JWT secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-config-'));
    const settings = loadSettings({ DATA_DIR: dir, WHMCS_DATABASE_URL: 'mysql://root@127.0.0.1/whmcs' });
    expect(settings).toMatchObject({
      dataDir: dir,
      embedded: true,
      WHMCS_DATABASE_URL: 'mysql://root@127.0.0.1/whmcs',
    });
    expect(settings).not.toHaveProperty('jwtSecret');
    expect(existsSync(join(dir, 'jwt-secret'))).toBe(false);
  });
});
