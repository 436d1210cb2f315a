/**
 * An operator's first start against a cluster, end to end over REST: the PVE simulator and Keel each
 * run as their own process (PVE_URL set), on a fresh PostgreSQL database with an empty catalogue.
 * The operator signs in with the printed one-time password, reads the cluster, defines a location,
 * image, plan and pool from what discovery shows, and is refused (4xx naming the field, nothing
 * written) for templates that are missing, not templates or without cloud-init, unknown nodes,
 * gateways outside the network and overlapping pools. Addresses servers already hold (a migrated
 * server's) are registered when their pool is created; two servers on one address are refused.
 * `pnpm catalog:apply` runs as a process too: a rerun and a dry run change nothing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, eq, like } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import {
  auditEvents,
  images,
  ipAddresses,
  ipPools,
  locations,
  plans,
  servers,
  users,
} from '../../src/server/db/schema.ts';
import { createLogger } from '../../src/server/logger.ts';
import { PveClient } from '../../src/server/pve/client.ts';
import { freePort, spawnKeel, type KeelProcess } from '../hard/helpers/keel-process.ts';
import { api, testJwtSecret } from '../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

const root = new URL('../..', import.meta.url).pathname;

interface SimProcess {
  proc: ChildProcess;
  env: { PVE_URL: string; PVE_TOKEN_ID: string; PVE_TOKEN_SECRET: string; PVE_FINGERPRINT: string };
}

/** `pnpm testbed:pve` as its own process, on a free port; resolves once it printed its credentials. */
async function spawnSimulator(): Promise<SimProcess> {
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'testbed/pve/cli.ts', '--port', String(port), '--speed', '50', '--nodes', '2'],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: mkdtempSync(join(tmpdir(), 'keel-sim-')) },
    },
  );
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const deadline = Date.now() + 30_000;
  while (!/PVE_TOKEN_SECRET=\S+/.test(out) || !/fingerprint:\s+\S+/.test(out)) {
    if (proc.exitCode !== null) throw new Error(`the simulator exited:\n${out}`);
    if (Date.now() > deadline) throw new Error(`the simulator printed no credentials:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const value = (name: string) => new RegExp(`${name}=(\\S+)`).exec(out)![1]!;
  return {
    proc,
    env: {
      PVE_URL: value('PVE_URL'),
      PVE_TOKEN_ID: value('PVE_TOKEN_ID'),
      PVE_TOKEN_SECRET: value('PVE_TOKEN_SECRET'),
      PVE_FINGERPRINT: /fingerprint:\s+(\S+)/.exec(out)![1]!,
    },
  };
}

let sim: SimProcess;
let database: TestDatabase;
let keel: KeelProcess;
let env: Record<string, string>;
let admin: string;
let pve: PveClient;

beforeAll(async () => {
  sim = await spawnSimulator();
  database = await createTestDatabase();
  env = {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'keel-catalogue-')),
    HOST: '127.0.0.1',
    JWT_SECRET: testJwtSecret,
    LOG_LEVEL: 'info',
    PGLITE_PORT: 'off',
    ...sim.env,
  };
  keel = spawnKeel({ ...env, PORT: String(await freePort()), ADMIN_EMAIL: 'ops@example.net' });
  await keel.ready(60_000);
  pve = new PveClient({
    baseUrl: sim.env.PVE_URL,
    tokenId: sim.env.PVE_TOKEN_ID,
    tokenSecret: sim.env.PVE_TOKEN_SECRET,
    fingerprint: sim.env.PVE_FINGERPRINT,
    log: createLogger('silent'),
    pollMs: 20,
  });
});

afterAll(async () => {
  pve?.close();
  await keel?.stop();
  sim?.proc.kill('SIGTERM');
  await database?.drop();
});

const db = () => database.handle.db;
const as = (token: string) => ({ token });
async function rows(table: PgTable) {
  const [r] = await db().select({ n: count() }).from(table);
  return Number(r!.n);
}
/** Everything a refused request must not have written. */
async function snapshot() {
  return {
    plans: await rows(plans),
    images: await rows(images),
    locations: await rows(locations),
    pools: await rows(ipPools),
    addresses: await rows(ipAddresses),
    audit: await rows(auditEvents),
  };
}

describe('a first start on a real cluster', () => {
  it('creates the first administrator, prints the password once on stderr and says what to do next', async () => {
    const stderr = keel.stderr();
    expect(stderr).toContain('ops@example.net');
    const password = /password\s+(\S+)/.exec(stderr)![1]!;
    expect(keel.stdout()).not.toContain(password);
    expect(keel.stdout()).toContain('the catalogue has no plans, images, locations, ip-pools yet');
    const login = await api(keel.baseUrl, 'POST', '/api/login', {
      body: { email: 'ops@example.net', password },
    });
    expect(login.status).toBe(200);
    admin = login.body.accessToken;
    const [row] = await db()
      .select({ role: users.role })
      .from(users)
      .where(eq(users.email, 'ops@example.net'));
    expect(row!.role).toBe('admin');
  });
});

describe('cluster discovery', () => {
  it('lists the nodes with their storages, the templates with cloud-init and disk, and every guest', async () => {
    const nodes = await api(keel.baseUrl, 'GET', '/api/admin/pve/nodes', as(admin));
    expect(nodes.status).toBe(200);
    expect(nodes.body.nodes.map((n: any) => n.name)).toEqual(['pve1', 'pve2']);
    const pve1 = nodes.body.nodes[0];
    expect(pve1).toMatchObject({ status: 'online', maxcpu: 16, maxmem: 64 * 2 ** 30 });
    expect(pve1.maxdisk).toBeGreaterThan(pve1.disk);
    expect(pve1.storages.find((s: any) => s.storage === 'ceph-vm')).toMatchObject({
      type: 'rbd',
      shared: true,
      active: true,
    });
    expect(pve1.storages.find((s: any) => s.storage === 'local-lvm')).toMatchObject({ shared: false });

    const templates = (await api(keel.baseUrl, 'GET', '/api/admin/pve/templates', as(admin))).body.templates;
    expect(templates.find((t: any) => t.vmid === 9000)).toEqual({
      node: 'pve1',
      vmid: 9000,
      name: 'ubuntu-24.04-cloudinit',
      storage: 'ceph-vm',
      shared: true,
      cloudInit: true,
      diskBytes: 3584 * 2 ** 20,
    });
    expect(templates.find((t: any) => t.vmid === 9101)).toMatchObject({
      node: 'pve2',
      storage: 'local-lvm',
      shared: false,
    });

    const vms = (await api(keel.baseUrl, 'GET', '/api/admin/pve/vms', as(admin))).body.vms;
    expect(vms.find((v: any) => v.vmid === 9000)).toMatchObject({ template: true, keelServerId: null });
  });
});

describe('defining the catalogue from discovery', () => {
  let locationId: string;

  it('refuses bad images, locations and pools with the field named, writing nothing', async () => {
    // A VM that is not a template, and a template without its cloud-init drive, made on the cluster.
    await pve.waitForTask(
      await pve.cloneVm('pve1', 9001, { newid: 700, name: 'plain-vm', full: true }),
      30_000,
    );
    await pve.waitForTask(await pve.cloneVm('pve1', 9001, { newid: 701, name: 'no-ci', full: true }), 30_000);
    await pve.updateVmConfig('pve1', 701, { delete: 'ide2' });
    await pve.waitForTask(await pve.request<string>('POST', '/nodes/pve1/qemu/701/template'), 30_000);
    // Until the cluster has sampled the new template, discovery does not list it yet.
    for (let deadline = Date.now() + 30_000; Date.now() < deadline;) {
      const t = (await api(keel.baseUrl, 'GET', '/api/admin/pve/templates', as(admin))).body.templates;
      if (t.some((x: any) => x.vmid === 701)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const before = await snapshot();
    const image = (pveTemplates: Record<string, number>) =>
      api(keel.baseUrl, 'POST', '/api/admin/images', {
        ...as(admin),
        body: { slug: 'bad', name: 'Bad', osFamily: 'debian', pveTemplates },
      });
    const cases: [Record<string, number>, RegExp][] = [
      [{ pve1: 99_999 }, /VMID 99999 does not exist/],
      [{ pve1: 700 }, /VM 700 \(plain-vm on pve1\) is not a template/],
      [{ pve1: 701 }, /template 701 has no cloud-init drive/],
      [{ '*': 9001 }, /template 9001 is on local-lvm of pve1, which is not shared/],
      [{ pve2: 9001 }, /template 9001 is on pve1, not pve2/],
      [{ pve9: 9000 }, /no node pve9/],
    ];
    for (const [templates, reason] of cases) {
      const res = await image(templates);
      expect(res.status, JSON.stringify(templates)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.fields.pveTemplates).toMatch(reason);
    }

    const unknownNode = await api(keel.baseUrl, 'POST', '/api/admin/locations', {
      ...as(admin),
      body: { slug: 'x', name: 'X', pveNodes: ['pve1', 'pve9'] },
    });
    expect(unknownNode.status).toBe(400);
    expect(unknownNode.body.error.fields.pveNodes).toContain('pve9');

    const [lab] = await db()
      .insert(locations)
      .values({ slug: 'scratch', name: 'Scratch', pveNodes: ['pve1'] })
      .returning();
    const pool = (body: Record<string, unknown>) =>
      api(keel.baseUrl, 'POST', '/api/admin/ip-pools', {
        ...as(admin),
        body: {
          locationId: lab!.id,
          cidr: '198.51.100.0/24',
          gateway: '198.51.100.1',
          rangeStart: '198.51.100.10',
          rangeEnd: '198.51.100.20',
          ...body,
        },
      });
    const outside = await pool({ gateway: '192.0.2.1' });
    expect(outside.status).toBe(400);
    expect(outside.body.error.fields.gateway).toBe('192.0.2.1 is outside 198.51.100.0/24');
    const ipv6 = await pool({ cidr: '2001:db8::/64' });
    expect(ipv6.body.error.fields.cidr).toContain('IPv6 pools are not supported yet');
    const missingLocation = await pool({ locationId: '00000000-0000-4000-8000-000000000000' });
    expect(missingLocation.body.error.fields.locationId).toBeDefined();
    const ok = await pool({});
    expect(ok.status).toBe(201);
    const afterOne = await snapshot();
    const overlapping = await pool({
      cidr: '198.51.100.0/25',
      rangeStart: '198.51.100.15',
      rangeEnd: '198.51.100.30',
    });
    expect(overlapping.status).toBe(409);
    expect(overlapping.body.error.fields.rangeStart).toContain(`overlaps pool ${ok.body.pool.id}`);
    expect(await snapshot()).toEqual(afterOne);

    // Clean up what this case made, through the API.
    expect(
      (await api(keel.baseUrl, 'DELETE', `/api/admin/ip-pools/${ok.body.pool.id}`, as(admin))).status,
    ).toBe(200);
    expect((await api(keel.baseUrl, 'DELETE', `/api/admin/locations/${lab!.id}`, as(admin))).status).toBe(
      200,
    );
    const after = await snapshot();
    expect({ ...after, audit: 0 }).toEqual({ ...before, audit: 0 });
    // The refused requests wrote no audit line; the pool made and deleted wrote its three.
    expect(after.audit - before.audit).toBe(3);
  });

  it('defines a location, image, plan and pool from what discovery shows, each audited with the operator', async () => {
    const nodes = (await api(keel.baseUrl, 'GET', '/api/admin/pve/nodes', as(admin))).body.nodes;
    const templates = (await api(keel.baseUrl, 'GET', '/api/admin/pve/templates', as(admin))).body.templates;
    const shared = templates.find((t: any) => t.shared && t.cloudInit);
    const perNode = Object.fromEntries(
      templates
        .filter((t: any) => !t.shared && t.cloudInit && t.name === 'debian-12-cloudinit')
        .map((t: any) => [t.node, t.vmid]),
    );
    expect(Object.keys(perNode).sort()).toEqual(['pve1', 'pve2']);

    const location = await api(keel.baseUrl, 'POST', '/api/admin/locations', {
      ...as(admin),
      body: { slug: 'fra', name: 'Frankfurt', country: 'DE', pveNodes: nodes.map((n: any) => n.name) },
    });
    expect(location.status).toBe(201);
    expect(location.headers.get('location')).toBe(`/api/admin/locations/${location.body.location.id}`);
    locationId = location.body.location.id;
    const ubuntu = await api(keel.baseUrl, 'POST', '/api/admin/images', {
      ...as(admin),
      body: { slug: 'ubuntu', name: 'Ubuntu', osFamily: 'ubuntu', pveTemplates: { '*': shared.vmid } },
    });
    expect(ubuntu.status).toBe(201);
    const debian = await api(keel.baseUrl, 'POST', '/api/admin/images', {
      ...as(admin),
      body: { slug: 'debian', name: 'Debian', osFamily: 'debian', pveTemplates: perNode },
    });
    expect(debian.status).toBe(201);
    expect(debian.body.image.pveTemplates).toEqual(perNode);
    const plan = await api(keel.baseUrl, 'POST', '/api/admin/plans', {
      ...as(admin),
      body: { slug: 's', name: 'S', cpuCores: 1, memoryMb: 1024, diskGb: 20, priceMonthlyCents: 500 },
    });
    expect(plan.status).toBe(201);
    expect(plan.body.plan).toMatchObject({ slug: 's', active: true });
    const pool = await api(keel.baseUrl, 'POST', '/api/admin/ip-pools', {
      ...as(admin),
      body: {
        locationId,
        cidr: '203.0.113.0/26',
        gateway: '203.0.113.1',
        rangeStart: '203.0.113.2',
        rangeEnd: '203.0.113.62',
        dns: ['1.1.1.1'],
      },
    });
    expect(pool.status).toBe(201);
    expect(pool.body.pool).toMatchObject({ size: 61, allocated: 0, free: 61, family: 'ipv4' });

    // The customer's catalogue shows them; the audit trail names the operator.
    const [me] = await db().select({ id: users.id }).from(users).where(eq(users.email, 'ops@example.net'));
    const trail = await db().select().from(auditEvents).where(like(auditEvents.kind, '%.created'));
    expect(trail.filter((e) => e.actorUserId === me!.id).map((e) => e.kind)).toEqual(
      expect.arrayContaining(['location.created', 'image.created', 'plan.created', 'ip_pool.created']),
    );

    // Lists page with a cursor.
    const first = await api(keel.baseUrl, 'GET', '/api/admin/images?limit=1', as(admin));
    expect(first.body.images.map((i: any) => i.slug)).toEqual(['ubuntu']);
    const second = await api(
      keel.baseUrl,
      'GET',
      `/api/admin/images?limit=1&cursor=${first.body.nextCursor}`,
      as(admin),
    );
    expect(second.body.images.map((i: any) => i.slug)).toEqual(['debian']);
    expect(second.body.nextCursor).toBeNull();

    // Retiring is an update; deleting what is used is refused.
    const retired = await api(keel.baseUrl, 'PATCH', `/api/admin/plans/${plan.body.plan.id}`, {
      ...as(admin),
      body: { active: false },
    });
    expect(retired.status).toBe(200);
    expect(retired.body.plan.active).toBe(false);
    const inUse = await api(keel.baseUrl, 'DELETE', `/api/admin/locations/${locationId}`, as(admin));
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.message).toContain('1 IP pool');
  });

  it('registers the address a server already holds when its pool is created, and refuses two claims on one', async () => {
    const [customer] = await db()
      .insert(users)
      .values({ email: 'migrated@example.com', passwordHash: 'x', role: 'customer' })
      .returning();
    // As the WHMCS migration leaves them: the address in the server's column, nothing in ip_addresses.
    const server = (name: string, ipAddress: string) =>
      db()
        .insert(servers)
        .values({
          userId: customer!.id,
          name,
          status: 'running',
          cpuCores: 1,
          memoryMb: 1024,
          diskGb: 10,
          ipAddress,
          locationId,
        })
        .returning()
        .then(([r]) => r!);
    const held = await server('held', '203.0.113.70');
    const a = await server('claim-a', '203.0.113.140');
    const b = await server('claim-b', '203.0.113.140');

    const pool = await api(keel.baseUrl, 'POST', '/api/admin/ip-pools', {
      ...as(admin),
      body: {
        locationId,
        cidr: '203.0.113.64/26',
        gateway: '203.0.113.65',
        rangeStart: '203.0.113.66',
        rangeEnd: '203.0.113.126',
      },
    });
    expect(pool.status).toBe(201);
    expect(pool.body.pool).toMatchObject({ allocated: 1, free: pool.body.pool.size - 1 });
    const [row] = await db().select().from(ipAddresses).where(eq(ipAddresses.address, '203.0.113.70'));
    expect(row!.serverId).toBe(held.id);
    // Shrinking the pool past the held address is refused.
    const shrink = await api(keel.baseUrl, 'PATCH', `/api/admin/ip-pools/${pool.body.pool.id}`, {
      ...as(admin),
      body: { rangeEnd: '203.0.113.69' },
    });
    expect(shrink.status).toBe(409);
    expect(shrink.body.error.message).toContain(`203.0.113.70 (server ${held.id})`);
    const grown = await api(keel.baseUrl, 'PATCH', `/api/admin/ip-pools/${pool.body.pool.id}`, {
      ...as(admin),
      body: { rangeStart: '203.0.113.100' },
    });
    expect(grown.status).toBe(409); // .70 would fall out of the range too

    const before = await snapshot();
    const twice = await api(keel.baseUrl, 'POST', '/api/admin/ip-pools', {
      ...as(admin),
      body: {
        locationId,
        cidr: '203.0.113.128/26',
        gateway: '203.0.113.129',
        rangeStart: '203.0.113.130',
        rangeEnd: '203.0.113.190',
      },
    });
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toContain(a.id);
    expect(twice.body.error.message).toContain(b.id);
    expect(await snapshot()).toEqual(before);
    await db().delete(servers).where(eq(servers.id, b.id));
    await db().delete(servers).where(eq(servers.id, a.id));
  });
});

describe('pnpm catalog:apply', () => {
  const run = (script: string, args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', `src/server/cli/${script}.ts`, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('applies a YAML file through the same checks, and a rerun and a dry run change nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-catalog-file-'));
    const file = join(dir, 'catalog.yaml');
    const catalogue = {
      plans: [
        {
          slug: 'gitops-m',
          name: 'GitOps M',
          cpuCores: 2,
          memoryMb: 4096,
          diskGb: 80,
          priceMonthlyCents: 1500,
        },
      ],
      images: [
        {
          slug: 'gitops-debian',
          name: 'Debian 12',
          osFamily: 'debian',
          pveTemplates: { pve2: 9101, pve1: 9001 },
        },
      ],
      locations: [{ slug: 'gitops', name: 'GitOps', country: 'NL', pveNodes: ['pve2'] }],
      ipPools: [
        {
          location: 'gitops',
          cidr: '192.0.2.0/24',
          gateway: '192.0.2.1',
          rangeStart: '192.0.2.10',
          rangeEnd: '192.0.2.40',
          dns: ['192.0.2.53'],
        },
      ],
    };
    writeFileSync(file, stringify(catalogue));

    const first = run('catalog-apply', [file]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('+ create plan gitops-m');
    expect(first.stdout).toContain('+ create ip pool gitops 192.0.2.10–192.0.2.40');
    expect(first.stdout).toContain('Applied 4 changes');
    const [pool] = await db().select().from(ipPools).where(eq(ipPools.cidr, '192.0.2.0/24'));
    const [inPool] = await db()
      .select({ n: count() })
      .from(ipAddresses)
      .where(eq(ipAddresses.poolId, pool!.id));
    expect(Number(inPool!.n)).toBe(31); // .10 to .40; the gateway .1 is outside the range

    const afterFirst = await snapshot();
    const again = run('catalog-apply', [file]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('Applied 0 changes (4 entries unchanged)');
    expect(await snapshot()).toEqual(afterFirst);

    // A dry run of a change says what it would do and writes nothing.
    catalogue.plans[0]!.memoryMb = 8192;
    catalogue.ipPools[0]!.rangeEnd = '192.0.2.50';
    writeFileSync(file, JSON.stringify(catalogue));
    const dry = run('catalog-apply', [file, '--dry-run']);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('~ update plan gitops-m: memoryMb → 8192');
    expect(dry.stdout).toContain('~ update ip pool');
    expect(dry.stdout).toContain('Dry run: 2 changes would be made');
    expect(await snapshot()).toEqual(afterFirst);

    // A bad entry fails the whole file, naming the entry and the field; nothing is written.
    (catalogue.images[0]!.pveTemplates as Record<string, number>) = { pve1: 700 };
    writeFileSync(file, stringify(catalogue));
    const bad = run('catalog-apply', [file]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('images[0] (gitops-debian)');
    expect(bad.stderr).toContain('is not a template');
    expect(await snapshot()).toEqual(afterFirst);

    // The export reads back as what was applied.
    const exported = run('catalog-export', []);
    expect(exported.status, exported.stderr).toBe(0);
    const back = parseYaml(exported.stdout);
    expect(back.plans.find((p: any) => p.slug === 'gitops-m')).toMatchObject({ memoryMb: 4096 });
    expect(back.ipPools.find((p: any) => p.location === 'gitops')).toMatchObject({ rangeEnd: '192.0.2.40' });
    writeFileSync(file, exported.stdout);
    const roundTrip = run('catalog-apply', [file]);
    expect(roundTrip.status, roundTrip.stderr).toBe(0);
    expect(roundTrip.stdout).toMatch(/Applied 0 changes/);
  }, 240_000);
});
