/**
 * Keel's database, defined once. The tRPC routers, the REST adapter, the worker and the WHMCS migrator
 * all read and write through these tables.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { userRoles } from '../../shared/api.ts';
import { tokenScopes } from '../../shared/tokens.ts';
import { serverStatuses } from '../../shared/server-status.ts';
import { webhookEventTypes } from '../../shared/webhooks.ts';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    name: text('name').notNull().default(''),
    role: text('role', { enum: userRoles }).notNull().default('customer'),
    /** Self-describing: `$scrypt$…` for Keel's own KDF; migrated WHMCS hashes keep their own shape. */
    passwordHash: text('password_hash').notNull(),
    /** tblusers.id of the WHMCS login this user came from. */
    legacyWhmcsUserId: integer('legacy_whmcs_user_id').unique(),
    /** tblclients.id, for installs older than WHMCS 8 where the client row was the login. */
    legacyWhmcsClientId: integer('legacy_whmcs_client_id').unique(),
    /** Per-user quota overrides; null means the configured default. */
    maxServers: integer('max_servers'),
    maxCores: integer('max_cores'),
    maxMemoryMb: integer('max_memory_mb'),
    /** Set while an operator has disabled the account: no sign-in, no session, no API token. */
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    /**
     * When every session of the account was last ended (a password set through a link, a disabled
     * account): access tokens issued before it are refused, not only the refresh tokens revoked.
     */
    sessionsEndedAt: timestamp('sessions_ended_at', { withTimezone: true }),
    /** What a migration carried over that has no column: the WHMCS accounts' billing details, verbatim. */
    legacyAttributes: jsonb('legacy_attributes').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    check('users_email_lowercase', sql`${t.email} = lower(${t.email})`),
  ],
);

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** All tokens descended from one login share a family; reuse of a rotated token revokes it whole. */
    familyId: uuid('family_id').notNull(),
    /** SHA-256 of the token; the token itself is only ever in the user's cookie. */
    tokenHash: text('token_hash').notNull().unique(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    rotatedAt: timestamp('rotated_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('refresh_tokens_family_idx').on(t.familyId), index('refresh_tokens_user_idx').on(t.userId)],
);

// Accounts: API tokens and one-time links -----------------------------------------------------------

/**
 * Long-lived credentials for scripts, each with its scopes. The secret (`keel_…`) is shown once at
 * creation; only its SHA-256 is kept, with a short prefix to tell tokens apart in a list.
 */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    scopes: text('scopes', { enum: tokenScopes }).array().notNull(),
    prefix: text('prefix').notNull(),
    secretHash: text('secret_hash').notNull().unique(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** Written at most once a minute per token, by whichever process sees it used first. */
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    lastUsedIp: text('last_used_ip'),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('api_tokens_user_idx').on(t.userId, t.createdAt)],
);

export const userLinkPurposes = ['set-password', 'reset-password'] as const;

/**
 * One-time links that let someone set a password without the current one: for an account an operator
 * made without a password, and for a reset. Only the SHA-256 of the link's token is kept; a link works
 * once, before it expires.
 */
export const userLinks = pgTable(
  'user_links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: userLinkPurposes }).notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [index('user_links_user_idx').on(t.userId)],
);

/**
 * A user's TOTP (RFC 6238) second factor. The secret is kept encrypted (AES-256-GCM under a key derived
 * from the JWT secret; auth/totp.ts) and is shown only while enrolling. It counts only once `enabledAt`
 * is set, which a first correct code does. `lastUsedStep` is the newest 30-second step a code was
 * accepted for: a code of that step or an older one is refused, so a code seen over someone's shoulder
 * cannot be used again.
 */
export const userTwoFactor = pgTable('user_two_factor', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  secretEncrypted: text('secret_encrypted').notNull(),
  enabledAt: timestamp('enabled_at', { withTimezone: true }),
  lastUsedStep: bigint('last_used_step', { mode: 'number' }),
  createdAt: createdAt(),
});

