import { defineConfig } from 'drizzle-kit';

/**
 * `pnpm db:generate` reads the schema only. `pnpm db:studio` opens DATABASE_URL's database, or else the
 * embedded one, which a running Keel serves on 127.0.0.1:PGLITE_PORT (5433 by default).
 */
const embedded = `postgres://postgres@127.0.0.1:${process.env.PGLITE_PORT || '5433'}/postgres`;

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/server/db/schema.ts',
  out: './drizzle',
  dbCredentials: { url: process.env.DATABASE_URL || embedded },
});
