/**
 * The OpenAPI document lists exactly the errors each REST route can answer. The table below is the
 * expected set per route (a new route fails here until it is declared); then every code of every route
 * is provoked over HTTP: each answer's code must be documented for its route, and each documented code
 * must have been answered, but INTERNAL and UNAVAILABLE, which take a fault in Keel or its database.
 */
import { eq, sql } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiTokens,
  images,
  ipPools,
  locations,
  plans,
  servers,
  sshKeys,
  users,
} from '../../src/server/db/schema.ts';
import type { ErrorCode } from '../../src/shared/errors.ts';
import { startPveSim, type PveSim } from '../../testbed/pve/index.ts';
import { createSender, type Sender } from '../hard/helpers/security-http.ts';
import { api, startTestApp, type TestApp } from '../helpers/app.ts';
import { pveClientFor } from '../helpers/orchestration.ts';
import type { PveClient } from '../../src/server/pve/client.ts';

const transport: ErrorCode[] = [
  'VALIDATION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INTERNAL',
  'UNAVAILABLE',
];
const signedIn: ErrorCode[] = ['UNAUTHORIZED', ...transport];
/**
 * Every signed-in write also takes an Idempotency-Key (reused for another request, or still held),
 * but those whose answer is a secret shown once, which is never stored for replay.
 */
const keyedCodes: ErrorCode[] = ['IDEMPOTENCY_KEY_REUSED', 'IN_PROGRESS'];
const notKeyed = new Set([
  'createToken',
  'openServerConsole',
  'setRootPassword',
  'enrolTwoFactor',
  'confirmTwoFactor',
  'changePassword',
]);
const isKeyedWrite = (op: { operationId: string; method: string; auth: boolean }) =>
  op.auth && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(op.method) && !notKeyed.has(op.operationId);

