/** Accounts: users, their sign-in (tokens, links, two-factor, throttle) and their SSH keychain. */
import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { userRoles } from '../../../shared/api.ts';
import { tokenScopes } from '../../../shared/tokens.ts';
import { createdAt, jsonObject, serialId, timestamptz, updatedAt, uuidId } from './columns.ts';

export const users = pgTable(
  'users',
  {
    id: uuidId(),
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
    disabledAt: timestamptz('disabled_at'),
    /**
     * When every session of the account was last ended (a password set through a link, a disabled
     * account): access tokens issued before it are refused, not only the refresh tokens revoked.
     */
    sessionsEndedAt: timestamptz('sessions_ended_at'),
    /** What a migration carried over that has no column: the WHMCS accounts' billing details, verbatim. */
    legacyAttributes: jsonObject('legacy_attributes'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    check('users_email_lowercase', sql`${t.email} = lower(${t.email})`),
  ],
);

/**
 * The user a row belongs to (`user_id`, required): deleting the user deletes the row with it
 * (`cascade`), or is refused while the row exists (`restrict`).
 */
export const ownedBy = (onDelete: 'cascade' | 'restrict') =>
  uuid('user_id')
    .notNull()
    .references(() => users.id, { onDelete });

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuidId(),
    userId: ownedBy('cascade'),
    /** All tokens descended from one login share a family; reuse of a rotated token revokes it whole. */
    familyId: uuid('family_id').notNull(),
    /** SHA-256 of the token; the token itself is only ever in the user's cookie. */
    tokenHash: text('token_hash').notNull().unique(),
    expiresAt: timestamptz('expires_at').notNull(),
    rotatedAt: timestamptz('rotated_at'),
    revokedAt: timestamptz('revoked_at'),
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
    id: uuidId(),
    userId: ownedBy('cascade'),
    name: text('name').notNull(),
    scopes: text('scopes', { enum: tokenScopes }).array().notNull(),
    prefix: text('prefix').notNull(),
    secretHash: text('secret_hash').notNull().unique(),
    expiresAt: timestamptz('expires_at'),
    /** Written at most once a minute per token, by whichever process sees it used first. */
    lastUsedAt: timestamptz('last_used_at'),
    lastUsedIp: text('last_used_ip'),
    revokedAt: timestamptz('revoked_at'),
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
    id: uuidId(),
    userId: ownedBy('cascade'),
    purpose: text('purpose', { enum: userLinkPurposes }).notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    expiresAt: timestamptz('expires_at').notNull(),
    usedAt: timestamptz('used_at'),
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
  enabledAt: timestamptz('enabled_at'),
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
    id: serialId(),
    userId: ownedBy('cascade'),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamptz('used_at'),
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
    id: serialId(),
    /** SHA-256 of the throttle key: who tried is countable without storing their address or email. */
    keyHash: text('key_hash').notNull(),
    at: timestamptz('at').notNull(),
  },
  (t) => [index('login_attempts_key_at_idx').on(t.keyHash, t.at), index('login_attempts_at_idx').on(t.at)],
);

// -- self-service: the account's SSH keychain ---------------------------------------------------------

/** Public keys a customer keeps in their account, to choose from when ordering or reinstalling. */
export const sshKeys = pgTable(
  'ssh_keys',
  {
    id: uuidId(),
    userId: ownedBy('cascade'),
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
