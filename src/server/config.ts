/**
 * Keel's configuration: the environment, parsed once with Zod at start-up. Nothing else reads
 * process.env. A bad value stops the process with one line naming the variable.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { parseSecretKey } from './lib/secret-box.ts';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const urlWithProtocols = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      { error: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
    );

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(urlWithProtocols(protocols).optional())
    .optional();

const flag = (fallback: '0' | '1') =>
  z
    .enum(['0', '1', 'true', 'false'], { error: 'must be 1, 0, true or false' })
    .default(fallback)
    .transform((v) => v === '1' || v === 'true');

/** Names express's `trust proxy` (proxy-addr) understands besides addresses and CIDRs. */
const proxyAddressNames = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * Whom Keel believes about the client's address and protocol: nobody (`0`), the peer that connects
 * (`1`, one hop), or only peers in a list of addresses, CIDRs and proxy-addr's names. A list is what
 * an operator wants when Keel can be reached other than through the proxy.
 */
export function parseTrustProxy(value: string): false | 1 | string[] | null {
  const v = value.trim().toLowerCase();
  if (v === '0' || v === 'false' || v === '') return false;
  if (v === '1' || v === 'true') return 1;
  const entries = v.split(',').map((e) => e.trim());
  const valid = entries.every(
    (e) => proxyAddressNames.includes(e) || ipaddr.isValid(e) || ipaddr.isValidCIDR(e),
  );
  return valid ? entries : null;
}

