/** The registry on the real database: the default cluster for NULL, a kept client per unchanged row. */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres.ts';
import { locations, pveClusters, servers, users } from '../db/schema.ts';
import { sealSecret } from '../lib/secret-box.ts';
import { createLogger } from '../logger.ts';
import { PveClient } from './client.ts';
import { PveRegistry } from './registry.ts';

let database: TestDatabase;
const log = createLogger('silent');
const key = randomBytes(32);
const defaultClient = new PveClient({
  baseUrl: 'https://default.invalid:8006',
  tokenId: 'a@pam!b',
  tokenSecret: 's',
  log,
});

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  defaultClient.close();
  await database?.drop();
});

async function addCluster(slug: string) {
  const [row] = await database.handle.db
    .insert(pveClusters)
    .values({
      slug,
      name: slug,
      url: `https://${slug}.invalid:8006`,
      tokenId: 'keel@pve!keel',
      tokenSecretSealed: sealSecret(key, `secret-of-${slug}`),
    })
    .returning();
  return row!;
}

describe('the PVE registry', () => {
  it('gives the default client for NULL, for a location without a cluster and for an unknown server', async () => {
    const registry = new PveRegistry({ db: database.handle.db, defaultClient, secretKey: key, log });
    expect(await registry.forCluster(null)).toBe(defaultClient);
    const [loc] = await database.handle.db
      .insert(locations)
      .values({ slug: 'lab', name: 'Lab', pveNodes: ['pve1'] })
      .returning();
    expect(await registry.forLocation(loc!.id)).toBe(defaultClient);
    expect(await registry.forServer('00000000-0000-4000-8000-000000000000')).toBe(defaultClient);
    expect(await registry.forServer('not-an-id')).toBe(defaultClient);
  });

  it('builds a client per registered cluster, keeps it while the row is unchanged, rebuilds it when it changes', async () => {
    const registry = new PveRegistry({ db: database.handle.db, defaultClient, secretKey: key, log });
    const hel = await addCluster('hel');
    const fra = await addCluster('fra');
    const a = await registry.forCluster(hel.id);
    expect(a).toBeInstanceOf(PveClient);
    expect(a).not.toBe(defaultClient);
    expect(a).toBe(await registry.forCluster(hel.id));
    expect(await registry.forCluster(fra.id)).not.toBe(a);

    await database.handle.db
      .update(pveClusters)
      .set({ url: 'https://hel2.invalid:8006' })
      .where(eq(pveClusters.id, hel.id));
    const b = await registry.forCluster(hel.id);
    expect(b).not.toBe(a);
    expect(b!.baseUrl).toBe('https://hel2.invalid:8006');

    // A server follows its own cluster; a location its own.
    const [user] = await database.handle.db
      .insert(users)
      .values({ email: 'r@example.com', passwordHash: 'x', role: 'customer' })
      .returning();
    const [loc] = await database.handle.db
      .insert(locations)
      .values({ slug: 'fra1', name: 'Frankfurt', pveNodes: ['pve1'], clusterId: fra.id })
      .returning();
    const [srv] = await database.handle.db
      .insert(servers)
      .values({
        userId: user!.id,
        name: 'w',
        status: 'stopped',
        cpuCores: 1,
        memoryMb: 512,
        diskGb: 10,
        clusterId: hel.id,
      })
      .returning();
    expect(await registry.forServer(srv!.id)).toBe(b);
    expect(await registry.forLocation(loc!.id)).toBe(await registry.forCluster(fra.id));
    expect((await registry.all()).map((c) => c.label)).toEqual(['default', 'hel', 'fra']);
    registry.close();
  });

  it('cannot reach a registered cluster without the key, and says so', async () => {
    const registry = new PveRegistry({ db: database.handle.db, defaultClient, log });
    const [row] = await database.handle.db.select().from(pveClusters).limit(1);
    await expect(registry.forCluster(row!.id)).rejects.toThrow(/CLUSTER_SECRET_KEY is not set/);
    await expect(registry.forCluster('00000000-0000-4000-8000-000000000009')).rejects.toThrow(
      /not registered/,
    );
    // Reconciliation then works on the default cluster alone.
    expect((await registry.all()).map((c) => c.label)).toEqual(['default']);
  });
});
