/**
 * The load statements against a real PostgreSQL: each writes only what differs, says what it did, and the
 * checksums a batch returns are the ones the reconciliation reads back from the target.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { images, servers } from '../server/db/schema.ts';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/postgres.ts';
import { upsertServers, type ServerRow } from './load-servers.ts';
import { writeUsers, type UserRow } from './load-users.ts';
import {
  catalogueEntries,
  insertClosedEntry,
  planIdsByProduct,
  targetSums,
  upsertPlan,
  type PlanRow,
} from './load.ts';
import { accountDetails } from './transform-accounts.ts';
import { clientRow } from './testing.ts';

let target: TestDatabase;
const db = () => target.handle.db;

beforeAll(async () => {
  target = await createTestDatabase('keel_migrate_load');
});
afterAll(async () => {
  await target?.drop();
});

const client = clientRow({
  id: 21,
  email: 'ada@example.test',
  firstname: 'Ada',
  lastname: 'L',
  city: 'Berlin',
  country: 'DE',
  currency: 'EUR',
  ownerUserId: 7,
  ownerEmail: 'ada@example.test',
  ownerFirstName: 'Ada',
  ownerLastName: 'L',
});

describe('plans', () => {
  const plan: PlanRow = {
    slug: 'whmcs-3-vps-l',
    name: 'VPS L',
    cpuCores: 4,
    memoryMb: 8192,
    diskGb: 160,
    active: false,
    legacyWhmcsProductId: 3,
  };

  it('creates a plan, leaves a matching one untouched, and updates one that differs', async () => {
    const created = await db().transaction((tx) => upsertPlan(tx, plan));
    expect(created?.change).toBe('created');
    expect(await db().transaction((tx) => upsertPlan(tx, plan))).toBeNull();
    const updated = await db().transaction((tx) => upsertPlan(tx, { ...plan, memoryMb: 16384 }));
    expect(updated).toEqual({ id: created!.id, change: 'updated' });
    const ids = await db().transaction((tx) => planIdsByProduct(tx));
    expect(ids.get(3)).toBe(created!.id);
  });
});

describe('closed images and locations', () => {
  it('creates an entry once and finds it by slug after', async () => {
    const entry = { slug: 'alma-9', name: 'AlmaLinux 9' };
    const first = await db().transaction((tx) => insertClosedEntry(tx, images, entry));
    const again = await db().transaction((tx) => insertClosedEntry(tx, images, entry));
    expect(first.created).toBe(true);
    expect(again).toEqual({ id: first.id, created: false });
    expect(await catalogueEntries(db(), images)).toContainEqual({ id: first.id, ...entry });
  });
});

describe('users and servers', () => {
  const user: UserRow = {
    legacyWhmcsUserId: 7,
    legacyWhmcsClientId: null,
    email: 'ada@example.test',
    name: 'Ada L',
    passwordHash: '!whmcs-unknown-hash-shape',
    accounts: { '21': accountDetails(client, {}) },
  };
  let userId: string;
  const row = (patch: Partial<ServerRow> = {}): ServerRow => ({
    legacyWhmcsServiceId: 501,
    userId,
    name: 'web.example.test',
    status: 'running',
    planId: null,
    imageId: null,
    locationId: null,
    cpuCores: 2,
    memoryMb: 2048,
    diskGb: 40,
    ipAddress: '10.0.0.5',
    pveNode: 'pve1',
    pveVmid: 10501,
    legacyAttributes: { whmcsStatus: 'Active' },
    ...patch,
  });

  it('writes a login with its account, then only what changed', async () => {
    const first = await db().transaction((tx) => writeUsers(tx, [user], []));
    expect(first.changes.get('u7')).toBe('created');
    expect(first.accountChanges.get(21)).toBe('created');
    userId = first.ids.get('u7')!;
    const rerun = await db().transaction((tx) => writeUsers(tx, [user], []));
    expect(rerun.changes.get('u7')).toBe('unchanged');
    expect(rerun.accountChanges.size).toBe(0);
    const grown = await db().transaction((tx) =>
      writeUsers(
        tx,
        [],
        [{ legacyWhmcsUserId: 7, legacyWhmcsClientId: null, accounts: { '22': accountDetails(client, {}) } }],
      ),
    );
    expect(grown.accountChanges.get(22)).toBe('created');
    const sums = await targetSums(db(), null);
    expect(sums.users).toBe(1);
    expect(sums.accounts?.split(',')[0]).toBe('2');
  });

  it('upserts servers keyed on the service id, and fails a bad row alone', async () => {
    const stray = row({ legacyWhmcsServiceId: 502, userId: randomUUID(), pveVmid: 10502 });
    const first = await db().transaction((tx) => upsertServers(tx, [row(), stray]));
    expect(first.changes.get(501)).toBe('created');
    expect(first.failures.get(502)).toMatch(/foreign key/);
    expect(first.sums).toHaveLength(1);
    // What the batch sent is what the target holds.
    expect((await targetSums(db(), null)).servers).toBe(first.sums[0]);

    const rerun = await db().transaction((tx) => upsertServers(tx, [row()]));
    expect(rerun.changes.get(501)).toBe('unchanged');
    expect(rerun.sums).toEqual(first.sums);
  });

  it('keeps Keel’s own status unless the WHMCS status changed', async () => {
    await db().update(servers).set({ status: 'stopped' }).where(eqService(501));
    const same = await db().transaction((tx) => upsertServers(tx, [row({ memoryMb: 4096 })]));
    expect(same.changes.get(501)).toBe('updated');
    expect(await statusOf(501)).toBe('stopped');
    await db().transaction((tx) =>
      upsertServers(tx, [row({ status: 'suspended', legacyAttributes: { whmcsStatus: 'Suspended' } })]),
    );
    expect(await statusOf(501)).toBe('suspended');
  });

  it('sums only the given users and accounts when the run was limited to some clients', async () => {
    const only = await targetSums(db(), { userIds: [userId], clientIds: [21] });
    expect(only.users).toBe(1);
    expect(only.accounts?.split(',')[0]).toBe('1');
    expect(only.servers?.split(',')[0]).toBe('1');
    const none = await targetSums(db(), { userIds: [randomUUID()], clientIds: [21] });
    expect(none).toMatchObject({ users: 0 });
    expect(none.servers?.split(',')[0]).toBe('0');
  });
});

async function statusOf(serviceId: number): Promise<string | undefined> {
  const [r] = await db().select({ status: servers.status }).from(servers).where(eqService(serviceId));
  return r?.status;
}

const eqService = (serviceId: number) => eq(servers.legacyWhmcsServiceId, serviceId);
