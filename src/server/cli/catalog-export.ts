/** `pnpm catalog:export [FILE]`: writes the current catalogue as YAML (to stdout without FILE). */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { exportCatalogue } from '../services/admin/catalogue-file.ts';
import { readArgs, runCli, UsageError } from './run-cli.ts';

const usage = 'Usage: pnpm catalog:export [FILE]   (YAML, as pnpm catalog:apply reads it)';

await runCli(async () => {
  const parsed = readArgs(usage, () =>
    parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }),
  );
  if (!parsed) return;
  if (parsed.positionals.length > 1) throw new UsageError(usage);
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  try {
    await database.migrate();
    const yaml = `# Keel catalogue, exported ${new Date().toISOString()}; apply with pnpm catalog:apply\n${stringify(
      await exportCatalogue(database.db),
    )}`;
    if (parsed.positionals[0]) writeFileSync(parsed.positionals[0], yaml);
    else process.stdout.write(yaml);
  } finally {
    await database.close();
  }
});
