// Conformance against the official PVE 9 API subset: routes, parameter names and types, refusals.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPveSim, type PveSim } from './index.ts';
import { allEndpointSchemas, findEndpointSchema, loadApiSubset } from './api-subset.ts';
import { pveClient } from './test-client.ts';

/** Subset endpoints the simulator deliberately does not serve (see README, "Not modelled"). */
const NOT_SERVED = new Set([
  'POST /nodes/{node}/qemu/{vmid}/vncproxy',
  'GET /nodes/{node}/qemu/{vmid}/vncwebsocket',
  'POST /nodes/{node}/qemu',
]);

/** Non-schema fields real PVE returns too (pve-api.md §9, §14; captured samples). */
const EXTRA_RETURN_KEYS: Record<string, string[]> = {
  'GET /nodes': ['id', 'type', 'disk', 'maxdisk'],
  'GET /nodes/{node}/status': ['wait', 'uptime', 'idle', 'swap', 'ksm', 'kversion'],
  // qemu-server QemuServer.pm vmstatus sets these beyond $vmstatus_return_properties: `disk` always,
  // balloon_min/shares with a balloon target, and QEMU's answers for a running VM.
  'GET /nodes/{node}/qemu': ['disk', 'balloon_min', 'shares'],
  'GET /nodes/{node}/qemu/{vmid}/status/current': [
    'disk',
    'balloon_min',
    'shares',
    'balloon',
    'freemem',
    'ballooninfo',
    'nics',
    'blockstat',
    'proxmox-support',
  ],
  'GET /nodes/{node}/tasks/{upid}/status': ['tokenid'],
};

let sim: PveSim;
let client: ReturnType<typeof pveClient>;
let finishedUpid: string;

beforeAll(async () => {
  sim = await startPveSim({ port: 0, http: true, speed: 100 });
  client = pveClient(sim);
  const res = await client.post('/nodes/pve1/qemu/9001/clone', { newid: 4242, full: 1 });
  finishedUpid = String(res.body.data);
  await client.waitTask(finishedUpid);
});
afterAll(async () => {
  await sim.stop();
});

function concretePath(template: string): string {
  return template
    .replace('{node}', 'pve1')
    .replace('{vmid}', '4242')
    .replace('{upid}', encodeURIComponent(finishedUpid));
}

describe('schema source', () => {
  it('the vendored subset is the shared reference file, unchanged', () => {
    const reference = '/work/shared/reference/pve-api-subset.json';
    const vendored = loadApiSubset();
    expect(vendored.endpoints.length).toBeGreaterThan(20);
    if (existsSync(reference)) expect(JSON.parse(readFileSync(reference, 'utf8'))).toEqual(vendored);
  });
});

describe('routes', () => {
  it('every served route exists in the official subset with the same method and path', () => {
    for (const route of sim.sim.routes()) {
      expect(findEndpointSchema(route.method, route.path), `${route.method} ${route.path}`).toBeDefined();
    }
  });

  it('every endpoint of the official request list is served unless documented as not modelled', () => {
    const served = new Set(sim.sim.routes().map((r) => `${r.method} ${r.path}`));
    for (const endpoint of loadApiSubset().endpoints) {
      const key = `${endpoint.method} ${endpoint.path}`;
      if (NOT_SERVED.has(key)) expect(served.has(key)).toBe(false);
      else expect(served.has(key), key).toBe(true);
    }
  });

  it('an unserved path answers 501 as pveproxy does', async () => {
    const res = await client.get('/nodes/pve1/lxc');
    expect([res.status, res.reason]).toEqual([501, "Method 'GET /nodes/pve1/lxc' not implemented"]);
  });
});

describe('parameters', () => {
  const testable = () =>
    sim.sim
      .routes()
      .filter((r) => r.path !== '/access/ticket')
      .map((r) => ({ ...r, schema: findEndpointSchema(r.method, r.path) }));

  it('a parameter outside the schema is refused on every route with PVE text', async () => {
    for (const route of testable()) {
      const res = await client.call(route.method, concretePath(route.path), {
        params: { 'zz-not-a-param': 1 },
      });
      expect(res.status, `${route.method} ${route.path}`).toBe(400);
      expect(res.reason).toBe('Parameter verification failed.');
      expect(res.body.errors?.['zz-not-a-param']).toBe(
        'property is not defined in schema and the schema does not allow additional properties',
      );
      expect(res.body.message).toBe('Parameter verification failed.\n');
    }
  });

  it('every integer and boolean parameter is type-checked as the schema declares', async () => {
    let checked = 0;
    for (const route of testable()) {
      const properties = route.schema?.parameters?.properties ?? {};
      for (const [name, prop] of Object.entries(properties)) {
        if (name.includes('[n]') || name === 'node' || name === 'vmid' || name === 'upid') continue;
        if (prop.type !== 'integer' && prop.type !== 'boolean') continue;
        const bad = prop.type === 'integer' ? 'abc' : 'true';
        const res = await client.call(route.method, concretePath(route.path), { params: { [name]: bad } });
        expect(res.status, `${route.method} ${route.path} ${name}`).toBe(400);
        expect(res.body.errors?.[name]).toBe(`type check ('${prop.type}') failed - got '${bad}'`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('path parameters are validated too (vmid type and range)', async () => {
    const res = await client.get('/nodes/pve1/qemu/abc/status/current');
    expect(res.status).toBe(400);
    expect(res.body.errors?.vmid).toBe("type check ('integer') failed - got 'abc'");
  });

  it('a query parameter conflicting with the path is refused', async () => {
    const res = await client.get('/nodes/pve1/qemu/4242/status/current', { vmid: 4243 });
    expect(res.status).toBe(400);
    expect(res.body.errors?.vmid).toBe(
      'duplicate parameter (already defined in URI) with conflicting values!',
    );
  });
});

describe('returned fields', () => {
  const cases: [string, string][] = [
    ['GET', '/version'],
    ['GET', '/nodes'],
    ['GET', '/nodes/{node}/status'],
    ['GET', '/nodes/{node}/qemu'],
    ['GET', '/cluster/resources'],
    ['GET', '/nodes/{node}/storage'],
    ['GET', '/nodes/{node}/qemu/{vmid}/status/current'],
    ['GET', '/nodes/{node}/tasks/{upid}/status'],
    ['GET', '/nodes/{node}/tasks/{upid}/log'],
    ['GET', '/nodes/{node}/qemu/{vmid}/config'],
  ];
  it.each(cases)('%s %s returns only fields the schema declares', async (method, path) => {
    const schema = allEndpointSchemas().find((e) => e.method === method && e.path === path);
    const declared = new Set(
      Object.keys(schema?.returns?.properties ?? schema?.returns?.items?.properties ?? {}),
    );
    const indexed = [...declared].filter((k) => k.endsWith('[n]')).map((k) => k.slice(0, -3));
    const extras = new Set(EXTRA_RETURN_KEYS[`${method} ${path}`] ?? []);
    const res = await client.call(method, concretePath(path));
    expect(res.status).toBe(200);
    const rows = (Array.isArray(res.body.data) ? res.body.data : [res.body.data]) as Record<
      string,
      unknown
    >[];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      for (const key of Object.keys(row)) {
        const known =
          declared.has(key) ||
          extras.has(key) ||
          indexed.some((base) => new RegExp(`^${base}\\d+$`).test(key));
        expect(known, `${path}: ${key}`).toBe(true);
      }
    }
  });
});
