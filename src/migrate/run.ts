/**
 * The migration run: extract (source.ts) → transform (rules.ts, transform.ts) → load (load.ts), then the
 * reconciliation. A real run commits one transaction per batch; a dry run wraps everything in one transaction
 * (batches become savepoints) and rolls it back, so constraint violations surface exactly as in a real run.
 */
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database } from '../server/db/client.ts';
import { images, locations, plans } from '../server/db/schema.ts';
import { keelHashForWhmcs } from '../server/auth/legacy-passwords.ts';
import type { Mapping } from './mapping.ts';
import { clientSkipReason, decodeOnce, isDoubleEncoded, normalizeEmail, slugify } from './rules.ts';
import {
  readCatalogue,
  readClientBatch,
  readClientFields,
  readServiceBatch,
  type SourceConnection,
} from './source.ts';
import {
  accountDetails,
  isServerProduct,
  productSpecs,
  pveMismatches,
  transformService,
  type PveVmInfo,
  type ServerRecord,
} from './transform.ts';
import {
  accountSumsSql,
  checksumFields,
  errorText,
  executeRows,
  serverSumsSql,
  Sums,
  upsertServers,
  writeUsers,
  type AccountAppend,
  type Change,
  type ServerRow,
  type Tx,
  type UserRow,
} from './load.ts';

export interface RunOptions {
  source: SourceConnection;
  db: Database;
  mapping: Mapping;
  dryRun: boolean;
  batchSize: number;
  clientIds: number[] | null;
  /** vmid → node, power state and specs, when PVE could be asked. */
  pve: Map<number, PveVmInfo> | null;
  /** Check every migrated server against its PVE VM (needs `pve`); the outcome is `result.pveCheck`. */
  verifyPve?: boolean;
  log: Logger;
  onProgress?: (p: Progress) => void;
  /** Keep every per-record entry in the result (for --report); off keeps memory flat on big sources. */
  keepRecords?: boolean;
  /** Dry run only: Keel migrations the target lacks, applied inside the rolled-back transaction. */
  pendingSchema?: string[];
}

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

export interface RunResult {
  dryRun: boolean;
  whmcsVersion: string | null;
  counts: Record<'plans' | 'images' | 'locations' | 'users' | 'accounts' | 'servers', EntityCounts>;
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

const emptyCounts = (): EntityCounts => ({ created: 0, updated: 0, unchanged: 0, skipped: {}, failed: 0 });

class DryRunRollback extends Error {}

/** A read started ahead of its use: if the run stops first, its failure must not surface as unhandled. */
function prefetch<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

export async function runMigration(opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const result: RunResult = {
    dryRun: opts.dryRun,
    whmcsVersion: opts.source.version,
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
    notMigrated: [
      'tblhosting.password and tblservers.password/accesshash: encrypted with cc_encryption_hash from configuration.php, which is not in the database',
      'password-type custom fields: kept only as opaque ciphertext in legacy_attributes (rootPasswordCiphertext / field.*)',
      'invoices, orders, domains, tickets, addons, contacts and invited sub-users (owner = 0): outside Keel’s scope',
      'card data (tblclients.cardnum, tblcreditcards): out of scope',
    ],
    seconds: 0,
    servicesPerSecond: 0,
    phaseSeconds: {},
  };
  const timed = async <T>(phase: string, fn: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      result.phaseSeconds[phase] = (result.phaseSeconds[phase] ?? 0) + (performance.now() - t) / 1000;
    }
  };
  const pveCheck: PveCheck | undefined =
    opts.verifyPve && opts.pve ? { checked: 0, matched: 0, mismatched: 0, problems: [] } : undefined;
  if (pveCheck) result.pveCheck = pveCheck;
  const addRecord = (r: RecordReport): void => {
    if (opts.keepRecords) result.records.push(r);
  };
  const legacyKeys = new Set<string>();
  // What this run migrated, checksummed by PostgreSQL per written batch (load.ts): count + one sum per field.
  const sourceSums = new Sums(checksumFields.length + 1);
  const accountSums = new Sums(2);
  let serviceCount = 0;

