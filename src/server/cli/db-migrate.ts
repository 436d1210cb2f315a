/** `pnpm db:migrate`: applies pending migrations to the configured database, then exits. */
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { runCli } from './run-cli.ts';

await runCli(async () => {
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  try {
    await database.migrate();
    process.stdout.write(
      `Migrations applied to the ${database.kind === 'pglite' ? 'embedded' : 'PostgreSQL'} database.\n`,
    );
  } finally {
    await database.close();
  }
});
