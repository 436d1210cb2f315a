// Fidelity of the status and list answers a client discovers a cluster with: which fields real PVE 9
// sends, when, and with which JSON types. Each case cites the PVE source it follows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPveSim, type PveSim } from './index.ts';
import { pveClient } from './test-client.ts';

let sim: PveSim;
let pve: ReturnType<typeof pveClient>;
type Row = Record<string, unknown>;

const RUNNING_ONLY = [
  'pid',
  ...['cpusome', 'cpufull', 'iosome', 'iofull', 'memorysome', 'memoryfull'].map((p) => `pressure${p}`),
];
const FULL_RUNNING_ONLY = [
  'diskread',
  'diskwrite',
  'blockstat',
  'proxmox-support',
  'running-machine',
  'running-qemu',
  'ballooninfo',
  'nics',
];

function expectTypes(row: Row, types: Record<string, 'integer' | 'number' | 'string' | 'object'>): void {
  for (const [key, type] of Object.entries(types)) {
    const value = row[key];
    const ok =
      type === 'integer'
        ? Number.isInteger(value)
        : type === 'object'
          ? typeof value === 'object' && value !== null
          : typeof value === type;
    expect(ok, `${key} is ${type}, got ${JSON.stringify(value)}`).toBe(true);
  }
}

beforeAll(async () => {
  sim = await startPveSim({ port: 0, http: true, speed: 40 });
  pve = pveClient(sim);
  await pve.cloneAndWait(9001, 600, { name: 'web-600' });
  await pve.put('/nodes/pve1/qemu/600/config', { tags: 'keel' });
  await pve.runTask('POST', '/nodes/pve1/qemu/600/status/start');
  await pve.pollAgentIp('pve1', 600); // booted: the balloon driver reports the guest's memory
  await new Promise((r) => setTimeout(r, 10_000 / 40 + 50)); // pvestatd has sampled every VM
});
afterAll(async () => {
  await sim.stop();
});

describe('GET /nodes/{node}/qemu and status/current (qemu-server QemuServer.pm vmstatus, API2/Qemu.pm vm_status)', () => {
  it('a stopped template: the base fields only, disk always 0', async () => {
    const list = (await pve.get('/nodes/pve1/qemu')).body.data as Row[];
    const template = list.find((v) => v.vmid === 9001)!;
    expect(template).toMatchObject({
      status: 'stopped',
      template: 1,
      serial: 1,
      disk: 0,
      mem: 0,
      memhost: 0,
      uptime: 0,
      cpu: 0,
    });
    expectTypes(template, {
      vmid: 'integer',
      maxdisk: 'integer',
      maxmem: 'integer',
      cpus: 'number',
      name: 'string',
    });
    expect(template.maxdisk).toBe(3 * 1024 ** 3);
    for (const key of [...RUNNING_ONLY, ...FULL_RUNNING_ONLY, 'qmpstatus'])
      expect(template, key).not.toHaveProperty(key);
  });

  it('a running VM in the list: pid and pressures, no QEMU figures unless full=1', async () => {
    const list = (await pve.get('/nodes/pve1/qemu')).body.data as Row[];
    const vm = list.find((v) => v.vmid === 600)!;
    for (const key of RUNNING_ONLY) expect(vm, key).toHaveProperty(key);
    expectTypes(vm, {
      pid: 'integer',
      uptime: 'integer',
      pressurecpusome: 'number',
      mem: 'integer',
      memhost: 'integer',
    });
    expect(vm.mem).toBe(vm.memhost);
    expect(vm.tags).toBe('keel');
    for (const key of [...FULL_RUNNING_ONLY, 'qmpstatus']) expect(vm, key).not.toHaveProperty(key);
    const full = ((await pve.get('/nodes/pve1/qemu', { full: 1 })).body.data as Row[]).find(
      (v) => v.vmid === 600,
    )!;
    for (const key of [...FULL_RUNNING_ONLY, 'qmpstatus']) expect(full, key).toHaveProperty(key);
  });

  it('status/current of a running VM: QEMU’s answers, balloon figures, ha and agent flags', async () => {
    const vm = (await pve.get('/nodes/pve1/qemu/600/status/current')).body.data as Row;
    expect(vm).toMatchObject({
      status: 'running',
      qmpstatus: 'running',
      ha: { managed: 0 },
      agent: 1,
      disk: 0,
      clipboard: null,
    });
    expectTypes(vm, {
      diskread: 'integer',
      diskwrite: 'integer',
      blockstat: 'object',
      'proxmox-support': 'object',
      freemem: 'integer',
    });
    const blockstat = vm.blockstat as Record<string, Row>;
    expect(Object.keys(blockstat).sort()).toEqual(['ide2', 'scsi0']);
    expect(vm.diskread).toBe((blockstat.scsi0!.rd_bytes as number) + (blockstat.ide2!.rd_bytes as number));
    const balloon = vm.ballooninfo as Row;
    expect(vm.mem).toBe((balloon.total_mem as number) - (balloon.free_mem as number));
  });

  it('status/current of a stopped VM: qmpstatus is its status, nothing only a running QEMU knows', async () => {
    const vm = (await pve.get('/nodes/pve1/qemu/9001/status/current')).body.data as Row;
    expect(vm).toMatchObject({
      status: 'stopped',
      qmpstatus: 'stopped',
      disk: 0,
      template: 1,
      ha: { managed: 0 },
    });
    for (const key of [...RUNNING_ONLY, ...FULL_RUNNING_ONLY, 'balloon', 'freemem'])
      expect(vm, key).not.toHaveProperty(key);
  });

  it('cpus is sockets × cores capped at the host’s CPUs', async () => {
    await pve.cloneAndWait(9001, 610);
    await pve.put('/nodes/pve1/qemu/610/config', { cores: 12, sockets: 2 });
    const vm = (await pve.get('/nodes/pve1/qemu/610/status/current')).body.data as Row;
    expect(vm.cpus).toBe(16);
  });
});