/**
 * One-time recovery codes, made when two-factor sign-in is turned on and shown once. Only the SHA-256 of
 * each is kept (they are random, 50 bits each, so a fast hash is enough); each works once.
 */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('recovery_codes_user_code_key').on(t.userId, t.codeHash)],
);

/**
 * Sign-in attempts within the throttle's window, one row per throttle key an attempt counts against (the
 * address with the email, and the address alone). Kept here rather than in memory so that every Keel
 * process on this database counts the same attempts.
 */
export const loginAttempts = pgTable(
  'login_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** SHA-256 of the throttle key: who tried is countable without storing their address or email. */
    keyHash: text('key_hash').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('login_attempts_key_at_idx').on(t.keyHash, t.at), index('login_attempts_at_idx').on(t.at)],
);

export const plans = pgTable('plans', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  cpuCores: integer('cpu_cores').notNull(),
  memoryMb: integer('memory_mb').notNull(),
  diskGb: integer('disk_gb').notNull(),
  priceMonthlyCents: integer('price_monthly_cents'),
  /** Closed plans stay attached to existing servers but take no new orders. */
  active: boolean('active').notNull().default(true),
  /** How many snapshots a server on this plan may keep at once. */
  snapshotLimit: integer('snapshot_limit').notNull().default(3),
  legacyWhmcsProductId: integer('legacy_whmcs_product_id').unique(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const images = pgTable('images', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  osFamily: text('os_family').notNull().default('linux'),
  /** The PVE template per node: `{"*": 9000}` for one on shared storage, `{"pve1": 9001, …}` otherwise. */
  pveTemplates: jsonb('pve_templates').$type<Record<string, number>>().notNull().default({}),
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * Proxmox VE clusters registered through the admin API, besides the default one (PVE_URL, or the
 * built-in simulator), which has no row: a NULL cluster id everywhere means the default cluster.
 */
export const pveClusters = pgTable('pve_clusters', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  /** e.g. `https://pve1.hel.example.com:8006` (no `/api2/json`). */
  url: text('url').notNull(),
  tokenId: text('token_id').notNull(),
  /** The API token secret sealed with CLUSTER_SECRET_KEY (lib/secret-box.ts); never sent back. */
  tokenSecretSealed: text('token_secret_sealed').notNull(),
  /** SHA-256 fingerprint of a self-signed certificate; null: the system CAs verify. */
  fingerprint: text('fingerprint'),
  /** False: no new servers on its locations; its servers are still managed. */
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const locations = pgTable('locations', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  country: text('country'),
  /** The cluster its nodes belong to; NULL: the default cluster. */
  clusterId: uuid('cluster_id').references(() => pveClusters.id, { onDelete: 'restrict' }),
  /** The PVE nodes that servers in this location may be placed on. */
  pveNodes: text('pve_nodes')
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const servers = pgTable(
  'servers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    status: text('status', { enum: serverStatuses }).notNull(),
    statusReason: text('status_reason'),
    planId: uuid('plan_id').references(() => plans.id),
    imageId: uuid('image_id').references(() => images.id),
    locationId: uuid('location_id').references(() => locations.id),
    /** The cluster its VM lives on, fixed when it is ordered; NULL: the default cluster. */
    clusterId: uuid('cluster_id').references(() => pveClusters.id, { onDelete: 'restrict' }),
    cpuCores: integer('cpu_cores').notNull(),
    memoryMb: integer('memory_mb').notNull(),
    diskGb: integer('disk_gb').notNull(),
    sshKeys: text('ssh_keys')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    ipAddress: text('ip_address'),
    pveNode: text('pve_node'),
    pveVmid: integer('pve_vmid'),
    /** tblhosting.id of the WHMCS service this server came from. */
    legacyWhmcsServiceId: integer('legacy_whmcs_service_id').unique(),
    /** WHMCS options and fields that map to no column, kept verbatim so nothing is lost. */
    legacyAttributes: jsonb('legacy_attributes').$type<Record<string, unknown>>().notNull().default({}),
    terminatedAt: timestamp('terminated_at', { withTimezone: true }),
    // Suspension by an operator: when, by whom, why (shown to the customer), and the power state
    // the server returns to when it is lifted (null until known, for one suspended from `error`).
    suspendedAt: timestamp('suspended_at', { withTimezone: true }),
    suspendedBy: uuid('suspended_by').references(() => users.id, { onDelete: 'set null' }),
    suspensionReason: text('suspension_reason'),
    powerBeforeSuspension: text('power_before_suspension', { enum: ['running', 'stopped'] }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('servers_user_created_idx').on(t.userId, t.createdAt),
    // One VM belongs to at most one live server: a VMID is unique within its cluster.
    uniqueIndex('servers_pve_vmid_key')
      .on(sql`coalesce(${t.clusterId}, '00000000-0000-0000-0000-000000000000'::uuid)`, t.pveVmid)
      .where(sql`${t.terminatedAt} is null`),
    check('servers_specs_positive', sql`${t.cpuCores} > 0 and ${t.memoryMb} > 0 and ${t.diskGb} > 0`),
  ],
);

export const jobKinds = [
  'provision',
  'start',
  'shutdown',
  'stop',
  'reboot',
  'terminate',
  // An operator's suspension: ACPI shutdown, hard stop after SUSPEND_GRACE_S.
  'suspend',
  // Reconciliation found a suspended server's VM running: a hard stop at once.
  'enforce_suspension',
  // Self-service operations: each job's parameters are in its `progress` from the start.
  'reinstall',
  'root_password',
  'resize',
  'snapshot_create',
  'snapshot_rollback',
  'snapshot_delete',
] as const;
export type JobKind = (typeof jobKinds)[number];
export const jobStates = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

export const serverJobs = pgTable(
  'server_jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    serverId: uuid('server_id')
      .notNull()
      .references(() => servers.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: jobKinds }).notNull(),
    state: text('state', { enum: jobStates }).notNull().default('queued'),
    /** The last step persisted, so a job resumed after a crash continues where it stopped. */
    step: text('step'),
    progress: jsonb('progress').$type<Record<string, unknown>>().notNull().default({}),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(5),
    runAfter: timestamp('run_after', { withTimezone: true }).notNull().defaultNow(),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    lastError: text('last_error'),
    requestedBy: uuid('requested_by').references(() => users.id, { onDelete: 'set null' }),
    requestId: text('request_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    // At most one active job per server.
    uniqueIndex('server_jobs_one_active_key')
      .on(t.serverId)
      .where(sql`${t.state} in ('queued', 'running')`),
    index('server_jobs_claim_idx')
      .on(t.runAfter)
      .where(sql`${t.state} in ('queued', 'running')`),
  ],
);

export const ipPools = pgTable('ip_pools', {
  id: uuid('id').primaryKey().defaultRandom(),
  locationId: uuid('location_id')
    .notNull()
    .references(() => locations.id),
  cidr: text('cidr').notNull(),
  gateway: text('gateway').notNull(),
  rangeStart: text('range_start').notNull(),
  rangeEnd: text('range_end').notNull(),
  dns: text('dns')
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  createdAt: createdAt(),
});

export const ipAddresses = pgTable(
  'ip_addresses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Null: an address a server holds outside every pool (a migrated one), recorded so no pool hands it out. */
    poolId: uuid('pool_id').references(() => ipPools.id, { onDelete: 'cascade' }),
    address: text('address').notNull().unique(),
    serverId: uuid('server_id').references(() => servers.id, { onDelete: 'set null' }),
    allocatedAt: timestamp('allocated_at', { withTimezone: true }),
    /** The server's own address (servers.ip_address); false for its additional ones (WHMCS assigned IPs). */
    primary: boolean('primary').notNull().default(true),
  },
  (t) => [
    uniqueIndex('ip_addresses_server_key')
      .on(t.serverId)
      .where(sql`${t.serverId} is not null and ${t.primary}`),
  ],
);

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    kind: text('kind').notNull(),
    message: text('message').notNull(),
    actorUserId: uuid('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    serverId: uuid('server_id').references(() => servers.id, { onDelete: 'cascade' }),
    jobId: integer('job_id'),
    pveUpid: text('pve_upid'),
    requestId: text('request_id'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index('audit_events_server_at_idx').on(t.serverId, t.at),
    // The operators' audit view filters by actor and by kind, newest (highest id) first.
    index('audit_events_actor_id_idx').on(t.actorUserId, t.id),
    index('audit_events_kind_id_idx').on(t.kind, t.id),
  ],
);

// Idempotency, webhooks, two-factor sign-in -------------------------------------------------------

/**
 * The first answer to a write sent with an `Idempotency-Key`, per user, kept 24 hours. The row is
 * inserted in the same transaction as the write it answers, so it exists exactly when the write
 * committed; a retry with the key finds it and gets the stored answer instead of doing the work again.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    /** The tRPC procedure (`servers.create`): one key names one request, whichever transport sent it. */
    procedure: text('procedure').notNull(),
    /** SHA-256 of the procedure and its input, canonical JSON: a retry must send the same request. */
    requestHash: text('request_hash').notNull(),
    /** `ok` with the output, or `error` with the public error; null only while the request runs. */
    outcome: text('outcome', { enum: ['ok', 'error'] }),
    /** The output as superjson serialises it, or `{code, message, fields?}`. */
    response: jsonb('response').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('idempotency_keys_user_key').on(t.userId, t.key),
    index('idempotency_keys_created_idx').on(t.createdAt),
  ],
);

export type WebhookEventType = (typeof webhookEventTypes)[number];
export { webhookEventTypes };

/** Where the operator wants events sent. The secret signs each delivery; it is shown once, at creation. */
export const webhookEndpoints = pgTable('webhook_endpoints', {
  id: uuid('id').primaryKey().defaultRandom(),
  url: text('url').notNull(),
  description: text('description').notNull().default(''),
  /** The event types sent here. */
  events: text('events', { enum: webhookEventTypes }).array().notNull(),
  secret: text('secret').notNull(),
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const webhookDeliveryStates = ['pending', 'delivered', 'failed'] as const;

/**
 * One event for one endpoint, and the durable queue of its delivery: written in the transaction of the
 * change it reports (db/events.ts), claimed by the worker's webhook loop, retried with backoff. The
 * body is fixed at the event, so every attempt sends the same bytes under the same event id.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id').notNull(),
    eventType: text('event_type', { enum: webhookEventTypes }).notNull(),
    body: text('body').notNull(),
    state: text('state', { enum: webhookDeliveryStates }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** When the next attempt is due; while one runs, the end of its lease. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    /** The receiver's HTTP status of the last attempt; null when it did not answer. */
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index('webhook_deliveries_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.state} = 'pending'`),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.id),
  ],
);

// -- web console ---------------------------------------------------------------------------------------

/**
 * One web console: issued as a one-time ticket (kept as its SHA-256 only), opened when the browser's
 * WebSocket presents it, closed when it ends or a newer console of the same user and server replaces it.
 * `authSession` is the sign-in (refresh-token family) that asked for it: the console ends with it.
 */
export const consoleSessions = pgTable(
  'console_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    serverId: uuid('server_id')
      .notNull()
      .references(() => servers.id, { onDelete: 'cascade' }),
    authSession: uuid('auth_session'),
    ticketHash: text('ticket_hash').notNull().unique(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    closeReason: text('close_reason'),
    createdAt: createdAt(),
  },
  (t) => [
    index('console_sessions_open_idx')
      .on(t.userId, t.serverId)
      .where(sql`${t.openedAt} is not null and ${t.closedAt} is null`),
  ],
);

// -- self-service: the account's SSH keychain ---------------------------------------------------------

/** Public keys a customer keeps in their account, to choose from when ordering or reinstalling. */
export const sshKeys = pgTable(
  'ssh_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The key in its canonical form (`type base64 [comment]`), as handed to PVE. */
    publicKey: text('public_key').notNull(),
    /** `SHA256:…`, as `ssh-keygen -l` prints it. */
    fingerprint: text('fingerprint').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('ssh_keys_user_idx').on(t.userId, t.createdAt),
    uniqueIndex('ssh_keys_user_fingerprint_key').on(t.userId, t.fingerprint),
  ],
);
