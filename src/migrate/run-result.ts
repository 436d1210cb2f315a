/**
 * What a migration run returns (`RunResult`) and the report types it is made of: the counts per entity, the
 * per-record entries, the changes, the removals, the addresses, the PVE check and the reconciliation. The run's
 * Tally (tally.ts) fills one in.
 */
import type { AppliedRemoval } from './apply-removals.ts';
import type { Change } from './load.ts';

export interface Progress {
  phase: 'accounts' | 'services';
  /** Rows read so far. */
  done: number;
  /** Rows per second so far. */
  rate: number;
  /** Where the phase is in the source: the last id read and the highest id there is (keyset order). */
  position?: { at: number; last: number };
}

/** One line per phase of the run: what it did and how long it took. */
export interface PhaseSummary {
  phase: string;
  seconds: number;
  line: string;
}

/** What this run changed in Keel, by category, with the WHMCS ids (login keys for users). */
export interface RunChanges {
  plans: { created: number[]; updated: number[] };
  accounts: { created: number[]; updated: number[] };
  users: { created: string[]; updated: string[]; passwordChanged: string[] };
  /** Servers by tblhosting.id; an update names the Keel columns that changed. */
  servers: { created: number[]; updated: { id: number; fields: string[] }[] };
}

/** What Keel should do with a server whose WHMCS service left the migration's scope. */
export type RemovalAction = 'suspend' | 'terminate';

/** A Keel server migrated by an earlier run whose WHMCS service is no longer in scope. */
export interface ServerRemoval {
  serviceId: number;
  serverId: string;
  name: string;
  vmid: number | null;
  clientId: number | null;
  /** tblhosting.domainstatus now, null when the service is gone from WHMCS. */
  whmcsStatus: string | null;
  /** The skip reason this run gave it (`service-ended`, `client-closed`, …), or `deleted-in-whmcs`. */
  reason: string;
  /**
   * What WHMCS's state asks for: `terminate` for an ended service, `suspend` otherwise. --apply-removals
   * suspends both (apply-removals.ts: terminating would delete the VM).
   */
  action: RemovalAction;
}

/** An account migrated by an earlier run that is no longer in scope (closed, inactive, deleted). */
export interface AccountRemoval {
  clientId: number;
  /** tblclients.status now, null when the client is gone from WHMCS. */
  status: string | null;
  reason: string;
}

/** A server product whose plan defaults could not all be found: made closed, its unknown specs 0. */
export interface UnresolvedPlan {
  productId: number;
  slug: string;
  missing: string[];
  reasons: string[];
  /** Services of this product that failed in this run: 0 means each migrated with its own specs. */
  servicesFailed: number;
}

export interface EntityCounts {
  created: number;
  updated: number;
  unchanged: number;
  skipped: Record<string, number>;
  failed: number;
}

export interface RecordReport {
  entity: 'account' | 'user' | 'service' | 'plan' | 'image' | 'location';
  id: number | string;
  outcome: Change | 'skipped' | 'failed';
  reason?: string;
  error?: string;
  warnings?: string[];
  notes?: string[];
  keel?: Record<string, unknown>;
}

export type Entity = 'plans' | 'images' | 'locations' | 'users' | 'accounts' | 'servers';

export interface RunResult {
  dryRun: boolean;
  whmcsVersion: string | null;
  counts: Record<Entity, EntityCounts>;
  records: RecordReport[];
  warnings: Record<string, number>;
  sharedEmails: { email: string; keptLogin: string; mergedLogins: string[] }[];
  created: { images: string[]; locations: string[] };
  legacyKeys: string[];
  notMigrated: string[];
  /** What changed in Keel, per category with ids (the first 100 000 of each; `counts` has the totals). */
  changes: RunChanges;
  /** Records migrated before that are out of scope now: reported, never deleted by the migration. */
  removals: { servers: ServerRemoval[]; accounts: AccountRemoval[] };
  /** With --apply-removals: what was done to each server of `removals.servers` (apply-removals.ts). */
  appliedRemovals?: AppliedRemoval[];
  unresolvedPlans: UnresolvedPlan[];
  /** The migrated servers' addresses in IPAM (ip_addresses), see load-addresses.ts. */
  addresses: AddressReport;
  /** One summary line per phase, in the order they ran. */
  phases: PhaseSummary[];
  reconciliation?: Reconciliation;
  pveCheck?: PveCheck;
  seconds: number;
  servicesPerSecond: number;
  /** Where the time went (seconds): waiting for the source, transforming, writing, reconciling. */
  phaseSeconds: Record<string, number>;
}

export interface AddressReport {
  /** Newly allocated from the pool that holds them. */
  allocated: number;
  /** Newly recorded outside every pool (no pool holds them; a pool created later takes them over). */
  recorded: number;
  /** Already registered to the same server by an earlier run. */
  kept: number;
  /** Of all the addresses the servers hold now: in a pool, and outside every pool. */
  inPool: number;
  outsidePool: number;
  /** Claims refused because another server holds the address, or an earlier service claims it (first 1000). */
  conflicts: {
    address: string;
    serviceId: number;
    heldByServiceId: number | null;
    heldByServerId: string | null;
  }[];
  conflictCount: number;
  /** Values of dedicatedip / assignedips that are not addresses, not registered (first 1000). */
  invalid: { serviceId: number; value: string }[];
  invalidCount: number;
}

/** --verify-pve: each migrated server's VMID must exist on PVE on the same node with the same specs. */
export interface PveCheck {
  checked: number;
  matched: number;
  mismatched: number;
  /** The first 1000 problems (all are counted in `mismatched`). */
  problems: { serviceId: number; vmid: number; problem: string }[];
}

export interface Reconciliation {
  ok: boolean;
  expectedServers: number;
  targetServers: number;
  expectedUsers: number;
  targetUsers: number;
  /** Accounts (tblclients rows) kept in users.legacy_attributes.whmcsAccounts. */
  expectedAccounts: number;
  targetAccounts: number;
  fields: Record<string, { source: string; target: string; match: boolean }>;
  mismatches: string[];
}
