// Fidelity: each case answers with PVE's status line, reason phrase, body and task outcome.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPveSim, type PveSim } from './index.ts';
import { pveClient, rawRequest } from './test-client.ts';

const SPEED = 40;
let sim: PveSim;
let pve: ReturnType<typeof pveClient>;

function sshKey(comment: string): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const name = Buffer.from('ssh-ed25519');
  const blob = Buffer.concat([Buffer.from([0, 0, 0, name.length]), name, Buffer.from([0, 0, 0, 32]), raw]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

async function cloneAndWait(
  source: number,
  newid: number,
  extra: Record<string, string | number> = {},
  node = 'pve1',
) {
  return pve.runTask('POST', `/nodes/${node}/qemu/${source}/clone`, { newid, ...extra });
}

async function pollAgentIp(node: string, vmid: number, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await pve.get(`/nodes/${node}/qemu/${vmid}/agent/network-get-interfaces`);
    if (res.status === 200) {
      const ifaces = (
        res.body.data as {
          result: { name: string; 'ip-addresses': { 'ip-address': string; 'ip-address-type': string }[] }[];
        }
      ).result;
      const v4 = ifaces
        .filter((i) => i.name !== 'lo')
        .flatMap((i) => i['ip-addresses'])
        .find((a) => a['ip-address-type'] === 'ipv4');
      if (v4) return v4['ip-address'];
    } else {
      expect([res.status, res.reason]).toEqual([500, 'QEMU guest agent is not running']);
    }
    if (Date.now() > deadline) throw new Error('no IPv4 from the agent');
    await new Promise((r) => setTimeout(r, 10));
  }
}

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

  it('answers 501 for a missing format segment and a body on GET', async () => {
    const noFormat = await rawRequest(sim.url, 'GET', '/api2/nodes');
    expect([noFormat.status, noFormat.reason]).toEqual([501, 'no such uri']);
    const body = await pve.call('GET', '/version', {
      rawBody: { contentType: 'application/x-www-form-urlencoded', text: 'a=1' },
    });
    expect([body.status, body.reason]).toEqual([501, "Unexpected content for method 'GET'"]);
  });

  it('accepts JSON bodies with real booleans and refuses true in a form body', async () => {
    await cloneAndWait(9001, 300);
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
    expect(await pollAgentIp('pve1', 310)).toBe('10.20.30.40');
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
    await cloneAndWait(9001, 320);
    const config = (await pve.get('/nodes/pve1/qemu/320/config')).body.data as Record<string, unknown>;
    expect(config.name).toBe('Copy-of-VM-debian-12-cloudinit');
    expect(config).not.toHaveProperty('template');
    await pve.runTask('POST', '/nodes/pve1/qemu/320/status/start');
    expect(await pollAgentIp('pve1', 320)).toMatch(/^192\.168\.100\.\d+$/);
  });
});

