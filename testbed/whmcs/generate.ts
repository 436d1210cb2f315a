/**
 * Deterministic WHMCS data generator. Emits rows (table → column values) to a sink and builds the manifest
 * from the values it chose and WHMCS's documented rules. No I/O: the caller decides whether rows go to
 * MariaDB or to a .sql file.
 *
 * This file is the core: the order in which the parts run, which is what makes a seed reproducible. The parts:
 * the fixed catalogue (catalogue.ts, emitted by emit-catalogue.ts), the named cases (cases.ts), the bulk data
 * (bulk.ts), the row emitters (emit-accounts.ts, emit-services.ts), the manifest (manifest-builder.ts), all
 * over one shared Generation (generation.ts).
 */
import { namedClients } from './cases.ts';
import { bulkClient } from './bulk.ts';
import { WHMCS_VERSION } from './catalogue.ts';
import { emitClient, emitSubUser } from './emit-accounts.ts';
import { emitCatalogue } from './emit-catalogue.ts';
import { Generation, type RowSink } from './generation.ts';
import { RULES } from './manifest-builder.ts';
import { ManifestCollector } from './manifest.ts';
import type { ManifestSink, PveState, WhmcsManifest, WhmcsManifestHead } from './manifest.ts';
import { createPrng } from './prng.ts';

export type { Row, RowSink } from './generation.ts';

export interface GenerateOptions {
  seed: number;
  /** Number of clients; the hand-written messy cases count towards it. */
  scale: number;
  /** Called whenever the sink asks to be flushed; lets a database writer apply back-pressure. */
  flush?: () => Promise<void>;
}

export interface GenerateResult {
  manifest: WhmcsManifest;
  pveState: PveState;
}

async function generate(opts: GenerateOptions, g: Generation): Promise<WhmcsManifestHead> {
  emitCatalogue(g);
  const named = namedClients();
  const total = Math.max(opts.scale, named.length);
  const bulk = g.prng.fork('bulk');
  for (let clientId = 1; clientId <= total; clientId++) {
    const plan = clientId <= named.length ? named[clientId - 1]! : bulkClient(g, bulk, clientId);
    // Past the hand-written clients only the previous client's owner can be reused, so every user older
    // than a newly created one is final.
    if (clientId > named.length && !('existingUserId' in plan.owner)) g.m.releaseUsers();
    emitClient(g, clientId, plan, bulk);
    if (g.sink.wantsFlush && opts.flush) await opts.flush();
  }
  emitSubUser(g, named.length);
  g.m.releaseUsers();
  return {
    formatVersion: 1,
    seed: opts.seed,
    scale: opts.scale,
    whmcsVersion: WHMCS_VERSION,
    rules: RULES,
    counts: {
      clients: g.m.clients,
      users: g.m.users,
      services: g.m.services,
      servicesToMigrate: g.m.servicesToMigrate,
      clientsToMigrate: g.m.clientsToMigrate,
      configOptionRows: g.nextConfigRowId - 1,
      customFieldValues: g.nextFieldValueId - 1,
    },
    cases: Object.fromEntries([...g.m.cases.entries()].sort(([a], [b]) => a.localeCompare(b))),
  };
}

/**
 * Generates the rows into `sink` and hands manifest entries to `manifestSink` as they are finished; returns
 * the rest of the manifest. Memory stays bounded by the case index (a few ids per service), not the entries.
 */
export async function generateWhmcsStreaming(
  opts: GenerateOptions,
  sink: RowSink,
  manifestSink: ManifestSink,
): Promise<WhmcsManifestHead> {
  if (!Number.isInteger(opts.seed) || opts.seed < 0)
    throw new RangeError('seed must be a non-negative integer');
  if (!Number.isInteger(opts.scale) || opts.scale < 0)
    throw new RangeError('scale must be a non-negative integer');
  return generate(opts, new Generation(createPrng(opts.seed), sink, manifestSink));
}

export async function generateWhmcs(opts: GenerateOptions, sink: RowSink): Promise<GenerateResult> {
  const collector = new ManifestCollector();
  const head = await generateWhmcsStreaming(opts, sink, collector);
  return { manifest: collector.manifest(head), pveState: collector.pveState };
}
