// Fidelity of VM calls where a client would notice a difference: tags, racing clones, power calls
// on a missing VM, the clone's temporary config. Each case cites the PVE source it follows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPveSim, type PveSim } from './index.ts';
import { pveClient } from './test-client.ts';

let sim: PveSim;
let pve: ReturnType<typeof pveClient>;
/** Slow enough that the clone worker's phases last long enough to be seen from outside. */
let slow: PveSim;
let slowPve: ReturnType<typeof pveClient>;

beforeAll(async () => {
  [sim, slow] = await Promise.all([
    startPveSim({ port: 0, http: true, speed: 40 }),
    startPveSim({ port: 0, http: true, speed: 2 }),
  ]);
  pve = pveClient(sim);
  slowPve = pveClient(slow);
});
afterAll(async () => {
  await Promise.all([sim.stop(), slow.stop()]);
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('tags (pve-guest-common GuestHelpers.pm get_unique_tags, qemu-server API2/Qemu.pm update_vm)', () => {
  it('are stored sorted, lowercased and de-duplicated, and read back so everywhere', async () => {
    await pve.cloneAndWait(9001, 500);
    const put = await pve.put('/nodes/pve1/qemu/500/config', { tags: 'Zeta;keel;alpha;Keel' });
    expect(put.status).toBe(200);
    const config = (await pve.get('/nodes/pve1/qemu/500/config')).body.data as Record<string, unknown>;
    expect(config.tags).toBe('alpha;keel;zeta');
    const status = (await pve.get('/nodes/pve1/qemu/500/status/current')).body.data as Record<
      string,
      unknown
    >;
    expect(status.tags).toBe('alpha;keel;zeta');
    const list = (await pve.get('/nodes/pve1/qemu')).body.data as { vmid: number; tags?: string }[];
    expect(list.find((v) => v.vmid === 500)?.tags).toBe('alpha;keel;zeta');
    const resources = (await pve.get('/cluster/resources', { type: 'vm' })).body.data as {
      vmid: number;
      tags?: string;
    }[];
    expect(resources.find((v) => v.vmid === 500)?.tags).toBe('alpha;keel;zeta');
  });
});

describe('two clones racing for one new VMID (qemu-server API2/Qemu.pm clone_vm, pve-common Tools.pm lock_file_full)', () => {
  it('both get a UPID; the loser fails on the new VMID’s flock; a later clone is refused at once', async () => {
    const [first, second] = await Promise.all([
      slowPve.post('/nodes/pve1/qemu/9001/clone', { newid: 510, full: 1 }),
      slowPve.post('/nodes/pve1/qemu/9000/clone', { newid: 510, full: 1 }),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const loser = await slowPve.waitTask(String(second.body.data));
    expect(loser.exitstatus).toBe("can't lock file '/var/lock/qemu-server/lock-510.conf' - got timeout");
    expect(slow.sim.task(String(second.body.data))?.log).toContain('trying to acquire lock...');
    // The winner carries on, holding the VMID with its locked config.
    const winner = await slowPve.get(
      `/nodes/pve1/tasks/${encodeURIComponent(String(first.body.data))}/status`,
    );
    expect(winner.body.data).toMatchObject({ status: 'running' });
    expect(slow.sim.vm(510)?.config.lock).toBe('clone');
    const late = await slowPve.post('/nodes/pve1/qemu/9001/clone', { newid: 510 });
    expect([late.status, late.reason]).toEqual([500, 'unable to create VM 510: config file already exists']);
    expect((await slowPve.waitTask(String(first.body.data), 60_000)).exitstatus).toBe('OK');
  }, 90_000);
});

describe('the clone’s configs on the way (qemu-server API2/Qemu.pm clone_vm, QemuServer.pm parse_vm_config)', () => {
  it('none at first, then `# qmclone temporary file` read as a description, then the new config, locked', async () => {
    const res = await slowPve.post('/nodes/pve1/qemu/9000/clone', {
      newid: 520,
      name: 'web-520',
      description: 'keel:abc',
      full: 1,
    });
    const upid = String(res.body.data);
    const config = () => slowPve.get('/nodes/pve1/qemu/520/config');
    const temp = await until(config, (r) => r.status === 200);
    expect(temp.body.data).toEqual({
      description: ' qmclone temporary file',
      lock: 'clone',
      digest: expect.any(String),
    });
    const status = (await slowPve.get('/nodes/pve1/qemu/520/status/current')).body.data as Record<
      string,
      unknown
    >;
    expect(status).toMatchObject({ name: 'VM 520', lock: 'clone', status: 'stopped' });
    // After the first drive (ide2, the cloud-init volume) the new config is written, still locked,
    // without the disk still being copied.
    const copying = await until(config, (r) => (r.body.data as Record<string, unknown>).name === 'web-520');
    expect(copying.body.data).toMatchObject({
      name: 'web-520',
      description: 'keel:abc',
      lock: 'clone',
      ide2: 'ceph-vm:vm-520-cloudinit,media=cdrom',
    });
    expect(copying.body.data).not.toHaveProperty('scsi0');
    expect((await slowPve.waitTask(upid, 60_000)).exitstatus).toBe('OK');
    const done = (await config()).body.data as Record<string, unknown>;
    expect(done).not.toHaveProperty('lock');
    expect(done.scsi0).toBe('ceph-vm:vm-520-disk-0,discard=on,iothread=1,size=3584M');
  }, 90_000);
});

describe('power calls on a missing VM (qemu-server API2/Qemu.pm vm_start … vm_resume, QemuConfig.pm assert_config_exists_on_node)', () => {
  it('start, stop, shutdown and resize answer a UPID and their task fails', async () => {
    const cases: [string, string, Record<string, string | number> | undefined, string][] = [
      [
        'POST',
        'status/start',
        undefined,
        "Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist",
      ],
      ['POST', 'status/stop', undefined, "unable to find configuration file for VM 999 on node 'pve1'"],
      ['POST', 'status/shutdown', undefined, "unable to find configuration file for VM 999 on node 'pve1'"],
      [
        'PUT',
        'resize',
        { disk: 'scsi0', size: '+1G' },
        "Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist",
      ],
    ];
    for (const [method, action, params, error] of cases) {
      const res = await pve.call(method, `/nodes/pve1/qemu/999/${action}`, params ? { params } : {});
      expect([action, res.status]).toEqual([action, 200]);
      expect(String(res.body.data)).toMatch(/^UPID:pve1:/);
      expect([action, (await pve.waitTask(String(res.body.data))).exitstatus]).toEqual([action, error]);
    }
  });

  it('reboot, reset, suspend and resume refuse at once, as check_running does', async () => {
    for (const action of ['reboot', 'reset', 'suspend', 'resume']) {
      const res = await pve.post(`/nodes/pve1/qemu/999/status/${action}`);
      expect([action, res.status, res.reason]).toEqual([
        action,
        500,
        "unable to find configuration file for VM 999 on node 'pve1'",
      ]);
    }
    // A VM on another node is missing here as well.
    const elsewhere = await pve.post('/nodes/pve2/qemu/9001/status/reboot');
    expect(elsewhere.reason).toBe("unable to find configuration file for VM 9001 on node 'pve2'");
  });

  it('stop checks the lock only of a running VM (QemuServer.pm _do_vm_stop)', async () => {
    await pve.cloneAndWait(9001, 530);
    expect((await pve.put('/nodes/pve1/qemu/530/config', { lock: 'backup' })).status).toBe(200);
    expect((await pve.runTask('POST', '/nodes/pve1/qemu/530/status/stop')).exitstatus).toBe('OK');
    expect((await pve.runTask('POST', '/nodes/pve1/qemu/530/status/start')).exitstatus).toBe(
      'VM is locked (backup)',
    );
  });
});
