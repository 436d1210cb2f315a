/** `pnpm user:create --email E --password P [--name N] [--admin]`: creates an account. */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { createUser } from '../services/users.ts';
import { readArgs, runCli, UsageError } from './run-cli.ts';

const usage = 'Usage: pnpm user:create --email EMAIL --password PASSWORD [--name NAME] [--admin]';

await runCli(async () => {
  const parsed = readArgs(usage, () =>
    parseArgs({
      options: {
        email: { type: 'string' },
        password: { type: 'string' },
        name: { type: 'string' },
        admin: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }),
  );
  if (!parsed) return;
  const { values } = parsed;
  if (!values.email || !values.password)
    throw new UsageError(`--email and --password are required.\n${usage}`);
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  try {
    await database.migrate();
    const user = await createUser(database.db, {
      email: values.email,
      password: values.password,
      name: values.name,
      role: values.admin ? 'admin' : 'customer',
    });
    process.stdout.write(`Created ${user.role} ${user.email} (${user.id}).\n`);
  } finally {
    await database.close();
  }
});
