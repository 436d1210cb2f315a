/**
 * The migration run: the order of the phases and the transaction they run in. Each phase (phases/) extracts
 * (source.ts), decides (rules.ts, transform*.ts) and loads (load*.ts), reporting into one tally (tally.ts).
 * A real run commits one transaction per batch, then reconciles; a dry run wraps everything in one transaction
 * (batches become savepoints) and rolls it back, so constraint violations surface exactly as in a real run.
 */
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database } from '../server/db/client.ts';
import type { Tx } from './load.ts';
import type { Mapping } from './mapping.ts';
import { migrateAccounts, type Logins } from './phases/accounts.ts';
import { migrateCatalogue } from './phases/catalogue.ts';
import type { PhaseContext } from './phases/context.ts';
import { reconcile } from './phases/reconcile.ts';
import { migrateServices } from './phases/services.ts';
import type { PveVmInfo } from './pve-inventory.ts';
import { readCatalogue, type SourceConnection } from './source.ts';
import { Tally, type Progress, type RunResult } from './tally.ts';

export type { EntityCounts, Progress, PveCheck, Reconciliation, RecordReport, RunResult } from './tally.ts';

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

class DryRunRollback extends Error {}

export async function runMigration(opts: RunOptions): Promise<RunResult> {
  const tally = new Tally({
    dryRun: opts.dryRun,
    whmcsVersion: opts.source.version,
    keepRecords: Boolean(opts.keepRecords),
    verifyPve: Boolean(opts.verifyPve && opts.pve),
  });
  const phases = async (outer: Tx | null): Promise<Logins> => {
    const ctx: PhaseContext = {
      source: opts.source,
      mapping: opts.mapping,
      batchSize: opts.batchSize,
      clientIds: opts.clientIds,
      pve: opts.pve,
      log: opts.log,
      onProgress: opts.onProgress,
      tally,
      // Real runs commit per batch; a dry run nests every batch as a savepoint inside one outer transaction.
      inBatch: (fn) => (outer ? outer.transaction(fn) : opts.db.transaction(fn)),
      reader: outer ?? opts.db,
    };
    const catalogue = await readCatalogue(opts.source);
    const keel = await migrateCatalogue(ctx, catalogue);
    const logins = await migrateAccounts(ctx);
    await migrateServices(ctx, catalogue, keel, logins);
    return logins;
  };

  if (opts.dryRun) {
    try {
      await opts.db.transaction(async (outer) => {
        for (const statement of opts.pendingSchema ?? []) await outer.execute(sql.raw(statement));
        await phases(outer);
        throw new DryRunRollback();
      });
    } catch (err) {
      if (!(err instanceof DryRunRollback)) throw err;
    }
  } else {
    const logins = await phases(null);
    tally.result.reconciliation = await tally.timed('reconcile', () =>
      reconcile(opts.db, tally, logins.userIds, opts.clientIds),
    );
  }
  return tally.finish();
}
