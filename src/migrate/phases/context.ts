/** What every phase of a run is given: the source, the settings, the one tally, and how to run a batch. */
import type { Logger } from 'pino';
import type { Writer, Tx } from '../load.ts';
import type { Mapping } from '../mapping.ts';
import type { PveVmInfo } from '../pve-inventory.ts';
import type { SourceConnection } from '../source.ts';
import type { PhaseSummary, Progress } from '../run-result.ts';
import type { Tally } from '../tally.ts';

export interface PhaseContext {
  source: SourceConnection;
  mapping: Mapping;
  batchSize: number;
  /** --client: only these WHMCS client ids. */
  clientIds: number[] | null;
  /** vmid → node, power state and specs, when PVE could be asked. */
  pve: Map<number, PveVmInfo> | null;
  log: Logger;
  onProgress?: ((p: Progress) => void) | undefined;
  /** Told each phase's summary line as the phase ends. */
  onPhase?: ((p: PhaseSummary) => void) | undefined;
  tally: Tally;
  /** Runs one batch: its own transaction in a real run, a savepoint of the rolled-back one in a dry run. */
  inBatch: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;
  /** Reads outside any batch (inside the dry run's transaction when there is one). */
  reader: Writer;
}

/** Closes a phase: its summary line in the result, and on stderr as it happens (see cli.ts). */
export function endPhase(ctx: PhaseContext, phase: string, startedAt: number, line: string): void {
  const summary = ctx.tally.phaseDone(phase, (performance.now() - startedAt) / 1000, line);
  ctx.onPhase?.(summary);
}

/** A read started ahead of its use: if the run stops first, its failure must not surface as unhandled. */
export function prefetch<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
