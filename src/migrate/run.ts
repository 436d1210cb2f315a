/**
 * The migration run: extract (source.ts) → transform (rules.ts, transform.ts) → load (load.ts), then the
 * reconciliation. A real run commits one transaction per batch; a dry run wraps everything in one transaction
 * (batches become savepoints) and rolls it back, so constraint violations surface exactly as in a real run.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database } from '../server/db/client.ts';
import { images, locations, plans } from '../server/db/schema.ts';
import { keelHashForWhmcs } from '../server/auth/legacy-passwords.ts';
import type { Mapping } from './mapping.ts';
import { dateOrNull, decodeOnce, isDoubleEncoded, normalizeEmail, slugify } from './rules.ts';
import {
  readCatalogue,
  readClientBatch,
  readClientFields,
  readServiceBatch,
  type SourceConnection,
} from './source.ts';
import {
  isServerProduct,
  productSpecs,
  transformService,
  type PveVmInfo,
  type ServerRecord,
} from './transform.ts';
import {
  errorText,
  executeRows,
  upsertServers,
  upsertUsers,
  userIdsFor,
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
  /** vmid → node and power state, when PVE could be asked. */
  pve: Map<number, PveVmInfo> | null;
  log: Logger;
  onProgress?: (p: Progress) => void;
  /** Keep every per-record entry in the result (for --report); off keeps memory flat on big sources. */
  keepRecords?: boolean;
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
  seconds: number;
  servicesPerSecond: number;
}

export interface Reconciliation {
  ok: boolean;
  expectedServers: number;
  targetServers: number;
  expectedUsers: number;
  targetUsers: number;
  fields: Record<string, { source: string; target: string; match: boolean }>;
  mismatches: string[];
}

const emptyCounts = (): EntityCounts => ({ created: 0, updated: 0, unchanged: 0, skipped: {}, failed: 0 });

class DryRunRollback extends Error {}

