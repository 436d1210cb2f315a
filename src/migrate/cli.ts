/**
 * `pnpm migrate`: WHMCS (MariaDB) → Keel (PostgreSQL). See README.md in this folder.
 * Exit codes: 0 every account and server migrated or skipped with a reason, 1 a record that matters was lost
 * (failed, reconciliation mismatch, a VM that differs), 2 usage or connection error.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import pino, { type Logger } from 'pino';
import { loadSettings, type Settings } from '../server/config.ts';
import { openDatabase, pendingMigrationStatements, type DatabaseHandle } from '../server/db/client.ts';
import { connectPve, type PveConnection } from '../server/pve/connect.ts';
import { applyRemovals, migrationActor } from './apply-removals.ts';
import { loadMapping } from './mapping.ts';
import { pveInventory, type PveVmInfo } from './pve-inventory.ts';
import { runMigration, type RunResult } from './run.ts';
import { connectSource, type SourceConnection } from './source.ts';
import { makeProgress } from './progress.ts';
import { formatSummary, verdict } from './report.ts';

export const usage = `Usage: pnpm migrate [options]

Moves active WHMCS customers and their Proxmox servers into Keel. Idempotent: keyed on WHMCS ids.

  --dry-run            extract, transform and load inside one transaction, then roll it back
  --source URL         WHMCS database (mysql://user:pass@host:3306/whmcs); default $WHMCS_DATABASE_URL,
                       else the local testbed's mysql://root@127.0.0.1:3306/whmcs
  --target URL         Keel database (postgres://…); default $DATABASE_URL, else the embedded database in $DATA_DIR
  --mapping FILE       JSON mapping of option/field names, images and locations (see README); default built in
  --batch-size N       rows per batch and transaction (default 1000)
  --report FILE        write the full per-record JSON report to FILE
  --only-client ID     only this WHMCS client id, for a one-account trial (repeatable; --client is the same)
  --verify-pve         check every linked VMID exists on PVE with matching specs ($PVE_URL, $PVE_TOKEN_ID,
                       $PVE_TOKEN_SECRET, $PVE_FINGERPRINT)
  --apply-removals     suspend in Keel the servers whose service left the scope since an earlier run, acting
                       as Keel's oldest administrator (a service ended in WHMCS is suspended too, not
                       terminated: terminating deletes the VM, which the migration never does; the report
                       names each, with the call that terminates it). With --dry-run: what it would do
  --json               print the summary as JSON instead of text
  -h, --help           this text

A rerun applies what changed in WHMCS since the last run and lists it (new, changed, ended services, changed
passwords, closed accounts). With $PVE_URL set, an Active service's status is taken from its PVE VM.
Exit codes: 0 every account and server migrated or skipped with a reason (warnings may remain), 1 a record
that matters was lost (failed, reconciliation mismatch, VM differs with --verify-pve), 2 usage or connection
error.`;

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTty: boolean;
  /** The interactive terminal stderr writes to, for the progress bar (only when isTty). */
  tty?: NodeJS.WritableStream;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        'dry-run': { type: 'boolean', default: false },
        source: { type: 'string' },
        target: { type: 'string' },
        mapping: { type: 'string' },
        'batch-size': { type: 'string', default: '1000' },
        report: { type: 'string' },
        'only-client': { type: 'string', multiple: true },
        client: { type: 'string', multiple: true },
        'apply-removals': { type: 'boolean', default: false },
        'verify-pve': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    }).values;
  } catch (err) {
    io.stderr(`migrate: ${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if (args.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const batchSize = Number(args['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) {
    io.stderr('migrate: --batch-size must be an integer from 1 to 5000\n');
    return 2;
  }
  // --client is the older spelling of --only-client; both may be given and add up.
  const onlyClients = [...(args['only-client'] ?? []), ...(args.client ?? [])];
  const clientIds = onlyClients.length > 0 ? [...new Set(onlyClients.map(Number))] : null;
  if (clientIds?.some((id) => !Number.isSafeInteger(id) || id < 1)) {
    io.stderr('migrate: --only-client takes a positive WHMCS client id\n');
    return 2;
  }
  let settings: Settings;
  try {
    settings = loadSettings(io.env);
  } catch (err) {
    io.stderr(`migrate: ${(err as Error).message}\n`);
    return 2;
  }
  // Without either, the local WHMCS testbed's database, so `pnpm testbed:whmcs && pnpm migrate` works as is.
  const sourceUrl = args.source ?? settings.WHMCS_DATABASE_URL ?? localTestbedUrl;
  if (sourceUrl === localTestbedUrl && !args.source)
    io.stderr(`migrate: source ${localTestbedUrl} (the local testbed)\n`);
  const targetUrl = args.target ?? settings.DATABASE_URL;
  const log: Logger = pino(
    { level: settings.LOG_LEVEL, base: { service: 'keel-migrate' } },
    pino.destination(2),
  );
  let mapping;
  try {
    mapping = await loadMapping(args.mapping);
  } catch (err) {
    io.stderr(`migrate: ${(err as Error).message}\n`);
    return 2;
  }

  let source: SourceConnection | undefined;
  let target: DatabaseHandle | undefined;
  let pveConnection: PveConnection | undefined;
  let pendingSchema: string[] = [];
  try {
    try {
      source = await connectSource(sourceUrl);
    } catch (err) {
      io.stderr(`migrate: source ${redact(sourceUrl)}: ${(err as Error).message}\n`);
      return 2;
    }
    const targetName = targetUrl ? redact(targetUrl) : `embedded database in ${settings.DATA_DIR}`;
    try {
      target = await openDatabase({ databaseUrl: targetUrl, dataDir: settings.dataDir, maxConnections: 2 });
      await target.ping();
      // A dry run never changes the target: the migrations it lacks run inside the rolled-back transaction.
      if (args['dry-run']) pendingSchema = await pendingMigrationStatements(target.db);
      else await target.migrate();
    } catch (err) {
      io.stderr(`migrate: target ${targetName}: ${(err as Error).message}\n`);
      return 2;
    }
    // Suspensions are an operator's action: recorded for an administrator, who must exist before anything is done.
    let actor: { id: string; email: string } | null = null;
    if (args['apply-removals'] && !args['dry-run']) {
      actor = await migrationActor(target.db);
      if (!actor) {
        io.stderr(
          'migrate: --apply-removals suspends servers as an administrator of Keel, and Keel has none yet: ' +
            'create one (pnpm user:create --admin …) or start Keel once, then run again\n',
        );
        return 2;
      }
    }
    let pve: Map<number, PveVmInfo> | null = null;
    // Only a real cluster is asked: without PVE_URL the migration reads no VM (Keel's built-in simulator is
    // the running server's own).
    if (settings.PVE_URL) {
      try {
        pveConnection = await connectPve(settings, log);
        pve = pveInventory(await pveConnection.client.clusterVms());
      } catch (err) {
        io.stderr(`migrate: PVE ${settings.PVE_URL}: ${(err as Error).message}\n`);
        return 2;
      }
    } else if (args['verify-pve']) {
      io.stderr('migrate: --verify-pve needs PVE_URL, PVE_TOKEN_ID and PVE_TOKEN_SECRET\n');
      return 2;
    }

    const progress = makeProgress({ stderr: io.stderr, tty: io.isTty ? io.tty : undefined });
    const result: RunResult = await runMigration({
      source,
      db: target.db,
      mapping,
      dryRun: args['dry-run'],
      pendingSchema,
      batchSize,
      clientIds,
      pve,
      log,
      verifyPve: args['verify-pve'],
      keepRecords: Boolean(args.report),
      onProgress: progress.update,
      onPhase: progress.phase,
    });
    progress.done();
    if (args['apply-removals'])
      result.appliedRemovals = await applyRemovals(target.db, result.removals.servers, actor, {
        dryRun: args['dry-run'],
      });
    const outcome = verdict(result);
    if (args.report)
      await writeFile(args.report, `${JSON.stringify({ ...result, verdict: outcome }, null, 2)}\n`);
    io.stdout(
      args.json
        ? `${JSON.stringify({ ...result, records: undefined, verdict: outcome })}\n`
        : formatSummary(result),
    );
    return outcome.code;
  } finally {
    await pveConnection?.close();
    await source?.close();
    await target?.close();
  }
}

const localTestbedUrl = 'mysql://root@127.0.0.1:3306/whmcs';

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // V8 lets the old generation grow to about four times what survived the last full collection before the next
  // one (its factor on a machine with this much memory), and a run's batches outlive scavenges, so at
  // --scale 250000 the heap filled to 140 - 300 MB with ~35 MB live. Twice what survived keeps the peak RSS under
  // 300 MB for a few more, short, mark-compacts (see README.md, Performance). Read by V8 at every collection.
  setFlagsFromString('--heap-growing-percent=100');
  main(process.argv.slice(2), {
    env: process.env,
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    isTty: Boolean(process.stderr.isTTY),
    tty: process.stderr,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`migrate: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
