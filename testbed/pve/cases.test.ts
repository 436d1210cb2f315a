// Fidelity: each error case answers with PVE's status line, reason phrase, body and task outcome.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPveSim, type PveSim } from './index.ts';
import { pveClient, sshKey } from './test-client.ts';

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

  // qemu-server API2/Qemu.pm clone_vm writes the temporary config on its own node with
  // pve-common File.pm file_set_contents, outside the eval that adds `clone failed: `.
  it("a newid taken on another node fails inside the task, naming this node's config path", async () => {
    const res = await pve.post('/nodes/pve2/qemu/9101/clone', { newid: 9001 });
    expect(res.status).toBe(200);
    const task = await pve.waitTask(String(res.body.data));
    expect(task.exitstatus).toBe(
      "close (rename) atomic file '/etc/pve/nodes/pve2/qemu-server/9001.conf' failed: File exists",
    );
    expect(sim.sim.vm(9001)?.config).toMatchObject({ template: 1, name: 'debian-12-cloudinit' });
  });

  it('clones a shared-storage template to another node', async () => {
    await pve.cloneAndWait(9000, 332, { target: 'pve2' });
    const onTarget = await pve.get('/nodes/pve2/qemu/332/status/current');
    expect(onTarget.status).toBe(200);
    const resources = (await pve.get('/cluster/resources', { type: 'vm' })).body.data as {
      vmid: number;
      node: string;
    }[];
    expect(resources.find((r) => r.vmid === 332)?.node).toBe('pve2');
  });

  it('power errors: not running, template start, already running', async () => {
    await pve.cloneAndWait(9001, 340);
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
    await pve.cloneAndWait(9001, 350);
    const raw = await pve.put('/nodes/pve1/qemu/350/config', { sshkeys: sshKey('x') });
    expect(raw.status).toBe(400);
    expect(raw.body.errors?.sshkeys).toMatch(/^invalid format - invalid urlencoded string: ssh-ed25519 /);
    const invalid = await pve.put('/nodes/pve1/qemu/350/config', {
      sshkeys: encodeURIComponent('ssh-rsa AAAAnotakey user'),
    });
    expect([invalid.status, invalid.reason]).toEqual([500, 'SSH public key validation error']);
  });

  it('capacity: vCPUs and memory beyond the node fail at start, disk beyond storage at resize', async () => {
    await pve.cloneAndWait(9001, 360);
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
    await pve.cloneAndWait(9001, 370);
    expect((await pve.put('/nodes/pve1/qemu/370/config')).reason).toBe('no options specified');
    expect((await pve.put('/nodes/pve1/qemu/370/config', { cores: 2, digest: 'a'.repeat(40) })).reason).toBe(
      'checksum mismatch (file change by other user?)',
    );
    expect((await pve.put('/nodes/pve1/qemu/370/config', { balloon: 4096 })).reason).toBe(
      'balloon value too large (must be smaller than assigned memory)',
    );
  });

  it('cloud-init changes on a running VM apply at its next start; cores stay pending', async () => {
    await pve.cloneAndWait(9001, 380);
    await pve.put('/nodes/pve1/qemu/380/config', { ipconfig0: 'ip=10.1.1.10/24,gw=10.1.1.1' });
    await pve.runTask('POST', '/nodes/pve1/qemu/380/status/start');
    expect(await pve.pollAgentIp('pve1', 380)).toBe('10.1.1.10');
    await pve.put('/nodes/pve1/qemu/380/config', { ipconfig0: 'ip=10.1.1.20/24,gw=10.1.1.1', cores: 4 });
    expect(await pve.pollAgentIp('pve1', 380)).toBe('10.1.1.10');
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
    expect(await pve.pollAgentIp('pve1', 380)).toBe('10.1.1.20');
    const applied = (await pve.get('/nodes/pve1/qemu/380/config', { current: 1 })).body.data as Record<
      string,
      unknown
    >;
    expect(applied.cores).toBe(4);
  });

  it('agent errors in PVE order: not configured before not running', async () => {
    await pve.cloneAndWait(9001, 390);
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