describe('GET /cluster/resources (pve-manager API2/Cluster.pm resources, API2Tools.pm extract_*_stats)', () => {
  it('guests, nodes, storages and network zones, with their RRD figures and types', async () => {
    const all = (await pve.get('/cluster/resources')).body.data as Row[];
    expect([...new Set(all.map((r) => r.type))]).toEqual(['qemu', 'node', 'storage', 'network']);
    const vm = all.find((r) => r.id === 'qemu/600')!;
    expect(vm).toMatchObject({
      vmid: 600,
      node: 'pve1',
      status: 'running',
      name: 'web-600',
      template: 0,
      tags: 'keel',
      disk: 0,
    });
    expectTypes(vm, {
      maxcpu: 'number',
      cpu: 'number',
      maxmem: 'integer',
      mem: 'integer',
      memhost: 'integer',
      maxdisk: 'integer',
      netin: 'integer',
      netout: 'integer',
      diskread: 'integer',
      diskwrite: 'integer',
      uptime: 'integer',
    });
    // extract_vm_stats copies exactly these from pvestatd's `pve-vm-9.0` sample (memhost only from
    // that layout), and Cluster.pm adds `lock` and `tags` from the config: no pid, pressures or
    // QEMU figures here, whatever vmstatus knows.
    expect(Object.keys(vm).sort()).toEqual(
      [
        ...['id', 'vmid', 'node', 'type', 'status', 'uptime', 'name', 'template', 'maxcpu', 'cpu'],
        ...['maxmem', 'mem', 'maxdisk', 'disk', 'netin', 'netout', 'diskread', 'diskwrite', 'memhost'],
        'tags',
      ].sort(),
    );
    const template = all.find((r) => r.id === 'qemu/9000')!;
    expect(template).toMatchObject({
      template: 1,
      status: 'stopped',
      diskread: 0,
      diskwrite: 0,
      maxdisk: 3584 * 1024 ** 2,
    });
    const node = all.find((r) => r.id === 'node/pve1')!;
    expect(node).toMatchObject({ type: 'node', node: 'pve1', status: 'online', level: '', 'cgroup-mode': 2 });
    expectTypes(node, {
      cpu: 'number',
      maxcpu: 'integer',
      mem: 'integer',
      maxmem: 'integer',
      disk: 'integer',
      maxdisk: 'integer',
      uptime: 'integer',
    });
    const storage = all.find((r) => r.id === 'storage/pve2/local-lvm')!;
    expect(storage).toMatchObject({
      storage: 'local-lvm',
      node: 'pve2',
      plugintype: 'lvmthin',
      status: 'available',
      shared: 0,
      content: 'images,rootdir',
    });
    expectTypes(storage, { disk: 'integer', maxdisk: 'integer' });
    expect(all.find((r) => r.id === 'storage/pve1/ceph-vm')).toMatchObject({ shared: 1, plugintype: 'rbd' });
    expect(all.find((r) => r.type === 'network')).toEqual({
      id: 'network/pve1/zone/localnetwork',
      type: 'network',
      'network-type': 'zone',
      network: 'localnetwork',
      node: 'pve1',
      status: 'ok',
    });
  });

  it('each type filter lists only its own; sdn is empty where nodes send network resources', async () => {
    for (const [type, kind] of [
      ['vm', 'qemu'],
      ['node', 'node'],
      ['storage', 'storage'],
    ] as const) {
      const rows = (await pve.get('/cluster/resources', { type })).body.data as Row[];
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.type === kind)).toBe(true);
    }
    expect((await pve.get('/cluster/resources', { type: 'sdn' })).body.data).toEqual([]);
  });

  it('a guest without RRD samples yet is `unknown`, but carries its lock from the config', async () => {
    const res = await pve.post('/nodes/pve1/qemu/9001/clone', { newid: 620 });
    const upid = String(res.body.data);
    const locked = async () =>
      ((await pve.get('/cluster/resources', { type: 'vm' })).body.data as Row[]).find((r) => r.vmid === 620);
    const deadline = Date.now() + 10_000;
    let entry = await locked();
    while (!entry && Date.now() < deadline) entry = await locked();
    expect(entry).toEqual({
      id: 'qemu/620',
      vmid: 620,
      node: 'pve1',
      type: 'qemu',
      status: 'unknown',
      lock: 'clone',
    });
    await pve.waitTask(upid);
  });
});

