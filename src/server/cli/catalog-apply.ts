/**
 * `pnpm catalog:apply FILE [--dry-run]`: brings the catalogue (plans, images, locations, IP pools) to
 * what a YAML or JSON file says, through the same checks as the admin API. A rerun changes nothing.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { catalogueFileSchema } from '../../shared/catalogue.ts';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { createLogger } from '../logger.ts';
import { connectPve } from '../pve/connect.ts';
import { applyCatalogue, type CatalogueChange } from '../services/admin/catalogue-file.ts';
import { readArgs, runCli, UsageError } from './run-cli.ts';

const usage = 'Usage: pnpm catalog:apply FILE [--dry-run]   (FILE: .yaml, .yml or .json)';

function describe(change: CatalogueChange): string {
  const what = `${change.kind.replace('_', ' ')} ${change.key}`;
  if (change.action === 'create') return `  + create ${what}`;
  if (change.action === 'unchanged') return `    unchanged ${what}`;
  return `  ~ update ${what}: ${Object.entries(change.changes ?? {})
    .map(([k, v]) => `${k} → ${JSON.stringify(v)}`)
    .join(', ')}`;
}

await runCli(async () => {
  const parsed = readArgs(usage, () =>
    parseArgs({
      options: { 'dry-run': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (!parsed) return;
  const [path, ...extra] = parsed.positionals;
  if (!path || extra.length) throw new UsageError(usage);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    // YAML is a superset of JSON: one parser reads both.
    raw = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new UsageError(`${path} is not valid YAML or JSON: ${(err as Error).message}`);
  }
  const file = catalogueFileSchema.parse(raw ?? {});
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, process.stderr);
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  const pve = await connectPve(config, log);
  try {
    await database.migrate();
    const dryRun = parsed.values['dry-run'] ?? false;
    const changes = await applyCatalogue({ db: database.db, pve: pve.client }, file, {
      dryRun,
      actor: { userId: null, via: 'catalog:apply' },
    });
    const changed = changes.filter((c) => c.action !== 'unchanged').length;
    process.stdout.write(`${changes.map(describe).join('\n')}\n`);
    process.stdout.write(
      dryRun
        ? `Dry run: ${changed} change${changed === 1 ? '' : 's'} would be made; nothing was written.\n`
        : `Applied ${changed} change${changed === 1 ? '' : 's'} (${changes.length - changed} entries unchanged).\n`,
    );
  } finally {
    await pve.close();
    await database.close();
  }
});