const declared: Record<string, ErrorCode[]> = {
  // The cookie routes refuse a request another site made (FORBIDDEN).
  login: ['INVALID_CREDENTIALS', 'TWO_FACTOR_REQUIRED', 'FORBIDDEN', 'TOO_MANY_REQUESTS', ...transport],
  refresh: ['UNAUTHORIZED', 'FORBIDDEN', ...transport],
  logout: ['FORBIDDEN', ...transport],
  getCurrentUser: signedIn,
  // The email address is another account's; too many wrong current passwords.
  updateProfile: ['CONFLICT', 'FORBIDDEN', ...signedIn],
  changePassword: ['TOO_MANY_REQUESTS', 'FORBIDDEN', ...signedIn],
  getCatalog: signedIn,
  listServers: signedIn,
  // A change answers FORBIDDEN to an API token without the write scope.
  createServer: ['QUOTA_EXCEEDED', 'CONFLICT', 'NO_CAPACITY', 'FORBIDDEN', ...signedIn],
  getServer: ['NOT_FOUND', ...signedIn],
  actOnServer: ['NOT_FOUND', 'INVALID_STATE', 'FORBIDDEN', ...signedIn],
  terminateServer: ['NOT_FOUND', 'INVALID_STATE', 'FORBIDDEN', ...signedIn],
  adminListServers: ['FORBIDDEN', ...signedIn],
  adminAdoptServer: ['FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'INVALID_STATE', ...signedIn],
  adminGetServer: ['NOT_FOUND', 'FORBIDDEN', ...signedIn],
  adminActOnServer: ['NOT_FOUND', 'INVALID_STATE', 'FORBIDDEN', ...signedIn],
  adminTerminateServer: ['NOT_FOUND', 'INVALID_STATE', 'FORBIDDEN', ...signedIn],
  adminListAudit: ['FORBIDDEN', ...signedIn],
  // Self-service: the keychain, and operations on one server.
  listSshKeys: signedIn,
  getSshKey: ['NOT_FOUND', ...signedIn],
  createSshKey: ['CONFLICT', 'QUOTA_EXCEEDED', 'FORBIDDEN', ...signedIn],
  deleteSshKey: ['NOT_FOUND', 'FORBIDDEN', ...signedIn],
  reinstallServer: ['NOT_FOUND', 'INVALID_STATE', 'FORBIDDEN', ...signedIn],
  setRootPassword: ['NOT_FOUND', 'INVALID_STATE', 'FORBIDDEN', ...signedIn],
  resizeServer: ['NOT_FOUND', 'INVALID_STATE', 'QUOTA_EXCEEDED', 'NO_CAPACITY', 'FORBIDDEN', ...signedIn],
  listSnapshots: ['NOT_FOUND', ...signedIn],
  createSnapshot: ['NOT_FOUND', 'INVALID_STATE', 'CONFLICT', 'QUOTA_EXCEEDED', 'FORBIDDEN', ...signedIn],
  rollbackSnapshot: ['NOT_FOUND', 'INVALID_STATE', 'FORBIDDEN', ...signedIn],
  deleteSnapshot: ['NOT_FOUND', 'INVALID_STATE', 'FORBIDDEN', ...signedIn],
  // Cluster discovery and the catalogue.
  adminListPveNodes: ['FORBIDDEN', ...signedIn],
  adminListPveTemplates: ['FORBIDDEN', ...signedIn],
  adminListPveVms: ['FORBIDDEN', ...signedIn],
  // Clusters besides the default one.
  adminListClusters: ['FORBIDDEN', ...signedIn],
  adminGetCluster: ['NOT_FOUND', 'FORBIDDEN', ...signedIn],
  adminCreateCluster: ['CONFLICT', 'FORBIDDEN', ...signedIn],
  adminUpdateCluster: ['NOT_FOUND', 'CONFLICT', 'FORBIDDEN', ...signedIn],
  adminDeleteCluster: ['NOT_FOUND', 'CONFLICT', 'FORBIDDEN', ...signedIn],
  ...Object.fromEntries(
    (['Plan', 'Image', 'Location', 'IpPool'] as const).flatMap((kind) => [
      [`adminList${kind}s`, ['FORBIDDEN', ...signedIn]],
      [`adminGet${kind}`, ['NOT_FOUND', 'FORBIDDEN', ...signedIn]],
      [`adminCreate${kind}`, ['CONFLICT', 'FORBIDDEN', ...signedIn]],
      [`adminUpdate${kind}`, ['NOT_FOUND', 'CONFLICT', 'FORBIDDEN', ...signedIn]],
      [`adminDelete${kind}`, ['NOT_FOUND', 'CONFLICT', 'FORBIDDEN', ...signedIn]],
    ]),
  ),
  // Accounts: API tokens.
  listTokens: signedIn,
  getToken: ['NOT_FOUND', ...signedIn],
  createToken: ['QUOTA_EXCEEDED', 'FORBIDDEN', ...signedIn],
  revokeToken: ['NOT_FOUND', 'FORBIDDEN', ...signedIn],
  // The web console's ticket and the usage graphs: a server not running, or with no VM yet, is 409.
  openServerConsole: ['NOT_FOUND', 'INVALID_STATE', 'FORBIDDEN', ...signedIn],
  getServerUsage: ['NOT_FOUND', 'INVALID_STATE', ...signedIn],
  // Webhooks.
  adminListWebhooks: ['FORBIDDEN', ...signedIn],
  adminCreateWebhook: ['FORBIDDEN', ...signedIn],
  adminUpdateWebhook: ['NOT_FOUND', 'FORBIDDEN', ...signedIn],
  adminDeleteWebhook: ['NOT_FOUND', 'FORBIDDEN', ...signedIn],
  adminListWebhookDeliveries: ['NOT_FOUND', 'FORBIDDEN', ...signedIn],
  adminRetryWebhookDelivery: ['NOT_FOUND', 'FORBIDDEN', ...signedIn],
  // Customers (operator) and one-time links.
  adminListUsers: ['FORBIDDEN', ...signedIn],
  adminCreateUser: ['CONFLICT', 'FORBIDDEN', ...signedIn],
  adminGetUser: ['NOT_FOUND', 'FORBIDDEN', ...signedIn],
  adminUpdateUser: ['NOT_FOUND', 'CONFLICT', 'FORBIDDEN', ...signedIn],
  adminPasswordReset: ['NOT_FOUND', 'FORBIDDEN', ...signedIn],
  adminDeleteUser: ['NOT_FOUND', 'CONFLICT', 'FORBIDDEN', ...signedIn],
  setPassword: transport,
  forgotPassword: ['TOO_MANY_REQUESTS', ...transport],
  // Two-factor sign-in: changed from a session only (an API token is FORBIDDEN, as without write).
  getTwoFactorStatus: signedIn,
  enrolTwoFactor: ['INVALID_STATE', 'FORBIDDEN', ...signedIn],
  confirmTwoFactor: ['INVALID_STATE', 'FORBIDDEN', ...signedIn],
  disableTwoFactor: ['INVALID_STATE', 'INVALID_CREDENTIALS', 'TOO_MANY_REQUESTS', 'FORBIDDEN', ...signedIn],
};

interface Operation {
  operationId: string;
  method: string;
  path: string;
  auth: boolean;
  documented: Set<string>;
}

let sim: PveSim;
let pve: PveClient;
let app: TestApp;
// Raw HTTP: fetch refuses a body on GET, and those must be answered in the error shape too.
let http: Sender;
let operations: Operation[];
const answered = new Map<string, Set<string>>();
const undocumented: string[] = [];

beforeAll(async () => {
  sim = await startPveSim({
    port: 0,
    speed: 100,
    // A VM Keel did not make, for adoption.
    vms: [
      { vmid: 4100, node: 'pve1', name: 'legacy', cores: 1, memoryMb: 1024, diskGb: 10, status: 'stopped' },
    ],
  });
  pve = pveClientFor(sim);
  app = await startTestApp({ pve, env: { IDEMPOTENCY_WAIT_MS: '200' } });
  http = createSender(app.baseUrl);
  const doc = (await api(app.baseUrl, 'GET', '/api/openapi.json')).body;
  operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      operationId: op.operationId,
      method: method.toUpperCase(),
      path,
      auth: op.security.length > 0,
      documented: new Set(
        Object.entries(op.responses as Record<string, { description: string }>)
          .filter(([status]) => Number(status) >= 400)
          .flatMap(([, r]) => r.description.split(' or ')),
      ),
    })),
  );
});
afterAll(async () => {
  http.close();
  await app.close();
  await sim.stop();
});