  const body = async (outer: Tx | null): Promise<void> => {
    // Real runs commit per batch; a dry run nests every batch as a savepoint inside one outer transaction.
    const inBatch = async <T>(fn: (tx: Tx) => Promise<T>): Promise<T> =>
      outer ? outer.transaction(fn) : opts.db.transaction(fn);
    const reader: Database | Tx = outer ?? opts.db;
    const catalogue = await readCatalogue(opts.source);

    // ---- plans: one per WHMCS server product, default specs resolved by the same rules
    const planIds = new Map<number, string>();
    await inBatch(async (tx) => {
      for (const product of catalogue.products.values()) {
        if (!isServerProduct(product, opts.mapping)) continue;
        const specs = productSpecs(product, catalogue, opts.mapping);
        if (!specs) {
          result.counts.plans.failed++;
          addRecord({
            entity: 'plan',
            id: product.id,
            outcome: 'failed',
            error: 'default specs could not be resolved',
          });
          continue;
        }
        const values = {
          slug: `whmcs-${product.id}-${slugify(product.name)}`,
          name: decodeOnce(product.name),
          ...specs,
          active: false,
          legacyWhmcsProductId: product.id,
        };
        const rows = await executeRows<{ id: string; inserted: boolean }>(
          tx,
          sql`insert into plans as p (slug, name, cpu_cores, memory_mb, disk_gb, active, legacy_whmcs_product_id)
              values (${values.slug}, ${values.name}, ${values.cpuCores}, ${values.memoryMb}, ${values.diskGb}, false, ${product.id})
              on conflict (legacy_whmcs_product_id) do update set slug = excluded.slug, name = excluded.name,
                cpu_cores = excluded.cpu_cores, memory_mb = excluded.memory_mb, disk_gb = excluded.disk_gb, updated_at = now()
              where (p.slug, p.name, p.cpu_cores, p.memory_mb, p.disk_gb)
                is distinct from (excluded.slug, excluded.name, excluded.cpu_cores, excluded.memory_mb, excluded.disk_gb)
              returning id, (xmax = 0) as inserted`,
        );
        const change: Change = rows[0] ? (rows[0].inserted ? 'created' : 'updated') : 'unchanged';
        result.counts.plans[change]++;
        addRecord({ entity: 'plan', id: product.id, outcome: change, keel: values });
        if (rows[0]) planIds.set(product.id, rows[0].id);
      }
      const all = await tx.select({ id: plans.id, pid: plans.legacyWhmcsProductId }).from(plans);
      for (const p of all) if (p.pid !== null) planIds.set(p.pid, p.id);
    });

    // ---- images and locations: matched by mapping, slug or name; unknown values become closed entries
    const imageBySlug = new Map<string, string>();
    const imageByName = new Map<string, string>();
    for (const i of await reader
      .select({ id: images.id, slug: images.slug, name: images.name })
      .from(images)) {
      imageBySlug.set(i.slug, i.id);
      imageByName.set(i.name.toLowerCase(), i.id);
    }
    const locationBySlug = new Map<string, string>();
    const locationByName = new Map<string, string>();
    for (const l of await reader
      .select({ id: locations.id, slug: locations.slug, name: locations.name })
      .from(locations)) {
      locationBySlug.set(l.slug, l.id);
      locationByName.set(l.name.toLowerCase(), l.id);
    }
    const resolveCatalogueEntry = async (
      tx: Tx,
      kind: 'image' | 'location',
      value: { key: string; label: string },
    ): Promise<string> => {
      const [bySlug, byName, aliases] =
        kind === 'image'
          ? [imageBySlug, imageByName, opts.mapping.images]
          : [locationBySlug, locationByName, opts.mapping.locations];
      const alias = aliases[value.key];
      if (alias !== undefined) {
        const id = bySlug.get(alias);
        if (!id)
          throw new Error(
            `mapping names ${kind} "${alias}" for "${value.key}", but Keel has no such ${kind}`,
          );
        return id;
      }
      const slug = slugify(value.key);
      const found =
        bySlug.get(slug) ?? byName.get(value.key.toLowerCase()) ?? byName.get(value.label.toLowerCase());
      if (found) return found;
      const table = kind === 'image' ? images : locations;
      const inserted = await tx
        .insert(table)
        .values({ slug, name: value.label || value.key, active: false })
        .onConflictDoNothing({ target: table.slug })
        .returning({ id: table.id });
      const id =
        inserted[0]?.id ??
        (
          await tx
            .select({ id: table.id })
            .from(table)
            .where(sql`${table.slug} = ${slug}`)
        )[0]?.id;
      if (!id) throw new Error(`could not create ${kind} ${slug}`);
      bySlug.set(slug, id);
      const counts = kind === 'image' ? result.counts.images : result.counts.locations;
      if (inserted[0]) {
        counts.created++;
        (kind === 'image' ? result.created.images : result.created.locations).push(slug);
        addRecord({
          entity: kind,
          id: slug,
          outcome: 'created',
          keel: { slug, name: value.label || value.key, active: false },
        });
      }
      return id;
    };

    // ---- accounts → users (one per owner login), each account's billing details in the user's legacy_attributes
    const loginOfClient = new Map<number, string>();
    const emailOwner = new Map<string, string>();
    const mergedInto = new Map<string, string[]>();
    // The outcome of each login's first write in this run: later accounts of the same login only append.
    const loginChange = new Map<string, Change>();
    let accountsDone = 0;
    const readClients = (afterId: number) =>
      prefetch(
        (async () => {
          const clients = await readClientBatch(opts.source, afterId, opts.batchSize, opts.clientIds);
          const fields = await readClientFields(
            opts.source,
            clients.map((c) => c.id),
          );
          return { clients, fields };
        })(),
      );
    let nextClients = readClients(0);
    for (;;) {
      const { clients, fields } = await timed('accounts.read', () => nextClients);
      if (clients.length === 0) break;
      nextClients = readClients(clients[clients.length - 1]!.id);
      const userRows = new Map<string, UserRow>();
      const appends = new Map<string, AccountAppend>();
      const accountReports: { report: RecordReport; login: string }[] = [];
      for (const c of clients) {
        const reason = clientSkipReason(c.status, opts.mapping.clientStatuses);
        if (reason) {
          result.counts.accounts.skipped[reason] = (result.counts.accounts.skipped[reason] ?? 0) + 1;
          addRecord({ entity: 'account', id: c.id, outcome: 'skipped', reason });
          continue;
        }
        const legacyLogin = c.ownerUserId === null;
        let loginKey = legacyLogin ? `c${c.id}` : `u${c.ownerUserId}`;
        const email = normalizeEmail(legacyLogin ? c.email : c.ownerEmail!);
        const claimed = emailOwner.get(email);
        if (claimed && claimed !== loginKey) {
          // Deterministic: the login first reached in client-id order keeps the email; later ones merge into it.
          const merged = mergedInto.get(claimed) ?? [];
          if (!merged.includes(loginKey)) merged.push(loginKey);
          mergedInto.set(claimed, merged);
          loginKey = claimed;
        } else if (!claimed) emailOwner.set(email, loginKey);
        loginOfClient.set(c.id, loginKey);
        const warnings: string[] = [];
        if ([c.firstname, c.lastname, c.companyname].some(isDoubleEncoded))
          warnings.push('double-encoded-entity');
        const details = accountDetails(c, fields.get(c.id) ?? {});
        accountReports.push({
          report: {
            entity: 'account',
            id: c.id,
            outcome: 'unchanged',
            warnings,
            keel: { login: loginKey, ...details },
          },
          login: loginKey,
        });
        const pending = userRows.get(loginKey) ?? appends.get(loginKey);
        if (pending) {
          pending.accounts[String(c.id)] = details;
          continue;
        }
        const ids = {
          legacyUserId: loginKey[0] === 'u' ? Number(loginKey.slice(1)) : null,
          legacyClientId: loginKey[0] === 'c' ? Number(loginKey.slice(1)) : null,
        };
        if (loginChange.has(loginKey)) {
          appends.set(loginKey, { ...ids, accounts: { [String(c.id)]: details } });
          continue;
        }
        const whmcsHash = legacyLogin ? c.password : c.ownerPassword!;
        const hash = keelHashForWhmcs(whmcsHash);
        if (!hash) warnings.push('unknown-password-hash-shape: the user must reset their password');
        const name = legacyLogin
          ? `${decodeOnce(c.firstname)} ${decodeOnce(c.lastname)}`.trim()
          : `${decodeOnce(c.ownerFirstName ?? '')} ${decodeOnce(c.ownerLastName ?? '')}`.trim();
        userRows.set(loginKey, {
          ...ids,
          email,
          name,
          // Fails closed: `!` can never be produced by any scheme verifyPassword accepts.
          passwordHash: hash?.stored ?? '!whmcs-unknown-hash-shape',
          accounts: { [String(c.id)]: details },
        });
      }
      const outcome = await timed('accounts.write', () =>
        inBatch((tx) => writeUsers(tx, [...userRows.values()], [...appends.values()])),
      );
      for (const [key, change] of outcome.changes) {
        loginChange.set(key, change);
        result.counts.users[change]++;
        addRecord({ entity: 'user', id: key, outcome: change, keel: { email: userRows.get(key)?.email } });
      }
      for (const key of appends.keys()) {
        // A login unchanged so far whose later account changed is an updated user, counted once.
        const grew = Object.keys(appends.get(key)!.accounts).some((id) =>
          outcome.accountChanges.has(Number(id)),
        );
        if (grew && loginChange.get(key) === 'unchanged' && !outcome.failures.has(key)) {
          loginChange.set(key, 'updated');
          result.counts.users.unchanged--;
          result.counts.users.updated++;
          addRecord({ entity: 'user', id: key, outcome: 'updated' });
        }
      }
      for (const [key, error] of outcome.failures) {
        result.counts.users.failed++;
        addRecord({ entity: 'user', id: key, outcome: 'failed', error });
      }
      for (const sums of outcome.accountSums) accountSums.add(sums);
      for (const { report, login } of accountReports) {
        if (outcome.failures.has(login) || !outcome.ids.has(login)) {
          report.outcome = 'failed';
          report.error = `its login ${login} failed`;
          result.counts.accounts.failed++;
        } else {
          const change = outcome.accountChanges.get(Number(report.id)) ?? 'unchanged';
          report.outcome = change;
          result.counts.accounts[change]++;
        }
        for (const w of report.warnings ?? []) result.warnings[w] = (result.warnings[w] ?? 0) + 1;
        addRecord(report);
      }
      accountsDone += clients.length;
      opts.onProgress?.({
        phase: 'accounts',
        done: accountsDone,
        rate: accountsDone / ((Date.now() - started) / 1000),
      });
      // Only the Keel ids of logins are kept in memory (one string per login), never the rows.
      for (const [key, id] of outcome.ids) keelUserIdOf.set(key, id);
    }
    for (const [kept, merged] of mergedInto)
      result.sharedEmails.push({
        email: [...emailOwner].find(([, k]) => k === kept)![0],
        keptLogin: kept,
        mergedLogins: merged,
      });

    // ---- services → servers
    const productFieldIds = [...catalogue.products.values()].flatMap((p) => p.fields.map((f) => f.id));
    const servicesStarted = Date.now();
    const writeServerBatch = async (
      records: ServerRecord[],
      batchLength: number,
      afterId: number,
    ): Promise<void> => {
      const written = await timed('services.write', () =>
        inBatch(async (tx) => {
          const rows: ServerRow[] = [];
          const failed = new Map<number, string>();
          for (const r of records) {
            const login = loginOfClient.get(r.clientId);
            const userId = login ? keelUserIdOf.get(login) : undefined;
            if (!userId) {
              failed.set(r.serviceId, `the account ${r.clientId} has no migrated user`);
              continue;
            }
            try {
              rows.push({
                legacyServiceId: r.serviceId,
                userId,
                name: r.name,
                status: r.status,
                planId: planIds.get(r.productId) ?? null,
                imageId: r.image ? await resolveCatalogueEntry(tx, 'image', r.image) : null,
                locationId: r.location ? await resolveCatalogueEntry(tx, 'location', r.location) : null,
                cpuCores: r.cpuCores,
                memoryMb: r.memoryMb,
                diskGb: r.diskGb,
                ipAddress: r.ipAddress,
                pveNode: r.node,
                pveVmid: r.vmid,
                legacy: r.legacy,
              });
            } catch (err) {
              failed.set(r.serviceId, errorText(err));
            }
          }
          const res = await upsertServers(tx, rows);
          for (const [k, e] of failed) res.failures.set(k, e);
          return { res };
        }),
      );
      for (const sums of written.res.sums) sourceSums.add(sums);
      for (const r of records) {
        const change = written.res.changes.get(r.serviceId);
        const error = written.res.failures.get(r.serviceId);
        for (const w of r.warnings) result.warnings[w] = (result.warnings[w] ?? 0) + 1;
        for (const k of Object.keys(r.legacy)) legacyKeys.add(k);
        if (change) {
          result.counts.servers[change]++;
          if (pveCheck) {
            const problems = pveMismatches(r, opts.pve!.get(r.vmid));
            pveCheck.checked++;
            if (problems.length === 0) pveCheck.matched++;
            else pveCheck.mismatched++;
            for (const problem of problems)
              if (pveCheck.problems.length < 1000)
                pveCheck.problems.push({ serviceId: r.serviceId, vmid: r.vmid, problem });
          }
        } else {
          result.counts.servers.failed++;
        }
        addRecord({
          entity: 'service',
          id: r.serviceId,
          outcome: change ?? 'failed',
          ...(error ? { error } : {}),
          warnings: r.warnings,
          notes: r.notes,
          keel: {
            name: r.name,
            cpuCores: r.cpuCores,
            memoryMb: r.memoryMb,
            diskGb: r.diskGb,
            image: r.image?.key ?? null,
            location: r.location?.key ?? null,
            node: r.node,
            vmid: r.vmid,
            status: r.status,
            ipAddress: r.ipAddress,
            legacy: r.legacy,
          },
        });
      }
      serviceCount += batchLength;
      const secs = (Date.now() - servicesStarted) / 1000;
      opts.onProgress?.({
        phase: 'services',
        done: serviceCount,
        rate: serviceCount / Math.max(secs, 0.001),
      });
      opts.log.debug({ event: 'batch', after: afterId, services: batchLength }, 'service batch done');
    };
    let pendingWrite: Promise<void> = Promise.resolve();
    // The next batch is read from MariaDB while this one is transformed and written to PostgreSQL.
    const readServices = (afterId: number) =>
      prefetch(readServiceBatch(opts.source, afterId, opts.batchSize, opts.clientIds, productFieldIds));
    let nextServices = readServices(0);
    try {
      for (;;) {
        const batch = await timed('services.read', () => nextServices);
        if (batch.services.length === 0) break;
        const after = batch.services[batch.services.length - 1]!.id;
        nextServices = readServices(after);
        const transformStarted = performance.now();
        const records: ServerRecord[] = [];
        for (const service of batch.services) {
          const outcome = transformService(
            {
              service,
              optionRows: batch.optionRows.get(service.id) ?? [],
              fieldRows: batch.fieldRows.get(service.id) ?? [],
              moduleVm: batch.moduleVms.get(service.id) ?? null,
            },
            catalogue,
            opts.mapping,
            opts.pve,
          );
          if (outcome.kind === 'skip') {
            result.counts.servers.skipped[outcome.reason] =
              (result.counts.servers.skipped[outcome.reason] ?? 0) + 1;
            addRecord({
              entity: 'service',
              id: outcome.serviceId,
              outcome: 'skipped',
              reason: outcome.reason,
            });
          } else if (outcome.kind === 'fail') {
            result.counts.servers.failed++;
            addRecord({ entity: 'service', id: outcome.serviceId, outcome: 'failed', error: outcome.error });
          } else records.push(outcome);
        }
        result.phaseSeconds['services.transform'] =
          (result.phaseSeconds['services.transform'] ?? 0) + (performance.now() - transformStarted) / 1000;
        // Written while the next batch is read and transformed; writes stay in order, one at a time.
        await timed('services.waitForWrite', () => pendingWrite);
        pendingWrite = prefetch(writeServerBatch(records, batch.services.length, after));
      }
    } finally {
      // Never leave a write running behind a failure (a dry run would roll back under it); its own error, if
      // any, surfaces here when nothing else failed first.
      await timed('services.waitForWrite', () => pendingWrite);
    }
    result.servicesPerSecond = serviceCount / Math.max((Date.now() - servicesStarted) / 1000, 0.001);
    if (outer) throw new DryRunRollback();
  };