const positiveInt = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .positive({ error: 'must be above 0' })
    .default(fallback);

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(0, { error: 'must be between 0 and 65535' })
      .max(65535, { error: 'must be between 0 and 65535' })
      .default(3000),
    HOST: z.string().trim().min(1).default('0.0.0.0'),
    DATA_DIR: z.string().trim().min(1).default('./.data'),
    DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
    JWT_SECRET: optionalString.pipe(
      z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
    ),
    LOG_LEVEL: z.enum(logLevels, { error: `must be one of ${logLevels.join(', ')}` }).default('info'),
    /**
     * Set when Keel runs behind a TLS-terminating proxy: client addresses from X-Forwarded-For, HSTS,
     * Secure `__Host-` cookies. `1` trusts whatever connects; a list trusts only those proxies.
     */
    TRUST_PROXY: z
      .string()
      .default('0')
      .transform((v, ctx) => {
        const parsed = parseTrustProxy(v);
        if (parsed !== null) return parsed;
        ctx.addIssue({
          code: 'custom',
          message: 'must be 1, 0, or a comma-separated list of proxy addresses or CIDRs (or loopback)',
        });
        return z.NEVER;
      }),
    /** Show customers the PVE node names, VMIDs and template ids in their servers' activity. */
    ACTIVITY_PVE_DETAILS: flag('0'),
    PVE_URL: optionalUrl(['https:', 'http:']),
    PVE_TOKEN_ID: optionalString.pipe(
      z
        .string()
        .regex(/^[^@\s]+@[^!\s]+![A-Za-z][A-Za-z0-9._-]*$/, { error: 'must look like USER@REALM!TOKENID' })
        .optional(),
    ),
    PVE_TOKEN_SECRET: optionalString,
    PVE_FINGERPRINT: optionalString.pipe(
      z
        .string()
        .regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, {
          error: 'must be a SHA-256 fingerprint: 32 hex pairs separated by colons',
        })
        .optional(),
    ),
    /**
     * The key that seals the token secrets of the clusters registered through the admin API
     * (AES-256-GCM): 32 bytes as 64 hex digits or base64 (`openssl rand -base64 32`). Without it no
     * cluster can be added; PVE_URL still works.
     */
    CLUSTER_SECRET_KEY: optionalString.transform((v, ctx) => {
      if (v === undefined) return undefined;
      const key = parseSecretKey(v);
      if (key) return key;
      ctx.addIssue({ code: 'custom', message: 'must be 32 bytes, as 64 hex digits or base64' });
      return z.NEVER;
    }),
    /** The first administrator's email, created on a first start against a real cluster (PVE_URL). */
    ADMIN_EMAIL: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.email({ error: 'must be an email address' }))
      .default('admin@keel.local'),
    WHMCS_DATABASE_URL: optionalUrl(['mysql:', 'mariadb:']),
    /**
     * Without DATABASE_URL: the port on 127.0.0.1 where the embedded database is served over the
     * PostgreSQL protocol for psql and `pnpm db:studio` while Keel runs; `off` serves nothing.
     */
    PGLITE_PORT: z
      .string()
      .trim()
      .default('5433')
      .transform((v) => v || '5433')
      .refine((v) => v === 'off' || (/^\d{1,5}$/.test(v) && Number(v) <= 65535), {
        error: 'must be a port number (0 to 65535) or off',
      })
      .transform((v) => (v === 'off' ? null : Number(v))),
    QUOTA_MAX_SERVERS: positiveInt(10),
    QUOTA_MAX_CORES: positiveInt(32),
    QUOTA_MAX_MEMORY_MB: positiveInt(65_536),
    /** Run the job worker inside the API process (the only choice on the embedded database). */
    WORKER: flag('1'),
    /** Jobs a worker runs at once; one waiting on PVE (a clone, a boot) gives its place back meanwhile. */
    WORKER_CONCURRENCY: positiveInt(8),
    /** PVE tasks (config, resize, start, …) one worker runs at once on one node, disk copies apart. */
    PVE_TASKS_PER_NODE: positiveInt(16),
    /** Disk copies (clones) one worker runs at once on one node: they share its storage bandwidth. */
    PVE_COPIES_PER_NODE: positiveInt(4),
    /** How often an idle worker looks for jobs (LISTEN/NOTIFY wakes it sooner on PostgreSQL). */
    WORKER_TICK_MS: positiveInt(1000),
    /** How long a claimed job stays a worker's without renewal; a dead worker's jobs resume after it. */
    WORKER_LEASE_MS: positiveInt(30_000),
    /** How long SIGTERM waits for running jobs before handing them back. */
    WORKER_GRACE_MS: positiveInt(10_000),
    /** Interval between PVE task status polls. */
    PVE_POLL_MS: positiveInt(1000),
    /** How long Keel waits for a guest to power off on shutdown before reporting that it did not. */
    SHUTDOWN_TIMEOUT_S: positiveInt(60),
    /** How long a suspended server's guest gets to power off (ACPI) before PVE stops it hard. */
    SUSPEND_GRACE_S: positiveInt(30),
    /**
     * How often the worker compares settled servers with PVE: a suspended server's VM found running is
     * stopped again within this interval (plus its stop).
     */
    RECONCILE_INTERVAL_MS: positiveInt(30_000),
    /** A `pnpm testbed:whmcs --pve-state` file whose VMs the built-in simulator adds at start. */
    PVE_SIM_VMS: optionalString,
    /**
     * How long a write sent with an Idempotency-Key waits for another request holding the same key
     * before answering 409 IN_PROGRESS.
     */
    IDEMPOTENCY_WAIT_MS: positiveInt(5000),
    /** Webhook deliveries in flight at once, per worker process (apart from the job slots). */
    WEBHOOK_CONCURRENCY: positiveInt(4),
    /** How long one webhook request may take before it counts as failed and is retried. */
    WEBHOOK_TIMEOUT_MS: positiveInt(10_000),
    /** The first retry delay of a failed delivery; it doubles with each attempt (capped at 6 hours). */
    WEBHOOK_RETRY_BASE_MS: positiveInt(10_000),
    /** Where customers reach Keel (`https://panel.example.com`): the base of links in emails and answers. */
    PUBLIC_URL: optionalUrl(['https:', 'http:']),
    /** Mail for password links (`smtp://user:pass@host:587`, `smtps://…`); without it links go to the log. */
    SMTP_URL: optionalUrl(['smtp:', 'smtps:']),
    /**
     * Administrators must have two-factor sign-in on: until they enable it (Account → Security), the
     * administrators' routes answer 403 to them, whether they come with a session or an API token.
     */
    REQUIRE_ADMIN_2FA: flag('0'),
    /** The sender of Keel's mail. */
    MAIL_FROM: optionalString.pipe(z.string().default('Keel <keel@localhost>')),
    /** Speed factor of the built-in PVE simulator (used only without PVE_URL). */
    PVE_SIM_SPEED: z.coerce
      .number({ error: 'must be a number' })
      .positive({ error: 'must be above 0' })
      .default(1),
    /**
     * How often an open web console checks that its sign-in, its ticket's session and its server's
     * `running` status still hold (a console is also closed at once by what happens in this process).
     */
    CONSOLE_CHECK_MS: positiveInt(5000),
    /**
     * Turns on `GET /metrics` (Prometheus text format), readable with `Authorization: Bearer <token>`;
     * without it /metrics answers 404.
     */
    METRICS_TOKEN: optionalString.pipe(
      z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
    ),
    /**
     * `pnpm worker` only: a port on HOST where that worker serves its own `/metrics` (the token above
     * applies when set); `off` (the default) serves none.
     */
    WORKER_METRICS_PORT: z
      .string()
      .trim()
      .default('off')
      .refine((v) => v === 'off' || v === '' || (/^\d{1,5}$/.test(v) && Number(v) <= 65535), {
        error: 'must be a port number (0 to 65535) or off',
      })
      .transform((v) => (v === 'off' || v === '' ? null : Number(v))),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'is required when NODE_ENV=production' });
    }
    if (env.PVE_URL && (!env.PVE_TOKEN_ID || !env.PVE_TOKEN_SECRET)) {
      const missing = !env.PVE_TOKEN_ID ? 'PVE_TOKEN_ID' : 'PVE_TOKEN_SECRET';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'is required when PVE_URL is set' });
    }
  });

