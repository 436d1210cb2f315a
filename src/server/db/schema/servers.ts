/** Servers and what they are made of: the catalogue, the servers, their jobs, the IP pools and addresses. */
import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { serverStatuses } from '../../../shared/server-status.ts';
import {
  active,
  catalogueKey,
  createdAt,
  jsonObject,
  serialId,
  textList,
  timestamptz,
  updatedAt,
  uuidId,
} from './columns.ts';
import { ownedBy, users } from './accounts.ts';

export const plans = pgTable('plans', {
  ...catalogueKey(),
  cpuCores: integer('cpu_cores').notNull(),
  memoryMb: integer('memory_mb').notNull(),
  diskGb: integer('disk_gb').notNull(),
  priceMonthlyCents: integer('price_monthly_cents'),
  /** Closed plans stay attached to existing servers but take no new orders. */
  active: active(),
  /** How many snapshots a server on this plan may keep at once. */
  snapshotLimit: integer('snapshot_limit').notNull().default(3),
  legacyWhmcsProductId: integer('legacy_whmcs_product_id').unique(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const images = pgTable('images', {
  ...catalogueKey(),
  osFamily: text('os_family').notNull().default('linux'),
  /** The PVE template per node: `{"*": 9000}` for one on shared storage, `{"pve1": 9001, …}` otherwise. */
  pveTemplates: jsonb('pve_templates').$type<Record<string, number>>().notNull().default({}),
  active: active(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * Proxmox VE clusters registered through the admin API, besides the default one (PVE_URL, or the
 * built-in simulator), which has no row: a NULL cluster id everywhere means the default cluster.
 */
export const pveClusters = pgTable('pve_clusters', {
  ...catalogueKey(),
  /** e.g. `https://pve1.hel.example.com:8006` (no `/api2/json`). */
  url: text('url').notNull(),
  tokenId: text('token_id').notNull(),
  /** The API token secret sealed with CLUSTER_SECRET_KEY (lib/secret-box.ts); never sent back. */
  tokenSecretSealed: text('token_secret_sealed').notNull(),
  /** SHA-256 fingerprint of a self-signed certificate; null: the system CAs verify. */
  fingerprint: text('fingerprint'),
  /** False: no new servers on its locations; its servers are still managed. */
  active: active(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const locations = pgTable('locations', {
  ...catalogueKey(),
  country: text('country'),
  /** The cluster its nodes belong to; NULL: the default cluster. */
  clusterId: uuid('cluster_id').references(() => pveClusters.id, { onDelete: 'restrict' }),
  /** The PVE nodes that servers in this location may be placed on. */
  pveNodes: textList('pve_nodes'),
  active: active(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const servers = pgTable(
  'servers',
  {
    id: uuidId(),
    userId: ownedBy('restrict'),
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
    sshKeys: textList('ssh_keys'),
    ipAddress: text('ip_address'),
    pveNode: text('pve_node'),
    pveVmid: integer('pve_vmid'),
    /** tblhosting.id of the WHMCS service this server came from. */
    legacyWhmcsServiceId: integer('legacy_whmcs_service_id').unique(),
    /** WHMCS options and fields that map to no column, kept verbatim so nothing is lost. */
    legacyAttributes: jsonObject('legacy_attributes'),
    terminatedAt: timestamptz('terminated_at'),
    // Suspension by an operator: when, by whom, why (shown to the customer), and the power state
    // the server returns to when it is lifted (null until known, for one suspended from `error`).
    suspendedAt: timestamptz('suspended_at'),
    suspendedBy: uuid('suspended_by').references(() => users.id, { onDelete: 'set null' }),
    suspensionReason: text('suspension_reason'),
    powerBeforeSuspension: text('power_before_suspension', { enum: ['running', 'stopped'] }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('servers_user_created_idx').on(t.userId, t.createdAt),
    // One VM belongs to at most one live server: a VMID is unique within its cluster (NULL: the default).
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
    id: serialId(),
    serverId: uuid('server_id')
      .notNull()
      .references(() => servers.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: jobKinds }).notNull(),
    state: text('state', { enum: jobStates }).notNull().default('queued'),
    /** The last step persisted, so a job resumed after a crash continues where it stopped. */
    step: text('step'),
    progress: jsonObject('progress'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(5),
    runAfter: timestamptz('run_after').notNull().defaultNow(),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: timestamptz('lease_expires_at'),
    lastError: text('last_error'),
    requestedBy: uuid('requested_by').references(() => users.id, { onDelete: 'set null' }),
    requestId: text('request_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: timestamptz('finished_at'),
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
  id: uuidId(),
  locationId: uuid('location_id')
    .notNull()
    .references(() => locations.id),
  cidr: text('cidr').notNull(),
  gateway: text('gateway').notNull(),
  rangeStart: text('range_start').notNull(),
  rangeEnd: text('range_end').notNull(),
  dns: textList('dns'),
  createdAt: createdAt(),
});

export const ipAddresses = pgTable(
  'ip_addresses',
  {
    id: uuidId(),
    /** Null: an address a server holds outside every pool (a migrated one), recorded so no pool hands it out. */
    poolId: uuid('pool_id').references(() => ipPools.id, { onDelete: 'cascade' }),
    address: text('address').notNull().unique(),
    serverId: uuid('server_id').references(() => servers.id, { onDelete: 'set null' }),
    allocatedAt: timestamptz('allocated_at'),
    /** The server's own address (servers.ip_address); false for its additional ones (WHMCS assigned IPs). */
    primary: boolean('primary').notNull().default(true),
  },
  (t) => [
    uniqueIndex('ip_addresses_server_key')
      .on(t.serverId)
      .where(sql`${t.serverId} is not null and ${t.primary}`),
  ],
);
