/**
 * The services phase: WHMCS services (tblhosting) → Keel servers. A pipeline of three stages over batches in id
 * order: the next batch is read from MariaDB while this one is transformed and the previous one is written to
 * PostgreSQL; writes stay in order, one at a time.
 */
import { upsertServers, type ServerRow } from '../load-servers.ts';
import { errorText } from '../load.ts';
import { pveMismatches } from '../pve-inventory.ts';
import { readServiceBatch } from '../source.ts';
import { serverRow, transformService, type ServerRecord } from '../transform.ts';
import type { Catalogue } from '../whmcs.ts';
import type { KeelCatalogue } from './catalogue.ts';
import type { Logins } from './accounts.ts';
import { prefetch, type PhaseContext } from './context.ts';

export async function migrateServices(
  ctx: PhaseContext,
  catalogue: Catalogue,
  keel: KeelCatalogue,
  logins: Logins,
): Promise<void> {
  const { tally } = ctx;
  const productFieldIds = [...catalogue.products.values()].flatMap((p) => p.fields.map((f) => f.id));
  const started = Date.now();
  let done = 0;

  const write = async (records: ServerRecord[], batchLength: number, afterId: number): Promise<void> => {
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
        return res;
      }),
    );
    for (const sums of written.sums) tally.migratedServers.add(sums);
    for (const r of records) {
      const change = written.changes.get(r.serviceId);
      const error = written.failures.get(r.serviceId);
      tally.warn(r.warnings);
      tally.keepLegacyKeys(Object.keys(r.legacy));
      if (change) {
        tally.count('servers', change);
        if (ctx.pve && tally.result.pveCheck)
          tally.checkPve(r.serviceId, r.vmid, pveMismatches(r, ctx.pve.get(r.vmid)));
      } else {
        tally.count('servers', 'failed');
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
    done += batchLength;
    const secs = (Date.now() - started) / 1000;
    ctx.onProgress?.({ phase: 'services', done, rate: done / Math.max(secs, 0.001) });
    ctx.log.debug({ event: 'batch', after: afterId, services: batchLength }, 'service batch done');
  };

  let pendingWrite: Promise<void> = Promise.resolve();
  const read = (afterId: number) =>
    prefetch(readServiceBatch(ctx.source, afterId, ctx.batchSize, ctx.clientIds, productFieldIds));
  let next = read(0);
  try {
    for (;;) {
      const batch = await tally.timed('services.read', () => next);
      if (batch.services.length === 0) break;
      const after = batch.services[batch.services.length - 1]!.id;
      next = read(after);
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
          ctx.mapping,
          ctx.pve,
        );
        if (outcome.kind === 'skip') {
          tally.skip('servers', outcome.reason);
          tally.record({
            entity: 'service',
            id: outcome.serviceId,
            outcome: 'skipped',
            reason: outcome.reason,
          });
        } else if (outcome.kind === 'fail') {
          tally.count('servers', 'failed');
          tally.record({ entity: 'service', id: outcome.serviceId, outcome: 'failed', error: outcome.error });
        } else records.push(outcome);
      }
      tally.addTime('services.transform', (performance.now() - transformStarted) / 1000);
      await tally.timed('services.waitForWrite', () => pendingWrite);
      pendingWrite = prefetch(write(records, batch.services.length, after));
    }
  } finally {
    // Never leave a write running behind a failure (a dry run would roll back under it); its own error, if
    // any, surfaces here when nothing else failed first.
    await tally.timed('services.waitForWrite', () => pendingWrite);
  }
  tally.result.servicesPerSecond = done / Math.max((Date.now() - started) / 1000, 0.001);
}
