// Fidelity: the envelope, auth and a whole provisioning flow answer with PVE's status lines, bodies and tasks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPveSim, type PveSim } from './index.ts';
import { pveClient, rawRequest, sshKey } from './test-client.ts';

const SPEED = 40;
let sim: PveSim;
let pve: ReturnType<typeof pveClient>;

beforeAll(async () => {
  sim = await startPveSim({ port: 0, http: true, speed: SPEED });
  pve = pveClient(sim);
});
afterAll(async () => {
  await sim.stop();
});

describe('envelope and transport', () => {
  it('answers version in a {data} envelope with pveproxy headers', async () => {
    const res = await pve.get('/version');
    expect([res.status, res.reason]).toEqual([200, 'OK']);
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(res.headers.server).toBe('pve-api-daemon/3.0');
    expect(res.body.data).toMatchObject({ release: '9.1', version: expect.stringMatching(/^9\.1\./) });
  });

  it('lists nodes with the certificate fingerprint field and node status', async () => {
    const nodes = await pve.get('/nodes');
    expect((nodes.body.data as { node: string }[]).map((n) => n.node)).toEqual(['pve1', 'pve2']);
    const status = await pve.get('/nodes/pve2/status');
    expect(status.body.data).toMatchObject({ memory: { total: expect.any(Number) }, cpuinfo: { cpus: 16 } });
  });

  it('returns cluster/nextid as a string and refuses a taken id with the errors object', async () => {
    const next = await pve.get('/cluster/nextid');
    expect(typeof next.body.data).toBe('string');
    const taken = await pve.get('/cluster/nextid', { vmid: 9000 });
    expect([taken.status, taken.reason]).toEqual([400, 'Parameter verification failed.']);
    expect(taken.body).toEqual({
      data: null,
      errors: { vmid: 'VM 9000 already exists' },
      message: 'Parameter verification failed.\n',
    });
  });

  it('answers 500 (never 404) for a VM that does not exist, closing the connection', async () => {
    const res = await pve.get('/nodes/pve1/qemu/777/status/current');
    expect([res.status, res.reason]).toEqual([
      500,
      "Configuration file 'nodes/pve1/qemu-server/777.conf' does not exist",
    ]);
    expect(res.body).toEqual({
      data: null,
      message: "Configuration file 'nodes/pve1/qemu-server/777.conf' does not exist\n",
    });
    expect(res.headers.connection).toBe('close');
  });

  it('a VM is only found on its own node', async () => {
    const res = await pve.get('/nodes/pve2/qemu/9001/config');
    expect(res.reason).toBe("Configuration file 'nodes/pve2/qemu-server/9001.conf' does not exist");
  });

  // pve-http-server AnyEvent.pm: $split_abs_uri needs a format segment of two or more lowercase
  // characters; without one pveproxy says `no such uri` as a plain-text error(), before any auth.
  it('answers 501 for a missing format segment and a body on GET', async () => {
    const noFormat = await rawRequest(sim.url, 'GET', '/api2');
    expect([noFormat.status, noFormat.reason]).toEqual([501, 'no such uri']);
    expect(noFormat.headers['content-type']).toBeUndefined();
    expect(noFormat.body).toEqual({ raw: 'no such uri' });
    const xml = await rawRequest(sim.url, 'GET', '/api2/xml/version', {
      headers: { Authorization: `PVEAPIToken=${sim.tokenId}=${sim.tokenSecret}` },
    });
    expect([xml.status, xml.reason]).toEqual([501, 'no formatter for uri /version, xml']);
    const body = await pve.call('GET', '/version', {
      rawBody: { contentType: 'application/x-www-form-urlencoded', text: 'a=1' },
    });
    expect([body.status, body.reason]).toEqual([501, "Unexpected content for method 'GET'"]);
  });

  it('accepts JSON bodies with real booleans and refuses true in a form body', async () => {
    await pve.cloneAndWait(9001, 300);
    const json = await pve.call('PUT', '/nodes/pve1/qemu/300/config', { json: { onboot: true, cores: 2 } });
    expect(json.status).toBe(200);
    expect(json.body.data).toBeNull();
    const form = await pve.put('/nodes/pve1/qemu/300/config', { onboot: 'true' });
    expect(form.status).toBe(400);
    expect(form.body.errors).toEqual({ onboot: "type check ('boolean') failed - got 'true'" });
    const config = await pve.get('/nodes/pve1/qemu/300/config');
    expect(config.body.data).toMatchObject({
      onboot: 1,
      cores: 2,
      digest: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
  });

  it('gzips large responses when asked', async () => {
    const res = await pve.call('GET', '/cluster/resources', { headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers['content-encoding']).toBe('gzip');
  });
});

describe('authentication', () => {
  const base = () => `${sim.url}`;
  it('401 No ticket without credentials, delayed by 3 s / speed', async () => {
    const started = performance.now();
    const res = await rawRequest(base(), 'GET', '/api2/json/version');
    expect([res.status, res.reason]).toEqual([401, 'No ticket']);
    expect(performance.now() - started).toBeGreaterThanOrEqual((3000 / SPEED) * 0.9);
  });

  it('401 Authentication failed! for a wrong token secret', async () => {
    const res = await rawRequest(base(), 'GET', '/api2/json/version', {
      headers: { Authorization: `PVEAPIToken=${sim.tokenId}=00000000-0000-0000-0000-000000000000` },
    });
    expect([res.status, res.reason]).toEqual([401, 'Authentication failed!']);
  });

  it('tickets: login, cookie reads, CSRF required for writes, renewal with the ticket', async () => {
    const bad = await rawRequest(base(), 'POST', '/api2/json/access/ticket', {
      params: { username: 'root@pam', password: 'nope' },
    });
    expect([bad.status, bad.reason]).toEqual([401, 'authentication failure']);
    const login = await rawRequest(base(), 'POST', '/api2/json/access/ticket', {
      params: { username: 'root', realm: 'pam', password: sim.password },
    });
    expect(login.status).toBe(200);
    const { ticket, CSRFPreventionToken, username } = login.body.data as Record<string, string>;
    expect(username).toBe('root@pam');
    expect(ticket).toMatch(/^PVE:root@pam:[0-9A-F]{8}::.+$/);
    expect(CSRFPreventionToken).toMatch(/^[0-9A-F]{8}:.+$/);
    const cookie = { Cookie: `PVEAuthCookie=${encodeURIComponent(ticket ?? '')}` };
    const read = await rawRequest(base(), 'GET', '/api2/json/nodes', { headers: cookie });
    expect(read.status).toBe(200);
    const noCsrf = await rawRequest(base(), 'PUT', '/api2/json/nodes/pve1/qemu/300/config', {
      headers: cookie,
      params: { cores: 1 },
    });
    expect([noCsrf.status, noCsrf.reason]).toEqual([401, 'Permission denied - invalid csrf token']);
    const withCsrf = await rawRequest(base(), 'PUT', '/api2/json/nodes/pve1/qemu/300/config', {
      headers: { ...cookie, CSRFPreventionToken: CSRFPreventionToken ?? '' },
      params: { cores: 1 },
    });
    expect(withCsrf.status).toBe(200);
    const renew = await rawRequest(base(), 'POST', '/api2/json/access/ticket', {
      params: { username: 'root@pam', password: ticket ?? '' },
    });
    expect(renew.status).toBe(200);
  });
});

describe('provisioning flow', () => {
  it('clone → config → resize → start → agent IP → shutdown → delete, all with real UPIDs', async () => {
    const clone = await pve.post('/nodes/pve1/qemu/9000/clone', { newid: 310, name: 'web-310', full: 1 });
    const upid = String(clone.body.data);
    expect(upid).toMatch(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:qmclone:9000:root@pam!keel:$/);

    // The worker writes the new VM's locked config a moment after the UPID (Qemu.pm clone_vm).
    for (let res = await pve.get('/nodes/pve1/qemu/310/config'); res.status !== 200;) {
      expect(res.reason).toBe("Configuration file 'nodes/pve1/qemu-server/310.conf' does not exist");
      await new Promise((r) => setTimeout(r, 5));
      res = await pve.get('/nodes/pve1/qemu/310/config');
    }
    const locked = await pve.put('/nodes/pve1/qemu/310/config', { cores: 2 });
    expect([locked.status, locked.reason]).toEqual([500, 'VM is locked (clone)']);
    const during = await pve.get('/nodes/pve1/qemu/310/status/current');
    expect(during.body.data).toMatchObject({ lock: 'clone' });
    const running = await pve.get(`/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`);
    expect(running.body.data).toMatchObject({
      status: 'running',
      type: 'qmclone',
      id: '9000',
      user: 'root@pam',
      tokenid: 'keel',
    });
    expect(running.body.data).not.toHaveProperty('exitstatus');

    const done = await pve.waitTask(upid);
    expect(done).toMatchObject({ status: 'stopped', exitstatus: 'OK' });
    const log = await pve.get(`/nodes/pve1/tasks/${encodeURIComponent(upid)}/log`, { start: 0, limit: 50 });
    const lines = log.body.data as { n: number; t: string }[];
    expect(lines[0]?.n).toBe(1);
    expect(lines.at(-1)?.t).toBe('TASK OK');
    expect(log.body.total).toBe(lines.length);

    const after = await pve.get('/nodes/pve1/qemu/310/status/current');
    expect(after.body.data).not.toHaveProperty('lock');

    const keys = `${sshKey('a@b')}\n${sshKey('c@d')}`;
    const cfg = await pve.post('/nodes/pve1/qemu/310/config', {
      cores: 2,
      memory: 2048,
      ciuser: 'keel',
      cipassword: 'secret',
      sshkeys: encodeURIComponent(keys),
      ipconfig0: 'ip=10.20.30.40/24,gw=10.20.30.1',
      nameserver: '1.1.1.1',
      searchdomain: 'example.com',
      tags: 'keel;web',
    });
    expect(String(cfg.body.data)).toMatch(/:qmconfig:310:/);
    expect(await pve.waitTask(String(cfg.body.data))).toMatchObject({ exitstatus: 'OK' });
    const config = (await pve.get('/nodes/pve1/qemu/310/config')).body.data as Record<string, unknown>;
    expect(config).toMatchObject({
      cores: 2,
      memory: '2048',
      ciuser: 'keel',
      cipassword: '**********',
      sshkeys: encodeURIComponent(keys),
    });

    expect(
      await pve.runTask('PUT', '/nodes/pve1/qemu/310/resize', { disk: 'scsi0', size: '+8G' }),
    ).toMatchObject({ exitstatus: 'OK', type: 'resize' });
    expect(
      await pve.runTask('PUT', '/nodes/pve1/qemu/310/resize', { disk: 'scsi0', size: '20G' }),
    ).toMatchObject({ exitstatus: 'OK' });
    const resized = (await pve.get('/nodes/pve1/qemu/310/config')).body.data as Record<string, string>;
    expect(resized.scsi0).toContain('size=20G');

    const notYet = await pve.get('/nodes/pve1/qemu/310/agent/network-get-interfaces');
    expect([notYet.status, notYet.reason]).toEqual([500, 'VM 310 is not running']);
    expect(await pve.runTask('POST', '/nodes/pve1/qemu/310/status/start')).toMatchObject({
      exitstatus: 'OK',
      type: 'qmstart',
    });
    expect(await pve.pollAgentIp('pve1', 310)).toBe('10.20.30.40');
    const status = (await pve.get('/nodes/pve1/qemu/310/status/current')).body.data as Record<
      string,
      unknown
    >;
    expect(status).toMatchObject({
      status: 'running',
      qmpstatus: 'running',
      cpus: 2,
      maxmem: 2048 * 1024 ** 2,
      agent: 1,
    });

    const destroyRunning = await pve.del('/nodes/pve1/qemu/310');
    expect([destroyRunning.status, destroyRunning.reason]).toEqual([
      500,
      'VM 310 is running - destroy failed',
    ]);

    expect(await pve.runTask('POST', '/nodes/pve1/qemu/310/status/shutdown', { timeout: 60 })).toMatchObject({
      exitstatus: 'OK',
    });
    expect(
      ((await pve.get('/nodes/pve1/qemu/310/status/current')).body.data as Record<string, unknown>).status,
    ).toBe('stopped');
    expect(
      await pve.runTask('DELETE', '/nodes/pve1/qemu/310', { purge: 1, 'destroy-unreferenced-disks': 1 }),
    ).toMatchObject({ exitstatus: 'OK', type: 'qmdestroy' });
    const gone = await pve.get('/nodes/pve1/qemu/310/config');
    expect(gone.reason).toBe("Configuration file 'nodes/pve1/qemu-server/310.conf' does not exist");
  });

  it('DHCP guests report a lease; the name defaults to Copy-of-VM-<source>', async () => {
    await pve.cloneAndWait(9001, 320);
    const config = (await pve.get('/nodes/pve1/qemu/320/config')).body.data as Record<string, unknown>;
    expect(config.name).toBe('Copy-of-VM-debian-12-cloudinit');
    expect(config).not.toHaveProperty('template');
    await pve.runTask('POST', '/nodes/pve1/qemu/320/status/start');
    expect(await pve.pollAgentIp('pve1', 320)).toMatch(/^192\.168\.100\.\d+$/);
  });
});