const operation = (id: string) => operations.find((o) => o.operationId === id)!;

/** Sends a request to an operation and records the error code it answered, if any. */
async function send(
  operationId: string,
  options: {
    id?: string;
    name?: string;
    query?: string;
    token?: string;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
) {
  const op = operation(operationId);
  const path = op.path
    .replace('{id}', options.id ?? '00000000-0000-4000-8000-000000000000')
    .replace('{name}', options.name ?? 'snap');
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const raw = await http.send({
    method: op.method,
    path: `${path}${options.query ?? ''}`,
    headers,
    ...(options.body !== undefined
      ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }
      : {}),
  });
  const res = { status: raw.status, body: JSON.parse(raw.text) };
  const code = res.body?.error?.code as string | undefined;
  if (code) {
    if (!answered.has(operationId)) answered.set(operationId, new Set());
    answered.get(operationId)!.add(code);
    if (!op.documented.has(code))
      undocumented.push(`${op.method} ${op.path} answered ${code} (${res.status})`);
  }
  return res;
}

describe('the documented error set of each REST route', () => {
  it('is the declared one, for every route there is', () => {
    expect(operations.map((o) => o.operationId).sort()).toEqual(Object.keys(declared).sort());
    for (const op of operations)
      expect([...op.documented].sort(), `${op.method} ${op.path}`).toEqual(
        [...declared[op.operationId]!, ...(isKeyedWrite(op) ? keyedCodes : [])].sort(),
      );
  });

  it('holds every code the route answers, and each of them is really answered', async () => {
    const customer = await app.createUser();
    const token = (await app.login(customer.email, customer.password)).accessToken;
    const [plan] = await app.db.select().from(plans).limit(1);
    const [image] = await app.db.select().from(images).limit(1);
    const [location] = await app.db.select().from(locations).limit(1);
    const orderBody = (overrides: Record<string, string> = {}) => ({
      name: `web-${Math.random().toString(36).slice(2, 8)}`,
      planId: plan!.id,
      imageId: image!.id,
      locationId: location!.id,
      ...overrides,
    });

    // What every route can answer before its procedure runs.
    for (const op of operations) {
      const token_ = op.auth ? token : undefined;
      const tooLarge = JSON.stringify({ pad: 'x'.repeat(100_000) });
      await send(op.operationId, { token: token_, body: tooLarge });
      await send(op.operationId, { token: token_, body: 'a=b', headers: { 'content-type': 'text/plain' } });
      await send(op.operationId, { token: token_, body: '{"a": ' });
      if (op.auth) await send(op.operationId);
    }

    // login: wrong password, then the throttle.
    for (let i = 0; i < 6; i++)
      await send('login', { body: { email: customer.email, password: 'wrong-password' } });
    // refresh: no cookie.
    await send('refresh');
    // The cookie routes, called by another site's page.
    const crossSite = { 'sec-fetch-site': 'cross-site' };
    await send('login', { body: { email: customer.email, password: customer.password }, headers: crossSite });
    await send('refresh', { headers: crossSite });
    await send('logout', { headers: crossSite });

    // createServer: over a per-user quota of one, no free address, no node able to take it.
    await app.db.update(users).set({ maxServers: 1 }).where(eq(users.id, customer.id));
    const first = await send('createServer', { token, body: orderBody() });
    expect(first.status).toBe(202);
    const overQuota = await send('createServer', { token, body: orderBody() });
    expect(overQuota.body.error.message).toContain('at most 1 servers');
    await app.db.update(users).set({ maxServers: null }).where(eq(users.id, customer.id));
    const [noPool] = await app.db
      .insert(locations)
      .values({ slug: 'no-pool', name: 'No pool', pveNodes: ['pve1'] })
      .returning({ id: locations.id });
    await send('createServer', { token, body: orderBody({ locationId: noPool!.id }) });
    const [noNode] = await app.db
      .insert(locations)
      .values({ slug: 'no-node', name: 'No node', pveNodes: ['ghost'] })
      .returning({ id: locations.id });
    await send('createServer', { token, body: orderBody({ locationId: noNode!.id }) });

    // A server that is still provisioning (no worker runs here) takes no action and no termination.
    const provisioning = first.body.server.id as string;
    await send('getServer', { token });
    await send('actOnServer', { token, body: { action: 'start' } });
    await send('actOnServer', { token, id: provisioning, body: { action: 'start' } });
    await send('terminateServer', { token });
    await send('terminateServer', { token, id: provisioning });

    // The operators' server routes: a customer is refused; an operator hears of a missing server and
    // of one that is still provisioning.
    for (const op of operations.filter((o) =>
      /^admin(GetServer|ActOnServer|TerminateServer|ListAudit)$/.test(o.operationId),
    ))
      await send(op.operationId, { token, ...(op.method === 'POST' ? { body: { action: 'start' } } : {}) });
    const operator = await app.createUser({ role: 'admin' });
    const opsToken = (await app.login(operator.email, operator.password)).accessToken;
    await send('adminGetServer', { token: opsToken });
    await send('adminActOnServer', { token: opsToken, body: { action: 'suspend' } });
    await send('adminActOnServer', { token: opsToken, id: provisioning, body: { action: 'suspend' } });
    await send('adminTerminateServer', { token: opsToken });
    await send('adminTerminateServer', { token: opsToken, id: provisioning });
    // The console needs a running server; usage needs a VM.
    await send('openServerConsole', { token });
    await send('openServerConsole', { token, id: provisioning });
    await send('getServerUsage', { token, query: '?timeframe=hour' });
    await send('getServerUsage', { token, id: provisioning, query: '?timeframe=hour' });

    // A customer on an administrators' route.
    await send('adminListServers', { token });
    for (const op of operations.filter((o) => o.operationId.startsWith('admin')))
      await send(op.operationId, {
        token,
        body: op.method === 'POST' || op.method === 'PATCH' ? {} : undefined,
      });
    // An administrator naming a webhook endpoint or delivery that does not exist.
    const keyAdmin = await app.createUser({ role: 'admin' });
    const keyAdminToken = (await app.login(keyAdmin.email, keyAdmin.password)).accessToken;
    await send('adminUpdateWebhook', { token: keyAdminToken, body: { active: false } });
    await send('adminDeleteWebhook', { token: keyAdminToken });
    await send('adminListWebhookDeliveries', { token: keyAdminToken });
    await send('adminRetryWebhookDelivery', { token: keyAdminToken, id: '999999' });

    // Every keyed write: a key this user already used for another request (a committed row), then a
    // key another request holds in a transaction it has not committed.
    const keyedOps = operations.filter(isKeyedWrite);
    const isAdminOp = (op: Operation) => op.path.startsWith('/api/admin/');
    const ownerOf = (op: Operation) => (isAdminOp(op) ? keyAdmin.id : customer.id);
    const tokenOf = (op: Operation) => (isAdminOp(op) ? keyAdminToken : token);
    const bodyOf = (op: Operation) => (['POST', 'PUT', 'PATCH'].includes(op.method) ? {} : undefined);
    for (const op of keyedOps) {
      await app.db.execute(
        sql`insert into idempotency_keys (user_id, key, procedure, request_hash, outcome, response)
            values (${ownerOf(op)}, ${`used-${op.operationId}`}, 'another', 'another', 'ok', '{}'::jsonb)`,
      );
      await send(op.operationId, {
        token: tokenOf(op),
        body: bodyOf(op),
        headers: { 'idempotency-key': `used-${op.operationId}` },
      });
    }
    await app.db
      .transaction(async (tx) => {
        for (const op of keyedOps)
          await tx.execute(
            sql`insert into idempotency_keys (user_id, key, procedure, request_hash)
                values (${ownerOf(op)}, ${`held-${op.operationId}`}, 'held', 'held')`,
          );
        for (const op of keyedOps)
          await send(op.operationId, {
            token: tokenOf(op),
            body: bodyOf(op),
            headers: { 'idempotency-key': `held-${op.operationId}` },
          });
        throw new Error('roll back');
      })
      .catch((err: unknown) => {
        if ((err as Error).message !== 'roll back') throw err;
      });
    await send('adminAdoptServer', { token, body: {} });

    // Adoption: a VM that is not there, a template, one adopted twice.
    const adopter = await app.createUser({ role: 'admin' });
    const adopterToken = (await app.login(adopter.email, adopter.password)).accessToken;
    const adopt = (vmid: number) => ({
      node: 'pve1',
      vmid,
      userId: customer.id,
      locationId: location!.id,
      ipAddress: '198.51.100.41',
    });
    await send('adminAdoptServer', { token: adopterToken, body: adopt(4199) });
    await send('adminAdoptServer', { token: adopterToken, body: adopt(9000) });
    const adopted = await send('adminAdoptServer', { token: adopterToken, body: adopt(4100) });
    expect(adopted.status).toBe(200);
    await send('adminAdoptServer', { token: adopterToken, body: adopt(4100) });

    // -- self-service ----------------------------------------------------------------------------
    const nobody = '00000000-0000-4000-8000-000000000000';
    const key =
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM++uflIRBCouiM+O0JXnmYTo6jN2r5mMYZP7rj3GUou user@host-ed25519';
    await send('listSshKeys', { token });
    const made = await send('createSshKey', { token, body: { name: 'laptop', publicKey: key } });
    expect(made.status).toBe(201);
    await send('createSshKey', { token, body: { name: 'again', publicKey: key } });
    await send('getSshKey', { token, id: nobody });
    await send('deleteSshKey', { token, id: nobody });
    // A full keychain (rows as the API would have stored them).
    const keyOwner = await app.createUser();
    const keyToken = (await app.login(keyOwner.email, keyOwner.password)).accessToken;
    await app.db.insert(sshKeys).values(
      Array.from({ length: 50 }, (_, i) => ({
        userId: keyOwner.id,
        name: `k${i}`,
        publicKey: key,
        fingerprint: `SHA256:filler-${i}`,
      })),
    );
    await send('createSshKey', { token: keyToken, body: { name: 'one more', publicKey: key } });

    // A settled server on a real VM of the simulator (no worker runs here).
    const vmUpid = await pve.cloneVm('pve1', 9001, { newid: 7701, name: 'errors-vm', full: true });
    await pve.waitForTask(vmUpid, 30_000);
    const [settled] = await app.db
      .insert(servers)
      .values({
        userId: customer.id,
        name: 'settled',
        status: 'running',
        planId: plan!.id,
        imageId: image!.id,
        locationId: location!.id,
        cpuCores: plan!.cpuCores,
        memoryMb: plan!.memoryMb,
        diskGb: plan!.diskGb,
        pveNode: 'pve1',
        pveVmid: 7701,
      })
      .returning({ id: servers.id });
    const vm = settled!.id;
    await pve.waitForTask(await pve.createSnapshot('pve1', 7701, { snapname: 'taken' }), 30_000);
    await send('reinstallServer', { token, id: nobody, body: { imageId: image!.id, confirmName: 'x' } });
    await send('setRootPassword', { token, id: nobody });
    await send('resizeServer', { token, id: nobody, body: { planId: plan!.id } });
    await send('listSnapshots', { token, id: nobody });
    await send('createSnapshot', { token, id: nobody, body: { name: 'snap' } });
    await send('rollbackSnapshot', { token, id: vm, name: 'never' });
    await send('deleteSnapshot', { token, id: vm, name: 'never' });
    await send('listSnapshots', { token, id: vm });
    await send('createSnapshot', { token, id: vm, body: { name: 'taken' } }); // CONFLICT
    await app.db.update(plans).set({ snapshotLimit: 1 }).where(eq(plans.id, plan!.id));
    await send('createSnapshot', { token, id: vm, body: { name: 'other' } }); // QUOTA_EXCEEDED
    await app.db.update(plans).set({ snapshotLimit: 3 }).where(eq(plans.id, plan!.id));
    // Resize: the same plan; more cores than the host has; over the quota's cores.
    await send('resizeServer', { token, id: vm, body: { planId: plan!.id } });
    const [huge] = await app.db
      .insert(plans)
      .values({ slug: 'huge', name: 'Huge', cpuCores: 64, memoryMb: 2048, diskGb: 100, active: true })
      .returning({ id: plans.id });
    await send('resizeServer', { token, id: vm, body: { planId: huge!.id } });
    const [wide] = await app.db
      .insert(plans)
      .values({ slug: 'wide', name: 'Wide', cpuCores: 16, memoryMb: 2048, diskGb: 100, active: true })
      .returning({ id: plans.id });
    await app.db.insert(servers).values({
      userId: customer.id,
      name: 'big',
      status: 'stopped',
      cpuCores: 20,
      memoryMb: 1024,
      diskGb: 10,
    });
    await send('resizeServer', { token, id: vm, body: { planId: wide!.id } });
    // Queued and not yet run: every other operation on the server is refused while it waits.
    expect((await send('createSnapshot', { token, id: vm, body: { name: 'queued' } })).status).toBe(202);
    await send('createSnapshot', { token, id: vm, body: { name: 'second' } });
    await send('rollbackSnapshot', { token, id: vm, name: 'taken' });
    await send('deleteSnapshot', { token, id: vm, name: 'taken' });
    await send('setRootPassword', { token, id: vm });
    await send('reinstallServer', { token, id: vm, body: { imageId: image!.id, confirmName: 'settled' } });
    // Discovery and the catalogue: a customer is refused; an operator hears what is missing or taken.
    const adminUser = await app.createUser({ role: 'admin' });
    const adminToken = (await app.login(adminUser.email, adminUser.password)).accessToken;
    for (const op of operations.filter((o) =>
      /^admin(ListPve|List|Get|Create|Update|Delete)/.test(o.operationId),
    ))
      if (op.operationId !== 'adminListServers') await send(op.operationId, { token });
    const [pool] = await app.db.select().from(ipPools).limit(1);
    const kinds = [
      {
        kind: 'Plan',
        id: plan!.id,
        taken: { slug: plan!.slug, name: 'Again', cpuCores: 1, memoryMb: 512, diskGb: 10 },
      },
      {
        kind: 'Image',
        id: image!.id,
        taken: { slug: image!.slug, name: 'Again', pveTemplates: { pve1: 9001 } },
      },
      {
        kind: 'Location',
        id: location!.id,
        taken: { slug: location!.slug, name: 'Again', pveNodes: ['pve1'] },
      },
      {
        kind: 'IpPool',
        id: pool!.id,
        taken: {
          locationId: location!.id,
          cidr: '10.50.0.0/24',
          gateway: '10.50.0.1',
          rangeStart: '10.50.0.100',
          rangeEnd: '10.50.0.120',
        },
      },
    ];
    for (const { kind, id, taken } of kinds) {
      const missing = { token: adminToken, id: '00000000-0000-4000-8000-000000000001' };
      await send(`adminGet${kind}`, missing);
      await send(`adminUpdate${kind}`, { ...missing, body: {} });
      await send(`adminDelete${kind}`, missing);
      // Taken slug or overlapping range.
      const conflict = await send(`adminCreate${kind}`, { token: adminToken, body: taken });
      expect(conflict.status, kind).toBe(409);
      // In use by the provisioning server (its address comes from the pool).
      const used = await send(`adminDelete${kind}`, { token: adminToken, id });
      expect(used.status, kind).toBe(409);
    }
    // Updates onto a taken slug, and a pool range moved onto another pool's.
    const other = await send('adminCreatePlan', {
      token: adminToken,
      body: { slug: 'other-plan', name: 'Other', cpuCores: 1, memoryMb: 512, diskGb: 10 },
    });
    await send('adminUpdatePlan', { token: adminToken, id: other.body.plan.id, body: { slug: plan!.slug } });
    const image2 = await send('adminCreateImage', {
      token: adminToken,
      body: { slug: 'other-image', name: 'Other', pveTemplates: { '*': 9000 } },
    });
    await send('adminUpdateImage', {
      token: adminToken,
      id: image2.body.image.id,
      body: { slug: image!.slug },
    });
    const location2 = await send('adminCreateLocation', {
      token: adminToken,
      body: { slug: 'other-location', name: 'Other', pveNodes: ['pve2'] },
    });
    await send('adminUpdateLocation', {
      token: adminToken,
      id: location2.body.location.id,
      body: { slug: location!.slug },
    });
    const pool2 = await send('adminCreateIpPool', {
      token: adminToken,
      body: {
        locationId: location!.id,
        cidr: '10.51.0.0/24',
        gateway: '10.51.0.1',
        rangeStart: '10.51.0.10',
        rangeEnd: '10.51.0.20',
      },
    });
    expect(pool2.status).toBe(201);
    await send('adminUpdateIpPool', {
      token: adminToken,
      id: pool2.body.pool.id,
      body: { rangeEnd: '10.51.0.300' },
    });
    const moved = await send('adminUpdateIpPool', {
      token: adminToken,
      id: pool!.id,
      body: { rangeStart: '10.50.0.200', rangeEnd: '10.50.0.220' },
    });
    expect(moved.status).toBe(409); // it would drop the provisioning server's address
    // Clusters: the simulator registered twice under other slugs; a slug taken; one in use by a location.
    const asCluster = (slug: string) => ({
      slug,
      name: slug,
      url: sim.url,
      tokenId: sim.tokenId,
      tokenSecret: sim.tokenSecret,
      fingerprint: sim.fingerprint ?? null,
    });
    const second = await send('adminCreateCluster', { token: adminToken, body: asCluster('second') });
    expect(second.status).toBe(201);
    expect((await send('adminCreateCluster', { token: adminToken, body: asCluster('second') })).status).toBe(
      409,
    );
    const third = await send('adminCreateCluster', { token: adminToken, body: asCluster('third') });
    await send('adminUpdateCluster', {
      token: adminToken,
      id: third.body.cluster.id,
      body: { slug: 'second' },
    });
    const noCluster = { token: adminToken, id: '00000000-0000-4000-8000-000000000001' };
    await send('adminGetCluster', noCluster);
    await send('adminUpdateCluster', { ...noCluster, body: {} });
    await send('adminDeleteCluster', noCluster);
    const onSecond = await send('adminCreateLocation', {
      token: adminToken,
      body: { slug: 'on-second', name: 'On second', pveNodes: ['pve1'], clusterId: second.body.cluster.id },
    });
    expect(onSecond.status).toBe(201);
    expect((await send('adminDeleteCluster', { token: adminToken, id: second.body.cluster.id })).status).toBe(
      409,
    );
    // Accounts: a token that is nobody's; a customer asking for the admin scope; one token too many.
    await send('getToken', { token });
    await send('revokeToken', { token });
    await send('createToken', { token, body: { name: 'ops', scopes: ['read', 'write', 'admin'] } });
    const readToken = (await send('createToken', { token, body: { name: 'ro', scopes: ['read'] } })).body
      .secret as string;
    await app.db.insert(apiTokens).values(
      Array.from({ length: 49 }, (_, i) => ({
        userId: customer.id,
        name: `filler-${i}`,
        scopes: ['read' as const],
        prefix: 'keel_filler',
        secretHash: `filler-${i}-${customer.id}`,
      })),
    );
    await send('createToken', { token, body: { name: 'one-too-many', scopes: ['read'] } });
    // The own account: another account's email address; wrong current passwords until the throttle.
    const neighbour = await app.createUser();
    await send('updateProfile', { token, body: { email: neighbour.email } });
    for (let i = 0; i < 6; i++)
      await send('changePassword', {
        token,
        body: { currentPassword: `wrong-${i}`, newPassword: 'long-enough-password' },
      });
    // Customers: a customer on the operator's routes; an administrator on a missing account, on an email
    // in use, and deleting an account that still has a server.
    const usersAdmin = await app.createUser({ role: 'admin' });
    const usersAdminToken = (await app.login(usersAdmin.email, usersAdmin.password)).accessToken;
    for (const op of ['adminListUsers', 'adminGetUser']) await send(op, { token });
    for (const op of ['adminGetUser', 'adminPasswordReset', 'adminDeleteUser'])
      await send(op, { token: usersAdminToken, body: op === 'adminPasswordReset' ? {} : undefined });
    await send('adminUpdateUser', { token: usersAdminToken, body: { name: 'x' } });
    await send('adminCreateUser', { token: usersAdminToken, body: { email: customer.email } });
    await send('adminUpdateUser', {
      token: usersAdminToken,
      id: usersAdmin.id,
      body: { email: customer.email },
    });
    await send('adminDeleteUser', { token: usersAdminToken, id: customer.id });
    await send('setPassword', { body: { token: 'not-a-link', password: 'long-enough-password' } });
    // Forgot password: the throttle (three per address and email).
    for (let i = 0; i < 4; i++) await send('forgotPassword', { body: { email: 'reset-me@example.com' } });
    // Two-factor sign-in: confirming or turning off what was never started; a user who has it on signs
    // in without a code, enrols again, and turns it off with a wrong password until the throttle answers.
    await send('confirmTwoFactor', { token, body: { code: '123456' } });
    await send('disableTwoFactor', { token, body: { password: customer.password, code: '123456' } });
    const tfa = await app.createUser();
    const tfaToken = (await app.login(tfa.email, tfa.password)).accessToken;
    const enrolment = await send('enrolTwoFactor', { token: tfaToken });
    const confirmed = await send('confirmTwoFactor', {
      token: tfaToken,
      body: { code: TOTP.generate({ secret: Secret.fromBase32(enrolment.body.secret as string) }) },
    });
    expect(confirmed.status).toBe(200);
    await send('login', { body: { email: tfa.email, password: tfa.password } });
    await send('enrolTwoFactor', { token: tfaToken });
    for (let i = 0; i < 6; i++)
      await send('disableTwoFactor', {
        token: tfaToken,
        body: { password: 'wrong-password', code: '123456' },
      });

    // A read-only API token on every change it may not make.
    for (const op of operations.filter((o) => o.auth && o.method !== 'GET'))
      await send(op.operationId, { token: readToken, body: op.method === 'DELETE' ? undefined : {} });

    expect(undocumented).toEqual([]);
    for (const op of operations) {
      const expected = [...op.documented].filter((c) => c !== 'INTERNAL' && c !== 'UNAVAILABLE').sort();
      expect([...(answered.get(op.operationId) ?? [])].sort(), `${op.method} ${op.path}`).toEqual(expected);
    }
  }, 180_000);
});

describe('a per-user quota', () => {
  it('raises the configured default server count for that user alone', async () => {
    const user = await app.createUser();
    const token = (await app.login(user.email, user.password)).accessToken;
    const [plan] = await app.db.select().from(plans).limit(1);
    const [image] = await app.db.select().from(images).limit(1);
    const [location] = await app.db.select().from(locations).where(eq(locations.slug, 'lab'));
    const limit = app.config.quota.maxServers;
    await app.db
      .update(users)
      .set({ maxServers: limit + 1 })
      .where(eq(users.id, user.id));
    const order = () =>
      api(app.baseUrl, 'POST', '/api/servers', {
        token,
        body: { name: 'q.example.com', planId: plan!.id, imageId: image!.id, locationId: location!.id },
      });
    for (let i = 0; i < limit + 1; i++) expect((await order()).status).toBe(202);
    const over = await order();
    expect(over.status).toBe(422);
    expect(over.body.error.message).toContain(`at most ${limit + 1} servers`);
  });
});
