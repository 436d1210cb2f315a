/**
 * The one tally of a migration run: every phase reports what it created, updated, left, skipped and failed, the
 * warnings, the per-record entries and where the time went, into one object; the result (run-result.ts) is read
 * off it at the end.
 */
import { IntList } from './id-map.ts';
import { checksumFields, Sums, type Change } from './load.ts';
import { loginCode, loginKey } from './load-users.ts';
import type { AddressResult } from './load-addresses.ts';
import type { Entity, EntityCounts, PhaseSummary, RecordReport, RunResult } from './run-result.ts';

/** Ids kept per change category: enough for any cutover rerun, bounded on a first run of millions. */
const maxListed = 100_000;
function listed<T>(list: T[], item: T): void {
  if (list.length < maxListed) list.push(item);
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
      changes: {
        plans: { created: [], updated: [] },
        accounts: { created: [], updated: [] },
        users: { created: [], updated: [], passwordChanged: [] },
        servers: { created: [], updated: [] },
      },
      removals: { servers: [], accounts: [] },
      unresolvedPlans: [],
      addresses: {
        allocated: 0,
        recorded: 0,
        kept: 0,
        inPool: 0,
        outsidePool: 0,
        conflicts: [],
        conflictCount: 0,
        invalid: [],
        invalidCount: 0,
      },
      phases: [],
      seconds: 0,
      servicesPerSecond: 0,
      phaseSeconds: {},
    };
    if (opts.verifyPve) this.result.pveCheck = { checked: 0, matched: 0, mismatched: 0, problems: [] };
  }

  /** Failed services per WHMCS product id (an unresolved plan is a warning only while this is 0). */
  readonly failedByProduct = new Map<number, number>();

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

  /** A server that failed, counted for its product. */
  serviceFailed(productId: number): void {
    this.count('servers', 'failed');
    this.failedByProduct.set(productId, (this.failedByProduct.get(productId) ?? 0) + 1);
  }

  planChanged(productId: number, change: Change): void {
    if (change !== 'unchanged') this.result.changes.plans[change].push(productId);
  }

  /**
   * The id lists of `result.changes` that a first run fills with up to 100 000 entries each, kept as int32 until
   * finish() (login keys as loginCode): a few MB less of live heap, which V8 lets grow to about four times itself
   * before collecting.
   */
  private readonly changed = {
    accounts: { created: new IntList(maxListed), updated: new IntList(maxListed) },
    users: {
      created: new IntList(maxListed),
      updated: new IntList(maxListed),
      passwordChanged: new IntList(maxListed),
    },
    serversCreated: new IntList(maxListed),
  };

  accountChanged(clientId: number, change: Change): void {
    if (change !== 'unchanged') this.changed.accounts[change].push(clientId);
  }

  userChanged(login: string, change: Change, passwordChanged: boolean): void {
    if (change !== 'unchanged') this.changed.users[change].push(loginCode(login));
    if (passwordChanged) this.changed.users.passwordChanged.push(loginCode(login));
  }

  /** Logins whose WHMCS password changed since the target was written (listed up to 100 000). */
  get passwordsChanged(): number {
    return this.changed.users.passwordChanged.length;
  }

  serverChanged(serviceId: number, change: Change, fields: readonly string[]): void {
    if (change === 'created') this.changed.serversCreated.push(serviceId);
    else if (change === 'updated')
      listed(this.result.changes.servers.updated, { id: serviceId, fields: [...fields] });
  }

  /** The summary line of a phase that just ended. */
  phaseDone(phase: string, seconds: number, line: string): PhaseSummary {
    const summary = { phase, seconds, line };
    this.result.phases.push(summary);
    return summary;
  }

  /** `created N, updated N, unchanged N, skipped N, failed N` of an entity, for a phase's summary line. */
  countsLine(entity: Entity): string {
    const c = this.result.counts[entity];
    const skipped = Object.values(c.skipped).reduce((n, x) => n + x, 0);
    return `created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, skipped ${skipped}, failed ${c.failed}`;
  }

  skip(entity: Entity, reason: string): void {
    const skipped = this.result.counts[entity].skipped;
    skipped[reason] = (skipped[reason] ?? 0) + 1;
  }

  /** Whether record() keeps the entries (--report): without, a phase need not build what only they hold. */
  get keepsRecords(): boolean {
    return this.opts.keepRecords;
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

  /** One batch's address outcomes (load-addresses.ts). */
  addresses(results: readonly AddressResult[]): void {
    const a = this.result.addresses;
    for (const r of results) {
      if (r.outcome === 'conflict') {
        a.conflictCount++;
        if (a.conflicts.length < 1000)
          a.conflicts.push({
            address: r.address,
            serviceId: r.sid,
            heldByServiceId: r.otherSid,
            heldByServerId: r.otherServerId,
          });
        continue;
      }
      a[r.outcome]++;
      if (r.inPool) a.inPool++;
      else a.outsidePool++;
    }
  }

  invalidAddress(serviceId: number, value: string): void {
    const a = this.result.addresses;
    a.invalidCount++;
    if (a.invalid.length < 1000) a.invalid.push({ serviceId, value });
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
    const { changes } = this.result;
    const logins = (l: IntList) => l.toArray().map(loginKey);
    changes.accounts = {
      created: this.changed.accounts.created.toArray(),
      updated: this.changed.accounts.updated.toArray(),
    };
    changes.users = {
      created: logins(this.changed.users.created),
      updated: logins(this.changed.users.updated),
      passwordChanged: logins(this.changed.users.passwordChanged),
    };
    changes.servers.created = this.changed.serversCreated.toArray();
    this.result.legacyKeys = [...this.legacyKeys].sort();
    this.result.seconds = this.elapsed;
    return this.result;
  }
}