/** Canonical JSON (sorted keys) so checksums do not depend on jsonb's key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value ?? null);
}

export const checksumFields = [
  'user',
  'name',
  'cpuCores',
  'memoryMb',
  'diskGb',
  'pveVmid',
  'pveNode',
  'ipAddress',
  'image',
  'location',
  'legacy',
] as const;
type ChecksumField = (typeof checksumFields)[number];
type ChecksumRow = Record<ChecksumField, unknown> & { serviceId: number };

class FieldChecksums {
  private readonly hashes = new Map<ChecksumField, ReturnType<typeof createHash>>(
    checksumFields.map((f) => [f, createHash('sha256')]),
  );
  count = 0;
  add(row: ChecksumRow): void {
    this.count++;
    for (const f of checksumFields)
      this.hashes.get(f)!.update(`${row.serviceId}\u0000${canonical(row[f])}\n`);
  }
  digest(): Record<ChecksumField, string> {
    return Object.fromEntries(
      checksumFields.map((f) => [f, this.hashes.get(f)!.digest('hex').slice(0, 16)]),
    ) as Record<ChecksumField, string>;
  }
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
  };
  const addRecord = (r: RecordReport): void => {
    if (opts.keepRecords) result.records.push(r);
  };
  const legacyKeys = new Set<string>();
  const sourceSums = new FieldChecksums();
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

    // ---- accounts → users (one per owner login)
    const loginOfClient = new Map<number, string>();
    const emailOwner = new Map<string, string>();
    const mergedInto = new Map<string, string[]>();
    const seenLogins = new Set<string>();
    let after = 0;
    let accountsDone = 0;
    for (;;) {
      const clients = await readClientBatch(opts.source, after, opts.batchSize, opts.clientIds);
      if (clients.length === 0) break;
      after = clients[clients.length - 1]!.id;
      const userRows = new Map<string, UserRow>();
      const fields = await readClientFields(
        opts.source,
        clients.map((c) => c.id),
      );
      const accountReports: RecordReport[] = [];
      for (const c of clients) {
        if (c.status === 'Closed' || !opts.mapping.clientStatuses.includes(c.status as 'Active')) {
          const reason = c.status === 'Closed' ? 'client-closed' : 'client-status';
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
        accountReports.push({
          entity: 'account',
          id: c.id,
          outcome: 'unchanged',
          warnings,
          keel: {
            login: loginKey,
            email: normalizeEmail(c.email),
            firstName: decodeOnce(c.firstname),
            lastName: decodeOnce(c.lastname),
            companyName: decodeOnce(c.companyname),
            status: c.status,
            currency: c.currency,
            createdOn: dateOrNull(c.datecreated),
            customFields: fields.get(c.id) ?? {},
          },
        });
        if (seenLogins.has(loginKey)) continue;
        seenLogins.add(loginKey);
        const whmcsHash = legacyLogin ? c.password : c.ownerPassword!;
        const hash = keelHashForWhmcs(whmcsHash);
        if (!hash) warnings.push('unknown-password-hash-shape: the user must reset their password');
        const name = legacyLogin
          ? `${decodeOnce(c.firstname)} ${decodeOnce(c.lastname)}`.trim()
          : `${decodeOnce(c.ownerFirstName ?? '')} ${decodeOnce(c.ownerLastName ?? '')}`.trim();
        userRows.set(loginKey, {
          legacyUserId: legacyLogin ? null : c.ownerUserId,
          legacyClientId: legacyLogin ? c.id : null,
          email,
          name,
          // Fails closed: `!` can never be produced by any scheme verifyPassword accepts.
          passwordHash: hash?.stored ?? '!whmcs-unknown-hash-shape',
        });
      }
      const outcome = await inBatch(async (tx) => {
        const res = await upsertUsers(tx, [...userRows.values()]);
        const ids = await userIdsFor(tx, [...userRows.keys()]);
        return { res, ids };
      });
      for (const [key, change] of outcome.res.changes) {
        result.counts.users[change]++;
        addRecord({ entity: 'user', id: key, outcome: change, keel: { email: userRows.get(key)?.email } });
      }
      for (const [key, error] of outcome.res.failures) {
        result.counts.users.failed++;
        addRecord({ entity: 'user', id: key, outcome: 'failed', error });
      }
      for (const a of accountReports) {
        const login = String(a.keel!.login);
        if (outcome.res.failures.has(login)) {
          a.outcome = 'failed';
          a.error = `its login ${login} failed`;
          result.counts.accounts.failed++;
        } else {
          result.counts.accounts.unchanged++;
        }
        for (const w of a.warnings ?? []) result.warnings[w] = (result.warnings[w] ?? 0) + 1;
        addRecord(a);
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
    after = 0;
    const servicesStarted = Date.now();
    for (;;) {
      const batch = await readServiceBatch(
        opts.source,
        after,
        opts.batchSize,
        opts.clientIds,
        productFieldIds,
      );
      if (batch.services.length === 0) break;
      after = batch.services[batch.services.length - 1]!.id;
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
          addRecord({ entity: 'service', id: outcome.serviceId, outcome: 'skipped', reason: outcome.reason });
        } else if (outcome.kind === 'fail') {
          result.counts.servers.failed++;
          addRecord({ entity: 'service', id: outcome.serviceId, outcome: 'failed', error: outcome.error });
        } else records.push(outcome);
      }
      const written = await inBatch(async (tx) => {
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
        return { res, rows: new Map(rows.map((x) => [x.legacyServiceId, x])) };
      });
      for (const r of records) {
        const change = written.res.changes.get(r.serviceId);
        const error = written.res.failures.get(r.serviceId);
        for (const w of r.warnings) result.warnings[w] = (result.warnings[w] ?? 0) + 1;
        for (const k of Object.keys(r.legacy)) legacyKeys.add(k);
        if (change) {
          result.counts.servers[change]++;
          const row = written.rows.get(r.serviceId)!;
          sourceSums.add({
            serviceId: r.serviceId,
            user: loginOfClient.get(r.clientId),
            name: r.name,
            cpuCores: r.cpuCores,
            memoryMb: r.memoryMb,
            diskGb: r.diskGb,
            pveVmid: r.vmid,
            pveNode: r.node,
            ipAddress: r.ipAddress,
            image: row.imageId,
            location: row.locationId,
            legacy: r.legacy,
          });
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
      serviceCount += batch.services.length;
      const secs = (Date.now() - servicesStarted) / 1000;
      opts.onProgress?.({
        phase: 'services',
        done: serviceCount,
        rate: serviceCount / Math.max(secs, 0.001),
      });
      opts.log.debug({ event: 'batch', after, services: batch.services.length }, 'service batch done');
    }
    result.servicesPerSecond = serviceCount / Math.max((Date.now() - servicesStarted) / 1000, 0.001);
    if (outer) throw new DryRunRollback();
  };

  const keelUserIdOf = new Map<string, string>();
  if (opts.dryRun) {
    try {
      await opts.db.transaction((outer) => body(outer));
    } catch (err) {
      if (!(err instanceof DryRunRollback)) throw err;
    }
  } else {
    await body(null);
    result.reconciliation = await reconcile(opts.db, sourceSums, keelUserIdOf, opts.clientIds !== null);
  }
  result.legacyKeys = [...legacyKeys].sort();
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

/**
 * Compares what this run migrated with what the target now holds: counts, then one checksum per field over the
 * servers in legacy-id order. Only migrated servers are compared (with --client, only those clients' users).
 */
