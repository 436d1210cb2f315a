/**
 * The one tally of a migration run: every phase reports what it created, updated, left, skipped and failed, the
 * warnings, the per-record entries and where the time went, into one object; the result is read off it at the end.
 */
import { checksumFields, Sums, type Change } from './load.ts';

export interface Progress {
  phase: 'accounts' | 'services';
  done: number;
  rate: number;
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
  reconciliation?: Reconciliation;
  pveCheck?: PveCheck;
  seconds: number;
  servicesPerSecond: number;
  /** Where the time went (seconds): waiting for the source, transforming, writing, reconciling. */
  phaseSeconds: Record<string, number>;
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

const notMigrated = [
  'tblhosting.password and tblservers.password/accesshash: encrypted with cc_encryption_hash from configuration.php, which is not in the database',
  'password-type custom fields: kept only as opaque ciphertext in legacy_attributes (rootPasswordCiphertext / field.*)',
  'invoices, orders, domains, tickets, addons, contacts and invited sub-users (owner = 0): outside Keel’s scope',
  'card data (tblclients.cardnum, tblcreditcards): out of scope',
];

const emptyCounts = (): EntityCounts => ({ created: 0, updated: 0, unchanged: 0, skipped: {}, failed: 0 });

export class Tally {
  readonly result: RunResult;
  /** What this run migrated, checksummed by PostgreSQL per written batch (load.ts): count + one sum per field. */
  readonly migratedServers = new Sums(checksumFields.length + 1);
  /** The accounts it wrote into users.legacy_attributes.whmcsAccounts: count + sum. */
  readonly migratedAccounts = new Sums(2);
  private readonly legacyKeys = new Set<string>();
  private readonly started = Date.now();

  constructor(
    private readonly opts: {
      dryRun: boolean;
      whmcsVersion: string | null;
      keepRecords: boolean;
      verifyPve: boolean;
    },
  ) {
    this.result = {
      dryRun: opts.dryRun,
      whmcsVersion: opts.whmcsVersion,
      counts: {
        plans: emptyCounts(),
        images: emptyCounts(),
        locations: emptyCounts(),
        users: emptyCounts(),
        accounts: emptyCounts(),
        servers: emptyCounts(),
      },
      records: [],
      warnings: {},
      sharedEmails: [],
      created: { images: [], locations: [] },
      legacyKeys: [],
      notMigrated,
      seconds: 0,
      servicesPerSecond: 0,
      phaseSeconds: {},
    };
    if (opts.verifyPve) this.result.pveCheck = { checked: 0, matched: 0, mismatched: 0, problems: [] };
  }

  /** Seconds since the run started. */
  get elapsed(): number {
    return (Date.now() - this.started) / 1000;
  }

  count(entity: Entity, outcome: Change | 'failed'): void {
    this.result.counts[entity][outcome]++;
  }

  /** A record counted earlier whose outcome the run learnt more about (an unchanged user that grew an account). */
  recount(entity: Entity, from: Change, to: Change): void {
    this.result.counts[entity][from]--;
    this.result.counts[entity][to]++;
  }

  skip(entity: Entity, reason: string): void {
    const skipped = this.result.counts[entity].skipped;
    skipped[reason] = (skipped[reason] ?? 0) + 1;
  }

  /** Kept only with keepRecords (--report): off keeps memory flat on big sources. */
  record(entry: RecordReport): void {
    if (this.opts.keepRecords) this.result.records.push(entry);
  }

  warn(warnings: readonly string[]): void {
    for (const w of warnings) this.result.warnings[w] = (this.result.warnings[w] ?? 0) + 1;
  }

  /** An image or location the run created (closed to orders). */
  created(entity: 'images' | 'locations', slug: string): void {
    this.count(entity, 'created');
    this.result.created[entity].push(slug);
  }

  keepLegacyKeys(keys: readonly string[]): void {
    for (const k of keys) this.legacyKeys.add(k);
  }

  /** --verify-pve: the problems found between one migrated server and its VM (none = a match). */
  checkPve(serviceId: number, vmid: number, problems: readonly string[]): void {
    const check = this.result.pveCheck;
    if (!check) return;
    check.checked++;
    if (problems.length === 0) check.matched++;
    else check.mismatched++;
    for (const problem of problems)
      if (check.problems.length < 1000) check.problems.push({ serviceId, vmid, problem });
  }

  addTime(phase: string, seconds: number): void {
    this.result.phaseSeconds[phase] = (this.result.phaseSeconds[phase] ?? 0) + seconds;
  }

  async timed<T>(phase: string, fn: () => Promise<T> | T): Promise<T> {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      this.addTime(phase, (performance.now() - t) / 1000);
    }
  }

  finish(): RunResult {
    this.result.legacyKeys = [...this.legacyKeys].sort();
    this.result.seconds = this.elapsed;
    return this.result;
  }
}
