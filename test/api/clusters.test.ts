/**
 * The clusters admin API in-process, against an in-process simulator registered as a second cluster:
 * operators only, refused without CLUSTER_SECRET_KEY, the secret kept out of answers, audit and log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, pveClusters, servers } from '../../src/server/db/schema.ts';
import { startPveSim, type PveSim } from '../../testbed/pve/index.ts';
import { api, startTestApp, type TestApp } from '../helpers/app.ts';

let sim: PveSim;
let app: TestApp;
let admin: string;
let customer: string;

const body = () => ({
  slug: 'hel',
  name: 'Helsinki',
  url: sim.url,
  tokenId: sim.tokenId,
  tokenSecret: sim.tokenSecret,
  fingerprint: sim.fingerprint ?? null,
});

beforeAll(async () => {
  sim = await startPveSim({ port: 0, speed: 100 });
  app = await startTestApp();
  const a = await app.createUser({ role: 'admin' });
  const c = await app.createUser();
  admin = (await app.login(a.email, a.password)).accessToken;
  customer = (await app.login(c.email, c.password)).accessToken;
});
afterAll(async () => {
  await app.close();
  await sim.stop();
});

describe('the clusters admin API', () => {
  it('refuses customers on every route', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const [method, path, b] of [
      ['GET', '/api/admin/clusters'],
      ['POST', '/api/admin/clusters', body()],
      ['GET', `/api/admin/clusters/${id}`],
      ['PATCH', `/api/admin/clusters/${id}`, { name: 'x' }],
      ['DELETE', `/api/admin/clusters/${id}`],
    ] as const) {
      const res = await api(app.baseUrl, method, path, { token: customer, ...(b ? { body: b } : {}) });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect(await app.db.select().from(pveClusters)).toEqual([]);
  });

  it('names each bad field', async () => {
    const res = await api(app.baseUrl, 'POST', '/api/admin/clusters', {
      token: admin,
      body: { ...body(), url: 'ftp://x/y', tokenId: 'root', fingerprint: 'AB' },
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields).sort()).toEqual(['fingerprint', 'tokenId', 'url']);
  });

  it('registers, changes and deletes a cluster; the secret never comes back nor reaches the audit log or the log', async () => {
    const created = await api(app.baseUrl, 'POST', '/api/admin/clusters', { token: admin, body: body() });
    expect(created.status).toBe(201);
    expect(created.body.cluster).toMatchObject({ slug: 'hel', hasSecret: true });
    const id = created.body.cluster.id as string;
    const answers = [
      created,
      await api(app.baseUrl, 'GET', '/api/admin/clusters', { token: admin }),
      await api(app.baseUrl, 'GET', `/api/admin/clusters/${id}`, { token: admin }),
      await api(app.baseUrl, 'PATCH', `/api/admin/clusters/${id}`, {
        token: admin,
        body: { tokenSecret: sim.tokenSecret, active: false },
      }),
    ];
    expect(answers.map((a) => a.status)).toEqual([201, 200, 200, 200]);
    expect(answers[3]!.body.cluster.active).toBe(false);
    const audit = await app.db.select().from(auditEvents);
    const text = JSON.stringify([answers.map((a) => a.body), audit]);
    expect(text).toContain('cluster.updated');
    expect(text).not.toContain(sim.tokenSecret);
    expect(app.logLines.join('\n')).not.toContain(sim.tokenSecret);
    const deleted = await api(app.baseUrl, 'DELETE', `/api/admin/clusters/${id}`, { token: admin });
    expect(deleted.status).toBe(200);
    expect(await app.db.select().from(pveClusters)).toEqual([]);
  });
});

describe('without CLUSTER_SECRET_KEY', () => {
  it("answers another customer's server on an unreachable cluster as missing, not as unreachable", async () => {
    const created = await api(app.baseUrl, 'POST', '/api/admin/clusters', { token: admin, body: body() });
    expect(created.status).toBe(201);
    const owner = await app.createUser();
    const [server] = await app.db
      .insert(servers)
      .values({
        userId: owner.id,
        name: 'on-hel',
        status: 'running',
        clusterId: created.body.cluster.id as string,
        cpuCores: 1,
        memoryMb: 1024,
        diskGb: 10,
        pveNode: 'pve1',
        pveVmid: 101,
      })
      .returning({ id: servers.id });
    // Without the key the cluster's token secret cannot be opened: its servers' PVE is unreachable.
    const bare = await startTestApp({ database: app.database, env: { CLUSTER_SECRET_KEY: '' } });
    try {
      const ownerToken = (await bare.login(owner.email, owner.password)).accessToken;
      for (const path of [
        `/api/servers/${server!.id}/snapshots`,
        `/api/servers/${server!.id}/usage?timeframe=hour`,
      ]) {
        const asOwner = await api(bare.baseUrl, 'GET', path, { token: ownerToken });
        expect(asOwner.status, `owner: ${path}`).toBe(503);
        const asOther = await api(bare.baseUrl, 'GET', path, { token: customer });
        expect(asOther.status, `another customer: ${path}`).toBe(404);
      }
    } finally {
      await bare.close();
      await app.db.delete(servers);
      await app.db.delete(pveClusters);
    }
  });

  it('refuses to add a cluster, saying which setting is missing', async () => {
    const bare = await startTestApp({ database: app.database, env: { CLUSTER_SECRET_KEY: '' } });
    try {
      const res = await api(bare.baseUrl, 'POST', '/api/admin/clusters', { token: admin, body: body() });
      expect(res.status).toBe(503);
      expect(res.body.error.message).toContain('CLUSTER_SECRET_KEY is not set');
      expect(await bare.db.select().from(pveClusters)).toEqual([]);
    } finally {
      await bare.close();
    }
  });
});