  const keelUserIdOf = new Map<string, string>();
  if (opts.dryRun) {
    try {
      await opts.db.transaction(async (outer) => {
        for (const statement of opts.pendingSchema ?? []) await outer.execute(sql.raw(statement));
        await body(outer);
      });
    } catch (err) {
      if (!(err instanceof DryRunRollback)) throw err;
    }
  } else {
    await body(null);
    result.reconciliation = await timed('reconcile', () =>
      reconcile(
        opts.db,
        sourceSums,
        accountSums,
        keelUserIdOf,
        opts.clientIds ? new Set(opts.clientIds) : null,
      ),
    );
  }
  result.legacyKeys = [...legacyKeys].sort();
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

/**
 * Compares what this run migrated with what the target now holds: counts, one checksum per server field, and
 * the accounts kept in users.legacy_attributes (count and checksum). The source side was summed batch by batch
 * over the values sent; the target side is summed here by PostgreSQL with the same expressions (load.ts), in two
 * queries. Only what was migrated is compared (with --client, only those clients' users and accounts).
 */
async function reconcile(
  db: Database,
  sourceSums: Sums,
  accountSums: Sums,
  keelUserIdOf: Map<string, string>,
  clientFilter: Set<number> | null,
): Promise<Reconciliation> {
  const filtered = clientFilter !== null;
  const userIds = sql.raw(`'{${[...keelUserIdOf.values()].join(',')}}'::uuid[]`);
  const clientIds = sql.raw(`'{${[...(clientFilter ?? [])].join(',')}}'::int[]`);
  const [servers] = await executeRows<{ sums: string }>(
    db,
    sql`select ${sql.raw(serverSumsSql('s', 'stored'))} as sums from servers s
        where s.legacy_whmcs_service_id is not null ${filtered ? sql`and s.user_id = any(${userIds})` : sql``}`,
  );
  const [users] = await executeRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from users
        where (legacy_whmcs_user_id is not null or legacy_whmcs_client_id is not null)
        ${filtered ? sql`and id = any(${userIds})` : sql``}`,
  );
  const [accounts] = await executeRows<{ sums: string }>(
    db,
    sql`select ${sql.raw(
      accountSumsSql("coalesce('u' || u.legacy_whmcs_user_id::text, 'c' || u.legacy_whmcs_client_id::text)"),
    )} as sums
        from users u cross join lateral jsonb_each(coalesce(u.legacy_attributes->'whmcsAccounts', '{}'::jsonb)) e
        where (u.legacy_whmcs_user_id is not null or u.legacy_whmcs_client_id is not null)
        ${filtered ? sql`and u.id = any(${userIds}) and e.key::int = any(${clientIds})` : sql``}`,
  );
  const targetSums = new Sums(checksumFields.length + 1);
  targetSums.add(servers?.sums);
  const targetAccounts = new Sums(2);
  targetAccounts.add(accounts?.sums);
  const targetUsers = users?.n ?? 0;

  const fields: Reconciliation['fields'] = {};
  checksumFields.forEach((f, i) => {
    fields[f] = {
      source: sourceSums.digest(i + 1),
      target: targetSums.digest(i + 1),
      match: sourceSums.values[i + 1] === targetSums.values[i + 1],
    };
  });
  fields.accounts = {
    source: accountSums.digest(1),
    target: targetAccounts.digest(1),
    match: accountSums.values[1] === targetAccounts.values[1],
  };
  const mismatches: string[] = [];
  if (sourceSums.count !== targetSums.count)
    mismatches.push(`servers: ${sourceSums.count} migrated, ${targetSums.count} in the target`);
  if (keelUserIdOf.size !== targetUsers)
    mismatches.push(`users: ${keelUserIdOf.size} migrated, ${targetUsers} in the target`);
  if (accountSums.count !== targetAccounts.count)
    mismatches.push(
      `accounts (users.legacy_attributes.whmcsAccounts): ${accountSums.count} migrated, ${targetAccounts.count} in the target`,
    );
  for (const [f, v] of Object.entries(fields))
    if (!v.match)
      mismatches.push(`${f === 'accounts' ? 'users.whmcsAccounts' : `servers.${f}`}: checksum differs`);
  return {
    ok: mismatches.length === 0,
    expectedServers: sourceSums.count,
    targetServers: targetSums.count,
    expectedUsers: keelUserIdOf.size,
    targetUsers,
    expectedAccounts: accountSums.count,
    targetAccounts: targetAccounts.count,
    fields,
    mismatches,
  };
}