describe('GET /nodes (pve-manager API2/Nodes.pm index)', () => {
  it('has the node certificate’s fingerprint even when served over plain HTTP', async () => {
    const nodes = (await pve.get('/nodes')).body.data as Row[];
    expect(sim.fingerprint).toBeNull();
    for (const node of nodes) {
      expect(node.ssl_fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(node).toMatchObject({ type: 'node', status: 'online', level: '' });
      expectTypes(node, {
        maxcpu: 'integer',
        maxmem: 'integer',
        mem: 'integer',
        cpu: 'number',
        uptime: 'integer',
      });
    }
  });
});

describe('GET /nodes/{node}/storage (pve-storage API2/Storage/Status.pm index, Storage.pm storage_info)', () => {
  it('every field with its type; content keeps storages with any of the types', async () => {
    const images = (await pve.get('/nodes/pve1/storage', { content: 'images', enabled: 1 })).body
      .data as Row[];
    expect(images.map((s) => s.storage).sort()).toEqual(['ceph-vm', 'local-lvm', 'san-lvm']);
    for (const s of images) {
      expect(s).toMatchObject({ active: 1, enabled: 1 });
      expectTypes(s, {
        storage: 'string',
        type: 'string',
        content: 'string',
        shared: 'integer',
        total: 'integer',
        used: 'integer',
        avail: 'integer',
        used_fraction: 'number',
      });
      expect(s.avail).toBe((s.total as number) - (s.used as number));
    }
    const either = (await pve.get('/nodes/pve1/storage', { content: 'iso,images' })).body.data as Row[];
    expect(either.map((s) => s.storage).sort()).toEqual(['ceph-vm', 'local', 'local-lvm', 'san-lvm']);
  });

  it('an unknown storage is a parameter error; format=1 adds the formats', async () => {
    const missing = await pve.get('/nodes/pve1/storage', { storage: 'nope' });
    expect([missing.status, missing.body.errors]).toEqual([400, { storage: 'No such storage.' }]);
    const dir = (await pve.get('/nodes/pve1/storage', { storage: 'local', format: 1 })).body.data as Row[];
    expect(dir[0]).toMatchObject({ formats: { supported: ['qcow2', 'raw', 'vmdk'], default: 'raw' } });
  });
});

describe('a template’s config (qemu-server QemuServer.pm template_create leaves the cloud-init drive as it is)', () => {
  it('template: 1, the cloud-init drive without a size, the base disk with one', async () => {
    const config = (await pve.get('/nodes/pve1/qemu/9000/config')).body.data as Row;
    expect(config).toMatchObject({
      template: 1,
      ide2: 'ceph-vm:vm-9000-cloudinit,media=cdrom',
      scsi0: 'ceph-vm:base-9000-disk-0,discard=on,iothread=1,size=3584M',
      agent: '1',
      ipconfig0: 'ip=dhcp',
    });
    expect(config.digest).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('stale /cluster/resources samples (fault resourcesStaleMs)', () => {
  // Real PVE serves pvestatd's last sample there (pve-manager PVE/Service/pvestatd.pm, every 10 s;
  // API2/Cluster.pm resources reads it from the cluster's RRD cache), while status/current asks QEMU.
  it('shows a guest’s status as it was, while status/current is live, until the lag has passed', async () => {
    const vmStatusIn = async () =>
      ((await pve.get('/cluster/resources', { type: 'vm' })).body.data as Row[]).find((r) => r.vmid === 600)!;
    expect((await vmStatusIn()).status).toBe('running');
    sim.sim.updateFaults({ resourcesStaleMs: 10_000 });
    try {
      await pve.runTask('POST', '/nodes/pve1/qemu/600/status/stop');
      const current = (await pve.get('/nodes/pve1/qemu/600/status/current')).body.data as Row;
      expect(current.status).toBe('stopped');
      expect((await vmStatusIn()).status).toBe('running');
      await new Promise((r) => setTimeout(r, 10_000 / 40 + 100));
      expect(await vmStatusIn()).toMatchObject({ status: 'stopped', cpu: 0, uptime: 0 });
    } finally {
      sim.sim.clearFaults();
    }
    // Without the fault the status is live again.
    await pve.runTask('POST', '/nodes/pve1/qemu/600/status/start');
    expect((await vmStatusIn()).status).toBe('running');
  });
});
