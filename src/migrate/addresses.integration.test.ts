/**
 * Migrated addresses into IPAM, on real MariaDB + PostgreSQL: a service's dedicated and assigned IPs are
 * allocated to its server from the pool that holds them, or recorded outside every pool; two services claiming
 * one address are reported and the address stays with the first; a pool created after the migration never
 * hands out a migrated address; a rerun keeps what it registered and follows a changed address.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WhmcsManifest } from '../../testbed/whmcs/index.ts';
import type { TestDatabase } from '../../test/helpers/postgres.ts';
import type mysql from 'mysql2/promise';
import { allocateAddress } from '../server/db/ipam.ts';
import { createPool as createPoolIn } from '../server/services/ipam.ts';
import type { PoolInput } from '../shared/catalogue.ts';
import { locations } from '../server/db/schema.ts';
import { executeRows } from '../server/db/client.ts';
import { useMigrationTestbed } from './integration-testbed.ts';
import type { RunResult } from './run.ts';

const bed = useMigrationTestbed({ name: 'keel_addresses', scale: 20, seed: 13 });
let manifest: WhmcsManifest;
let target: TestDatabase;
let whmcs: mysql.Connection;
let locationId: string;

const migrate = (): Promise<RunResult> => bed.migrateJson();

interface Held {
  address: string;
  sid: number | null;
  pool: string | null;
  primary: boolean;
}

/** Every ip_addresses row held by a server, with that server's tblhosting.id. */
async function held(): Promise<Held[]> {
  return executeRows<Held>(
    target.handle.db,
    sql`select a.address, s.legacy_whmcs_service_id as sid, a.pool_id::text as pool, a."primary"
          from ip_addresses a join servers s on s.id = a.server_id order by a.address`,
  );
}

const setIps = (id: number, dedicated: string, assigned: string[]) =>
  whmcs.query('UPDATE tblhosting SET dedicatedip = ?, assignedips = ? WHERE id = ?', [
    dedicated,
    assigned.join('\n'),
    id,
  ]);

let a: number, b: number, c: number, d: number;

/** Keel's own pool creation (the operator API's), which registers the addresses servers already hold. */
const createPool = async (_db: unknown, pool: PoolInput): Promise<string> =>
  (await target.handle.db.transaction((tx) => createPoolIn(tx, pool))).id;

beforeAll(async () => {
  ({ manifest, target, whmcs } = bed);
  const live = manifest.services.filter((s) => s.outcome === 'migrate').map((s) => s.id);
  live.sort((x, y) => x - y);
  [a, b, c, d] = live as [number, number, number, number];
  await setIps(a, '198.51.100.10', ['198.51.100.11', '203.0.113.77', 'see ticket #12']);
  await setIps(b, '203.0.113.5', []);
  // c claims a's address: a conflict, reported; c keeps nothing of it.
  await setIps(c, '198.51.100.010', []);
  await setIps(d, '', []);
  const [loc] = await target.handle.db
    .insert(locations)
    .values({ slug: 'ipam-lab', name: 'IPAM lab' })
    .returning({ id: locations.id });
  locationId = loc!.id;
  await createPool(target.handle.db, {
    locationId,
    cidr: '198.51.100.0/24',
    gateway: '198.51.100.1',
    rangeStart: '198.51.100.10',
    rangeEnd: '198.51.100.20',
    dns: [],
  });
}, 120_000);

describe('migrated addresses in IPAM', () => {
  it('allocates pooled addresses, records the others, reports the double claim', async () => {
    const result = await migrate();
    const rows = await held();
    const of = (sid: number) => rows.filter((r) => r.sid === sid);
    expect(of(a).map((r) => [r.address, r.pool !== null, r.primary])).toEqual([
      ['198.51.100.10', true, true],
      ['198.51.100.11', true, false],
      ['203.0.113.77', false, false],
    ]);
    expect(of(b).map((r) => [r.address, r.pool !== null, r.primary])).toEqual([['203.0.113.5', false, true]]);
    expect(of(c)).toEqual([]);
    expect(of(d)).toEqual([]);
    expect(result.addresses.conflicts).toEqual([
      expect.objectContaining({ address: '198.51.100.10', serviceId: c, heldByServiceId: a }),
    ]);
    expect(result.addresses.invalid).toEqual([{ serviceId: a, value: 'see ticket #12' }]);
    expect(result.addresses.allocated).toBe(2);
    // Every other live service keeps its own testbed address, outside every pool.
    expect(result.addresses.recorded).toBe(rows.length - 2);
    expect(result.addresses.inPool).toBe(2);
  }, 60_000);

  it('a pool created afterwards takes the migrated addresses over, held, and never hands them out', async () => {
    const poolId = await createPool(target.handle.db, {
      locationId,
      cidr: '203.0.113.0/24',
      gateway: '203.0.113.254',
      rangeStart: '203.0.113.1',
      rangeEnd: '203.0.113.100',
      dns: [],
    });
    const rows = await held();
    expect(rows.filter((r) => r.address.startsWith('203.0.113.'))).toEqual([
      { address: '203.0.113.5', sid: b, pool: poolId, primary: true },
      { address: '203.0.113.77', sid: a, pool: poolId, primary: false },
    ]);
    const [free] = await executeRows<{ n: number; taken: number }>(
      target.handle.db,
      sql`select count(*) filter (where server_id is null)::int as n,
                 count(*) filter (where server_id is null and address in ('203.0.113.5', '203.0.113.77'))::int as taken
            from ip_addresses where pool_id = ${poolId}`,
    );
    expect(free).toEqual({ n: 98, taken: 0 });
    // d's server holds no address: the allocator gives it the lowest free one of the location, never a migrated one.
    const [server] = await executeRows<{ id: string }>(
      target.handle.db,
      sql`select id from servers where legacy_whmcs_service_id = ${d}`,
    );
    const given = await target.handle.db.transaction((tx) => allocateAddress(tx, locationId, server!.id));
    expect(given).toBe('198.51.100.12');
  });

  it('a rerun keeps what it registered, still reports the conflict, and follows a changed address', async () => {
    await setIps(d, '', []);
    const again = await migrate();
    expect(again.addresses).toMatchObject({ allocated: 0, recorded: 0, conflictCount: 1 });
    // d is a migrated server: its own WHMCS record has no address, so the rerun releases the one given above.
    expect((await held()).filter((r) => r.sid === d)).toEqual([]);

    await setIps(b, '203.0.113.6', []);
    const moved = await migrate();
    expect(moved.addresses).toMatchObject({ allocated: 1, recorded: 0 });
    const rows = await held();
    expect(rows.filter((r) => r.sid === b).map((r) => r.address)).toEqual(['203.0.113.6']);
    const [old] = await executeRows<{ server: string | null }>(
      target.handle.db,
      sql`select server_id as server from ip_addresses where address = '203.0.113.5'`,
    );
    expect(old).toEqual({ server: null });
  }, 60_000);
});
