/**
 * The services phase: WHMCS services (tblhosting) → Keel servers. A pipeline of three stages over batches in id
 * order: the next batch is read from MariaDB while this one is transformed and the previous one is written to
 * PostgreSQL; writes stay in order, one at a time.
 */
import { registerAddresses, type AddressClaim } from '../load-addresses.ts';
import { upsertServers, type ServerRow } from '../load-servers.ts';
import { serviceAddresses } from '../rules-addresses.ts';
import { errorText, staleServers, type StaleServer } from '../load.ts';
import { pveMismatches } from '../pve-inventory.ts';
import { removalAction } from '../rules.ts';
import { readServiceBatch } from '../source.ts';
import type { Tally } from '../tally.ts';
import { serverRow, serviceMayMigrate, transformService, type ServerRecord } from '../transform.ts';
import type { Catalogue, ServiceRow } from '../whmcs.ts';
import type { KeelCatalogue } from './catalogue.ts';
import type { Logins } from './accounts.ts';
import { endPhase, prefetch, type PhaseContext } from './context.ts';

export async function migrateServices(
  ctx: PhaseContext,
  catalogue: Catalogue,
  keel: KeelCatalogue,
  logins: Logins,
  lastServiceId: number,
): Promise<void> {
  const { tally } = ctx;
  const phaseStarted = performance.now();
  const productFieldIds = [...catalogue.products.values()].flatMap((p) => p.fields.map((f) => f.id));
  const started = Date.now();
  let done = 0;

  const write = async (
    records: ServerRecord[],
    batch: { length: number; after: number; upTo: number; skipped: Map<number, SkipInfo> },
  ): Promise<void> => {
    const claimed = new Map(
      records.map((r) => [
        r.serviceId,
        serviceAddresses(r.ipAddress, (r.legacy.assignedIps as string[] | undefined) ?? []),
      ]),
    );
    const written = await tally.timed('services.write', () =>
      ctx.inBatch(async (tx) => {
        const rows: ServerRow[] = [];
        const failed = new Map<number, string>();
        for (const r of records) {
          const userId = logins.userOfClient(r.clientId);
          if (!userId) {
            failed.set(r.serviceId, `the account ${r.clientId} has no migrated user`);
            continue;
          }
          try {
            rows.push(
              serverRow(r, {
                userId,
                planId: keel.planId(r.productId),
                imageId: r.image ? await keel.resolve(tx, 'image', r.image) : null,
                locationId: r.location ? await keel.resolve(tx, 'location', r.location) : null,
              }),
            );
          } catch (err) {
            failed.set(r.serviceId, errorText(err));
          }
        }
        const res = await upsertServers(tx, rows);
        for (const [k, e] of failed) res.failures.set(k, e);
        // Their addresses into IPAM, in the same transaction: a server written has its addresses registered.
        const claims: AddressClaim[] = [];
        for (const r of records) {
          if (!res.changes.has(r.serviceId)) continue;
          const mine = claimed.get(r.serviceId)!;
          if (mine.addresses.length === 0) claims.push({ sid: r.serviceId, address: null, primary: false });
          for (const a of mine.addresses) claims.push({ sid: r.serviceId, ...a });
        }
        const created = new Set<number>();
        for (const [sid, change] of res.changes) if (change === 'created') created.add(sid);
        const addresses = await tally.timed('services.addresses', () =>
          registerAddresses(tx, claims, created),
        );
        // Servers of this id range in the target that this run did not migrate: they left the scope.
        const stale = await staleServers(
          tx,
          { after: batch.after, upTo: batch.upTo },
          records.map((r) => r.serviceId),
          ctx.clientIds,
        );
        return { ...res, stale, addresses };
      }),
    );
    tally.addresses(written.addresses);
    for (const r of records)
      if (written.changes.has(r.serviceId))
        for (const value of claimed.get(r.serviceId)!.invalid) tally.invalidAddress(r.serviceId, value);
    const failedIds = new Set(written.failures.keys());
    for (const s of written.stale) {
      if (failedIds.has(s.sid)) continue;
      reportRemoval(tally, s, batch.skipped.get(s.sid));
    }
    for (const sums of written.sums) tally.migratedServers.add(sums);
    for (const r of records) {
      const change = written.changes.get(r.serviceId);
      const error = written.failures.get(r.serviceId);
      tally.warn(r.warnings);
      tally.keepLegacyKeys(Object.keys(r.legacy));
      if (change) {
        tally.count('servers', change);
        tally.serverChanged(r.serviceId, change, written.fields.get(r.serviceId) ?? []);
        if (ctx.pve && tally.result.pveCheck)
          tally.checkPve(r.serviceId, r.vmid, pveMismatches(r, ctx.pve.get(r.vmid)));
      } else {
        tally.serviceFailed(r.productId);
      }
      tally.record({
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
    done += batch.length;
    const secs = (Date.now() - started) / 1000;
    ctx.onProgress?.({
      phase: 'services',
      done,
      rate: done / Math.max(secs, 0.001),
      position: { at: batch.upTo, last: lastServiceId },
    });
    ctx.log.debug({ event: 'batch', after: batch.upTo, services: batch.length }, 'service batch done');
  };

  let pendingWrite: Promise<void> = Promise.resolve();
  // Only a service no earlier rule skips needs its options, fields and module row (the VMID comes last).
  const needsDetails = (s: ServiceRow) => serviceMayMigrate(s, catalogue, ctx.mapping);
  const read = (afterId: number) =>
    prefetch(
      readServiceBatch(ctx.source, afterId, ctx.batchSize, ctx.clientIds, productFieldIds, needsDetails),
    );
  let next = read(0);
  let previous = 0;
  try {
    for (;;) {
      const batch = await tally.timed('services.read', () => next);
      if (batch.services.length === 0) break;
      const after = batch.services[batch.services.length - 1]!.id;
      next = read(after);
      const transformStarted = performance.now();
      const records: ServerRecord[] = [];
      const skipped = new Map<number, SkipInfo>();
      for (const service of batch.services) {
        const outcome = transformService(
          {
            service,
            optionRows: batch.optionRows.get(service.id) ?? [],
            fieldRows: batch.fieldRows.get(service.id) ?? [],
            moduleVm: batch.moduleVms.get(service.id) ?? null,
          },
          catalogue,
          ctx.mapping,
          ctx.pve,
        );
        if (outcome.kind === 'skip') {
          tally.skip('servers', outcome.reason);
          skipped.set(outcome.serviceId, { reason: outcome.reason, whmcsStatus: service.domainstatus });
          tally.record({
            entity: 'service',
            id: outcome.serviceId,
            outcome: 'skipped',
            reason: outcome.reason,
          });
        } else if (outcome.kind === 'fail') {
          tally.serviceFailed(outcome.productId);
          tally.record({ entity: 'service', id: outcome.serviceId, outcome: 'failed', error: outcome.error });
        } else records.push(outcome);
      }
      tally.addTime('services.transform', (performance.now() - transformStarted) / 1000);
      await tally.timed('services.waitForWrite', () => pendingWrite);
      pendingWrite = prefetch(
        write(records, { length: batch.services.length, after: previous, upTo: after, skipped }),
      );
      previous = after;
    }
  } finally {
    // Never leave a write running behind a failure (a dry run would roll back under it); its own error, if
    // any, surfaces here when nothing else failed first.
    await tally.timed('services.waitForWrite', () => pendingWrite);
  }
  // Servers whose service is past the last one WHMCS still has: deleted there.
  for (const s of await staleServers(ctx.reader, { after: previous, upTo: null }, [], ctx.clientIds))
    reportRemoval(tally, s, undefined);
  const seconds = (Date.now() - started) / 1000;
  tally.result.servicesPerSecond = done / Math.max(seconds, 0.001);
  endPhase(
    ctx,
    'services',
    phaseStarted,
    `${done} read, servers ${tally.countsLine('servers')}; ${tally.result.removals.servers.length} left the scope (${Math.round(tally.result.servicesPerSecond)} services/s)`,
  );
}

interface SkipInfo {
  reason: string;
  whmcsStatus: string;
}

/** A server migrated earlier whose service this run skipped, or never saw (deleted in WHMCS). */
function reportRemoval(tally: Tally, s: StaleServer, skip: SkipInfo | undefined): void {
  const reason = skip?.reason ?? 'deleted-in-whmcs';
  const whmcsStatus = skip?.whmcsStatus ?? null;
  tally.result.removals.servers.push({
    serviceId: s.sid,
    serverId: s.id,
    name: s.name,
    vmid: s.vmid,
    clientId: s.clientId,
    whmcsStatus,
    reason,
    action: removalAction(reason),
  });
  tally.record({ entity: 'service', id: s.sid, outcome: 'skipped', reason: `left the scope: ${reason}` });
}