async function reconcile(
  db: Database,
  sourceSums: FieldChecksums,
  keelUserIdOf: Map<string, string>,
  filtered: boolean,
): Promise<Reconciliation> {
  const loginOfUserId = new Map([...keelUserIdOf].map(([k, v]) => [v, k]));
  const targetSums = new FieldChecksums();
  let last = 0;
  const userFilter = filtered
    ? sql`and user_id = any(${sql.raw(`'{${[...keelUserIdOf.values()].join(',')}}'::uuid[]`)})`
    : sql``;
  for (;;) {
    const rows = await executeRows<{
      inserted: boolean;
      legacy_whmcs_service_id: number;
      user_id: string;
      name: string;
      cpu_cores: number;
      memory_mb: number;
      disk_gb: number;
      pve_vmid: number;
      pve_node: string | null;
      ip_address: string | null;
      image_id: string | null;
      location_id: string | null;
      legacy_attributes: Record<string, unknown>;
    }>(
      db,
      sql`select legacy_whmcs_service_id, user_id, name, cpu_cores, memory_mb, disk_gb, pve_vmid, pve_node, ip_address,
            image_id, location_id, legacy_attributes, false as inserted
          from servers where legacy_whmcs_service_id > ${last} ${userFilter}
          order by legacy_whmcs_service_id limit 5000`,
    );
    if (rows.length === 0) break;
    last = rows[rows.length - 1]!.legacy_whmcs_service_id;
    for (const r of rows) {
      targetSums.add({
        serviceId: r.legacy_whmcs_service_id,
        user: loginOfUserId.get(r.user_id) ?? r.user_id,
        name: r.name,
        cpuCores: r.cpu_cores,
        memoryMb: r.memory_mb,
        diskGb: r.disk_gb,
        pveVmid: r.pve_vmid,
        pveNode: r.pve_node,
        ipAddress: r.ip_address,
        image: r.image_id,
        location: r.location_id,
        legacy: r.legacy_attributes,
      });
    }
  }
  const ids = [...keelUserIdOf.values()];
  const [{ n: targetUsers } = { n: 0 }] = await executeRows<{ n: number; inserted: boolean }>(
    db,
    sql`select count(*)::int as n, false as inserted from users
        where (legacy_whmcs_user_id is not null or legacy_whmcs_client_id is not null)
        ${filtered ? sql`and id = any(${sql.raw(`'{${ids.join(',')}}'::uuid[]`)})` : sql``}`,
  );
  const s = sourceSums.digest();
  const t = targetSums.digest();
  const fields = Object.fromEntries(
    checksumFields.map((f) => [f, { source: s[f], target: t[f], match: s[f] === t[f] }]),
  ) as Reconciliation['fields'];
  const mismatches: string[] = [];
  if (sourceSums.count !== targetSums.count)
    mismatches.push(`servers: ${sourceSums.count} migrated, ${targetSums.count} in the target`);
  if (keelUserIdOf.size !== targetUsers)
    mismatches.push(`users: ${keelUserIdOf.size} migrated, ${targetUsers} in the target`);
  for (const [f, v] of Object.entries(fields))
    if (!v.match) mismatches.push(`servers.${f}: checksum differs`);
  return {
    ok: mismatches.length === 0,
    expectedServers: sourceSums.count,
    targetServers: targetSums.count,
    expectedUsers: keelUserIdOf.size,
    targetUsers,
    fields,
    mismatches,
  };
}