describe('fidelity cases', () => {
  it('clone errors: taken newid, local storage to another node, storage on linked clone', async () => {
    const taken = await pve.post('/nodes/pve1/qemu/9000/clone', { newid: 9001 });
    expect([taken.status, taken.reason]).toEqual([
      500,
      'unable to create VM 9001: config file already exists',
    ]);
    const local = await pve.post('/nodes/pve1/qemu/9001/clone', { newid: 330, target: 'pve2', full: 1 });
    expect([local.status, local.reason]).toEqual([
      500,
      "can't clone VM to node 'pve2' (VM uses local storage)",
    ]);
    const linked = await pve.post('/nodes/pve1/qemu/9000/clone', { newid: 331, storage: 'local-lvm' });
    expect(linked.reason).toBe("parameter 'storage' not allowed for linked clones");
    const nonShared = await pve.post('/nodes/pve1/qemu/9000/clone', {
      newid: 331,
      target: 'pve2',
      full: 1,
      storage: 'local-lvm',
    });
    expect(nonShared.reason).toBe("can't clone to non-shared storage 'local-lvm'");
  });

  it('a newid taken on another node fails inside the task', async () => {
    const res = await pve.post('/nodes/pve2/qemu/9101/clone', { newid: 9001 });
    expect(res.status).toBe(200);
    const task = await pve.waitTask(String(res.body.data));
    expect(task.exitstatus).toBe(
      "clone failed: close (rename) atomic file '/etc/pve/nodes/pve1/qemu-server/9001.conf' failed: File exists",
    );
  });

  it('clones a shared-storage template to another node', async () => {
    await cloneAndWait(9000, 332, { target: 'pve2' });
    const onTarget = await pve.get('/nodes/pve2/qemu/332/status/current');
    expect(onTarget.status).toBe(200);
    const resources = (await pve.get('/cluster/resources', { type: 'vm' })).body.data as {
      vmid: number;
      node: string;
    }[];
    expect(resources.find((r) => r.vmid === 332)?.node).toBe('pve2');
  });

  it('power errors: not running, template start, already running', async () => {
    await cloneAndWait(9001, 340);
    for (const action of ['reboot', 'reset', 'suspend', 'resume']) {
      const res = await pve.post(`/nodes/pve1/qemu/340/status/${action}`);
      expect([res.status, res.reason], action).toEqual([500, 'VM 340 not running']);
    }
    const template = await pve.runTask('POST', '/nodes/pve1/qemu/9001/status/start');
    expect(template.exitstatus).toBe("you can't start a vm if it's a template");
    await pve.runTask('POST', '/nodes/pve1/qemu/340/status/start');
    const again = await pve.post('/nodes/pve1/qemu/340/status/start');
    expect(again.status).toBe(200);
    expect((await pve.waitTask(String(again.body.data))).exitstatus).toBe('VM 340 already running');
    expect((await pve.runTask('POST', '/nodes/pve1/qemu/340/status/suspend')).exitstatus).toBe('OK');
    expect((await pve.get('/nodes/pve1/qemu/340/status/current')).body.data).toMatchObject({
      qmpstatus: 'paused',
    });
    const paused = await pve.post('/nodes/pve1/qemu/340/status/shutdown');
    expect(paused.reason).toBe('VM is paused - cannot shutdown');
    expect((await pve.runTask('POST', '/nodes/pve1/qemu/340/status/resume')).exitstatus).toBe('OK');
    expect((await pve.runTask('POST', '/nodes/pve1/qemu/340/status/reset')).exitstatus).toBe('OK');
    expect((await pve.runTask('POST', '/nodes/pve1/qemu/340/status/stop')).exitstatus).toBe('OK');
    expect((await pve.runTask('POST', '/nodes/pve1/qemu/340/status/stop')).exitstatus).toBe('OK');
  });

  it('sshkeys: not urlencoded is a 400, an invalid key a 500', async () => {
    await cloneAndWait(9001, 350);
    const raw = await pve.put('/nodes/pve1/qemu/350/config', { sshkeys: sshKey('x') });
    expect(raw.status).toBe(400);
    expect(raw.body.errors?.sshkeys).toMatch(/^invalid format - invalid urlencoded string: ssh-ed25519 /);
    const invalid = await pve.put('/nodes/pve1/qemu/350/config', {
      sshkeys: encodeURIComponent('ssh-rsa AAAAnotakey user'),
    });
    expect([invalid.status, invalid.reason]).toEqual([500, 'SSH public key validation error']);
  });

  it('capacity: vCPUs and memory beyond the node fail at start, disk beyond storage at resize', async () => {
    await cloneAndWait(9001, 360);
    await pve.put('/nodes/pve1/qemu/360/config', { cores: 32 });
    expect((await pve.runTask('POST', '/nodes/pve1/qemu/360/status/start')).exitstatus).toBe(
      'MAX 16 vcpus allowed per VM on this node',
    );
    await pve.put('/nodes/pve1/qemu/360/config', { cores: 2, memory: 200_000 });
    const memTask = await pve.post('/nodes/pve1/qemu/360/status/start');
    expect((await pve.waitTask(String(memTask.body.data))).exitstatus).toBe(
      'start failed: QEMU exited with code 1',
    );
    const memLog = (await pve.get(`/nodes/pve1/tasks/${encodeURIComponent(String(memTask.body.data))}/log`))
      .body.data as { t: string }[];
    expect(memLog.map((l) => l.t)).toContain(
      "kvm: cannot set up guest memory 'pc.ram': Cannot allocate memory",
    );
    const disk = await pve.runTask('PUT', '/nodes/pve1/qemu/360/resize', { disk: 'scsi0', size: '+4T' });
    expect(String(disk.exitstatus)).toMatch(/Insufficient free space/);
    expect(
      (await pve.runTask('PUT', '/nodes/pve1/qemu/360/resize', { disk: 'scsi0', size: '1G' })).exitstatus,
    ).toBe('shrinking disks is not supported');
    expect(
      (await pve.runTask('PUT', '/nodes/pve1/qemu/360/resize', { disk: 'scsi5', size: '+1G' })).exitstatus,
    ).toBe("disk 'scsi5' does not exist");
    expect(
      (await pve.runTask('PUT', '/nodes/pve1/qemu/360/resize', { disk: 'ide2', size: '+1G' })).exitstatus,
    ).toBe("you can't resize a cdrom");
  });

  it('config errors: no options, digest mismatch, balloon above memory', async () => {
    await cloneAndWait(9001, 370);
    expect((await pve.put('/nodes/pve1/qemu/370/config')).reason).toBe('no options specified');
    expect((await pve.put('/nodes/pve1/qemu/370/config', { cores: 2, digest: 'a'.repeat(40) })).reason).toBe(
      'checksum mismatch (file change by other user?)',
    );
    expect((await pve.put('/nodes/pve1/qemu/370/config', { balloon: 4096 })).reason).toBe(
      'balloon value too large (must be smaller than assigned memory)',
    );
  });

  it('cloud-init changes on a running VM apply at its next start; cores stay pending', async () => {
    await cloneAndWait(9001, 380);
    await pve.put('/nodes/pve1/qemu/380/config', { ipconfig0: 'ip=10.1.1.10/24,gw=10.1.1.1' });
    await pve.runTask('POST', '/nodes/pve1/qemu/380/status/start');
    expect(await pollAgentIp('pve1', 380)).toBe('10.1.1.10');
    await pve.put('/nodes/pve1/qemu/380/config', { ipconfig0: 'ip=10.1.1.20/24,gw=10.1.1.1', cores: 4 });
    expect(await pollAgentIp('pve1', 380)).toBe('10.1.1.10');
    const pendingView = (await pve.get('/nodes/pve1/qemu/380/config')).body.data as Record<string, unknown>;
    const currentView = (await pve.get('/nodes/pve1/qemu/380/config', { current: 1 })).body.data as Record<
      string,
      unknown
    >;
    expect([pendingView.cores, currentView.cores]).toEqual([4, 1]);
    const ci = (await pve.get('/nodes/pve1/qemu/380/cloudinit')).body.data as {
      key: string;
      pending?: string;
    }[];
    expect(ci.find((e) => e.key === 'ipconfig0')?.pending).toBe('ip=10.1.1.20/24,gw=10.1.1.1');
    await pve.runTask('POST', '/nodes/pve1/qemu/380/status/reboot');
    expect(await pollAgentIp('pve1', 380)).toBe('10.1.1.20');
    const applied = (await pve.get('/nodes/pve1/qemu/380/config', { current: 1 })).body.data as Record<
      string,
      unknown
    >;
    expect(applied.cores).toBe(4);
  });

  it('agent errors in PVE order: not configured before not running', async () => {
    await cloneAndWait(9001, 390);
    await pve.put('/nodes/pve1/qemu/390/config', { delete: 'agent' });
    const res = await pve.get('/nodes/pve1/qemu/390/agent/network-get-interfaces');
    expect([res.status, res.reason]).toEqual([500, 'No QEMU guest agent configured']);
  });

  it('tasks: unparseable and unknown UPIDs are parameter errors', async () => {
    const bad = await pve.get('/nodes/pve1/tasks/nonsense/status');
    expect(bad.body.errors).toEqual({ upid: 'unable to parse worker upid' });
    const unknown = await pve.get(
      `/nodes/pve1/tasks/${encodeURIComponent('UPID:pve1:00000001:00000001:00000001:qmstart:100:root@pam:')}/status`,
    );
    expect([unknown.status, unknown.body.errors]).toEqual([400, { upid: 'no such task' }]);
  });

  it('storage list and rrddata answer with plausible numbers', async () => {
    const storage = (await pve.get('/nodes/pve1/storage', { content: 'images', enabled: 1 })).body
      .data as Record<string, unknown>[];
    expect(storage.map((s) => s.storage).sort()).toEqual(['ceph-vm', 'local-lvm']);
    for (const s of storage) expect(Number(s.avail) + Number(s.used)).toBe(s.total);
    const rrd = (await pve.get('/nodes/pve1/qemu/9001/rrddata', { timeframe: 'hour' })).body.data as Record<
      string,
      unknown
    >[];
    expect(rrd).toHaveLength(60);
    expect(rrd.at(-1)).toMatchObject({ time: expect.any(Number), maxmem: 1024 * 1024 ** 2 });
  });
});

describe('time', () => {
  it('concurrent full clones on one node share its storage bandwidth', async () => {
    const slow = await startPveSim({ port: 0, http: true, speed: 20 });
    try {
      const c = pveClient(slow);
      const time = async (ids: number[]) => {
        const started = performance.now();
        const upids = await Promise.all(
          ids.map(async (newid) =>
            String((await c.post('/nodes/pve1/qemu/9001/clone', { newid, full: 1 })).body.data),
          ),
        );
        await Promise.all(upids.map((u) => slow.sim.waitForTask(u)));
        return performance.now() - started;
      };
      const single = await time([500]);
      const triple = await time([501, 502, 503]);
      // One 3 GiB copy at 400 MiB/s is ~8.7 s simulated; three share the bandwidth (~24 s).
      expect(triple / single).toBeGreaterThan(1.8);
      for (const id of [500, 501, 502, 503]) expect(slow.sim.vm(id)?.config.lock).toBeUndefined();
    } finally {
      await slow.stop();
    }
  });
});
