/**
 * Keel's database, defined once. The tRPC routers, the REST adapter, the worker and the WHMCS migrator
 * all read and write through these tables, imported from here; the tables themselves are grouped in
 * schema/: accounts, servers (with the catalogue, jobs and addresses), records (audit, idempotency,
 * webhooks, console sessions).
 */
export * from './schema/accounts.ts';
export * from './schema/servers.ts';
export * from './schema/records.ts';