export type Env = z.output<typeof envSchema>;

export class ConfigError extends Error {}

/** Parses an environment; throws ConfigError with one line per bad variable, each naming it. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment');
    const value = source[name];
    const shown = value === undefined || /SECRET|PASSWORD|TOKEN/.test(name) ? '' : ` (got "${value}")`;
    return `Invalid configuration: ${name} ${issue.message}${shown}`;
  });
  throw new ConfigError(lines.join('\n'));
}

export interface Settings extends Env {
  dataDir: string;
  /** True when no DATABASE_URL is set: PGlite under DATA_DIR. */
  embedded: boolean;
  quota: { maxServers: number; maxCores: number; maxMemoryMb: number };
}

export interface Config extends Settings {
  jwtSecret: Uint8Array;
}

/**
 * The JWT secret: from JWT_SECRET, else generated once into DATA_DIR (mode 0600) so tokens survive
 * restarts of an embedded install.
 */
export function resolveJwtSecret(env: Env, dataDir: string): Uint8Array {
  if (env.JWT_SECRET) return new TextEncoder().encode(env.JWT_SECRET);
  const file = join(dataDir, 'jwt-secret');
  try {
    return new Uint8Array(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48);
  writeFileSync(file, secret.toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return new Uint8Array(secret);
}

/**
 * The settings without the JWT secret, for tools that never issue a token (the migration CLI): reading them
 * writes nothing, where loadConfig creates the secret on first use.
 */
export function loadSettings(source: Record<string, string | undefined> = process.env): Settings {
  const env = parseEnv(source);
  return {
    ...env,
    dataDir: resolve(env.DATA_DIR),
    embedded: !env.DATABASE_URL,
    quota: {
      maxServers: env.QUOTA_MAX_SERVERS,
      maxCores: env.QUOTA_MAX_CORES,
      maxMemoryMb: env.QUOTA_MAX_MEMORY_MB,
    },
  };
}

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const settings = loadSettings(source);
  return { ...settings, jwtSecret: resolveJwtSecret(settings, settings.dataDir) };
}
