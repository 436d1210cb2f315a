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
import { readCatalogue, readLastIds, type SourceConnection } from './source.ts';
import type { PhaseSummary, Progress, RunResult } from './run-result.ts';
import { Tally } from './tally.ts';

export type {
  EntityCounts,
  PhaseSummary,
  Progress,
  PveCheck,
  Reconciliation,
  RecordReport,
  RunResult,
} from './run-result.ts';

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
  /** Told each phase's summary line as the phase ends. */
  onPhase?: (p: PhaseSummary) => void;
  /** Keep every per-record entry in the result (for --report); off keeps memory flat on big sources. */
  keepRecords?: boolean;
  /** Dry run only: Keel migrations the target lacks, applied inside the rolled-back transaction. */
  pendingSchema?: string[];
}

class DryRunRollback extends Error {}

/**
 * The batch statements are costed on staging tables without statistics, so a batch of 2000 logins passes
 * jit_above_cost and PostgreSQL spends ~40 ms compiling each one (EXPLAIN ANALYZE), more than it runs.
 * Off for the transaction (set_config local: gone at its end).
 */
async function noJit(tx: Tx): Promise<void> {
  await tx.execute(sql`select set_config('jit', 'off', true)`);
}

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
      onPhase: opts.onPhase,
      tally,
      // Real runs commit per batch; a dry run nests every batch as a savepoint inside one outer transaction.
      inBatch: (fn) =>
        outer
          ? outer.transaction(fn)
          : opts.db.transaction(async (tx) => {
              await noJit(tx);
              return fn(tx);
            }),
      reader: outer ?? opts.db,
    };
    const last = await readLastIds(opts.source, opts.clientIds);
    const catalogue = await readCatalogue(opts.source);
    const keel = await migrateCatalogue(ctx, catalogue);
    const logins = await migrateAccounts(ctx, last.clients);
    await migrateServices(ctx, catalogue, keel, logins, last.services);
    // A plan without all its defaults is only a warning while every service of it migrated with its own specs.
    for (const plan of tally.result.unresolvedPlans)
      plan.servicesFailed = tally.failedByProduct.get(plan.productId) ?? 0;
    return logins;
  };

  if (opts.dryRun) {
    try {
      await opts.db.transaction(async (outer) => {
        await noJit(outer);
        for (const statement of opts.pendingSchema ?? []) await outer.execute(sql.raw(statement));
        await phases(outer);
        throw new DryRunRollback();
      });
    } catch (err) {
      if (!(err instanceof DryRunRollback)) throw err;
    }
  } else {
    const logins = await phases(null);
    const started = performance.now();
    const rec = await tally.timed('reconcile', () => reconcile(opts.db, tally, logins, opts.clientIds));
    tally.result.reconciliation = rec;
    const summary = tally.phaseDone(
      'reconcile',
      (performance.now() - started) / 1000,
      `${rec.ok ? 'OK' : 'MISMATCH'}: servers ${rec.expectedServers}/${rec.targetServers}, users ${rec.expectedUsers}/${rec.targetUsers}, accounts ${rec.expectedAccounts}/${rec.targetAccounts}`,
    );
    opts.onPhase?.(summary);
  }
  return tally.finish();
}
