// Snapshots as PVE 9 keeps them: qemu-server Qemu.pm snapshot_list / snapshot / snapshot_cmd_idx /
// get_snapshot_config / update_snapshot_config / rollback / delsnapshot, pve-guest-common
// AbstractConfig.pm snapshot_create (__snapshot_prepare, __snapshot_commit), snapshot_rollback,
// snapshot_delete, QemuConfig.pm's hooks, and pve-storage volume_has_feature.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPveSim, type PveSim } from './index.ts';
import { pveClient } from './test-client.ts';

let sim: PveSim;
let pve: ReturnType<typeof pveClient>;

beforeAll(async () => {
  // Slow enough that a poll sees the locks the tasks hold for ~100 ms.
  sim = await startPveSim({ port: 0, http: true, speed: 10 });
  pve = pveClient(sim);
});
afterAll(async () => {
  await sim.stop();
});

type Row = Record<string, unknown>;
const vmPath = (vmid: number) => `/nodes/pve1/qemu/${vmid}`;
const list = async (vmid: number) => (await pve.get(`${vmPath(vmid)}/snapshot`)).body.data as Row[];
const config = async (vmid: number) => (await pve.get(`${vmPath(vmid)}/config`)).body.data as Row;
const snapshot = (vmid: number, snapname: string, extra: Record<string, string | number> = {}) =>
  pve.runTask('POST', `${vmPath(vmid)}/snapshot`, { snapname, ...extra });
const taskLog = async (upid: string) =>
  ((await pve.get(`/nodes/pve1/tasks/${encodeURIComponent(upid)}/log`)).body.data as { t: string }[]).map(
    (l) => l.t,
  );

describe('GET …/snapshot (snapshot_list)', () => {
  it('a VM without snapshots lists only `current`, "You are here!", with the digest and running 0|1', async () => {
    await pve.cloneAndWait(9001, 600, { name: 'snap-a' });
    const rows = await list(600);
    const digest = (await config(600)).digest;
    expect(rows).toEqual([{ name: 'current', digest, running: 0, description: 'You are here!' }]);
  });
});

describe('POST …/snapshot (snapshot_create)', () => {
  it('a qmsnapshot task under the `snapshot` lock; then the snapshot, and `parent` on the current config', async () => {
    const res = await pve.post(`${vmPath(600)}/snapshot`, {
      snapname: 'before-upgrade',
      description: 'clean',
    });
    const upid = String(res.body.data);
    expect(upid).toMatch(/:qmsnapshot:600:root@pam!keel:$/);
    await expect.poll(async () => (await config(600)).lock).toBe('snapshot');
    const locked = await pve.put(`${vmPath(600)}/config`, { cores: 2 });
    expect([locked.status, locked.reason]).toEqual([500, 'VM is locked (snapshot)']);
    expect((await pve.waitTask(upid)).exitstatus).toBe('OK');
    expect(await taskLog(upid)).toContain(
      "snapshotting 'drive-scsi0' (local-lvm:base-9001-disk-0/vm-600-disk-0)",
    );
    const rows = await list(600);
    const snap = rows.find((r) => r.name === 'before-upgrade');
    expect(snap).toEqual({
      name: 'before-upgrade',
      snaptime: expect.any(Number),
      vmstate: 0,
      description: 'clean',
    });
    expect(Math.abs(Number(snap?.snaptime) - Date.now() / 1000)).toBeLessThan(60);
    expect(rows.at(-1)).toMatchObject({ name: 'current', parent: 'before-upgrade' });
    const current = await config(600);
    expect(current.parent).toBe('before-upgrade');
    expect(current.lock).toBeUndefined();
  });

  it('a second snapshot is the child of the first; a used name fails the task', async () => {
    await snapshot(600, 'second');
    const rows = await list(600);
    expect(rows.find((r) => r.name === 'second')).toMatchObject({
      parent: 'before-upgrade',
      description: '',
    });
    const again = await snapshot(600, 'second');
    expect(again.exitstatus).toBe("snapshot name 'second' already used");
    expect((await config(600)).lock).toBeUndefined();
  });

  it('reserved and malformed names are refused before any task (pve-snapshot-name, pve-configid)', async () => {
    const current = await pve.post(`${vmPath(600)}/snapshot`, { snapname: 'current' });
    expect([current.status, current.reason]).toEqual([
      500,
      "unable to use snapshot name 'current' (reserved name)",
    ]);
    const pending = await pve.post(`${vmPath(600)}/snapshot`, { snapname: 'Pending' });
    expect(pending.reason).toBe("unable to use snapshot name 'pending' (reserved name)");
    for (const bad of ['a', '1st', 'with space', 'dots.not']) {
      const res = await pve.post(`${vmPath(600)}/snapshot`, { snapname: bad });
      expect(res.status, bad).toBe(400);
      expect(res.body.errors?.snapname).toBe(`invalid format - invalid configuration ID '${bad}'\n`);
    }
    const long = await pve.post(`${vmPath(600)}/snapshot`, { snapname: `s${'x'.repeat(40)}` });
    expect(long.body.errors?.snapname).toBe('value may only be 40 characters long');
  });

  it('a storage that cannot snapshot: raw volumes on thick LVM fail with "snapshot feature is not available"', async () => {
    await pve.cloneAndWait(9001, 601, { name: 'on-san', full: 1, storage: 'san-lvm' });
    expect(String((await config(601)).scsi0)).toMatch(/^san-lvm:vm-601-disk-0,/);
    const task = await snapshot(601, 'nope');
    expect(task.exitstatus).toBe('snapshot feature is not available');
    expect(await list(601)).toHaveLength(1);
    expect((await config(601)).lock).toBeUndefined();
  });

  it('a template cannot be snapshotted', async () => {
    const task = await snapshot(9001, 'tpl');
    expect(task.exitstatus).toBe("you can't take a snapshot if it's a template");
  });

  it('vmstate=1 on a running VM saves the RAM to a state volume; on a stopped one it is ignored', async () => {
    await pve.cloneAndWait(9001, 602, { name: 'with-ram' });
    const stopped = await snapshot(602, 'cold', { vmstate: 1 });
    expect(stopped.exitstatus).toBe('OK');
    await pve.runTask('POST', `${vmPath(602)}/status/start`);
    const hot = await pve.post(`${vmPath(602)}/snapshot`, { snapname: 'hot', vmstate: 1 });
    const upid = String(hot.body.data);
    await pve.waitTask(upid);
    expect(await taskLog(upid)).toContain("saving VM state and RAM using storage 'local-lvm'");
    const rows = await list(602);
    expect(rows.find((r) => r.name === 'cold')?.vmstate).toBe(0);
    expect(rows.find((r) => r.name === 'hot')?.vmstate).toBe(1);
    expect(rows.at(-1)).toMatchObject({ name: 'current', running: 1, parent: 'hot' });
    const hotConfig = (await pve.get(`${vmPath(602)}/snapshot/hot/config`)).body.data as Row;
    expect(hotConfig).toMatchObject({
      vmstate: 'local-lvm:vm-602-state-hot',
      runningmachine: 'pc-i440fx-9.2+pve1',
      parent: 'cold',
    });
  });
});

describe('snapshot config (get_snapshot_config, update_snapshot_config, GET config ?snapshot)', () => {
  it('GET returns the section as stored; PUT changes only the description', async () => {
    const snap = (await pve.get(`${vmPath(600)}/snapshot/second/config`)).body.data as Row;
    expect(snap).toMatchObject({
      name: 'snap-a',
      cores: 1,
      parent: 'before-upgrade',
      snaptime: expect.any(Number),
    });
    expect(snap.lock).toBeUndefined();
    const put = await pve.put(`${vmPath(600)}/snapshot/second/config`, { description: 'after patching' });
    expect([put.status, put.body.data]).toEqual([200, null]);
    expect((await list(600)).find((r) => r.name === 'second')?.description).toBe('after patching');
    const missing = await pve.put(`${vmPath(600)}/snapshot/nosuch/config`, { description: 'x' });
    expect([missing.status, missing.reason]).toEqual([500, "snapshot 'nosuch' does not exist"]);
    // Without a description nothing is looked at, not even the snapshot.
    expect((await pve.put(`${vmPath(600)}/snapshot/nosuch/config`)).status).toBe(200);
    const get = await pve.get(`${vmPath(600)}/snapshot/nosuch/config`);
    expect([get.status, get.reason]).toEqual([500, "snapshot 'nosuch' does not exist"]);
  });

  it('GET …/snapshot/{snapname} is the index of rollback and config, for any name', async () => {
    const res = await pve.get(`${vmPath(600)}/snapshot/whatever`);
    expect(res.body.data).toEqual([{ cmd: 'rollback' }, { cmd: 'config' }]);
  });

  it('GET config?snapshot= reads the section with the file digest; with current=1 it is a parameter error', async () => {
    const snap = (await pve.get(`${vmPath(600)}/config`, { snapshot: 'second' })).body.data as Row;
    expect(snap.description).toBe('after patching');
    expect(snap.digest).toBe((await config(600)).digest);
    const both = await pve.get(`${vmPath(600)}/config`, { snapshot: 'second', current: 1 });
    expect(both.status).toBe(400);
    expect(both.body.errors).toEqual({
      snapshot: "cannot use 'snapshot' parameter with 'current'",
      current: "cannot use 'snapshot' parameter with 'current'",
    });
  });
});

describe('POST …/snapshot/{snapname}/rollback (snapshot_rollback)', () => {
  it('restores cores and memory, drops pending changes, keeps the description, a new vmgenid, parent = snapshot', async () => {
    await pve.cloneAndWait(9001, 610, { name: 'roll' });
    await pve.put(`${vmPath(610)}/config`, { description: 'keep me' });
    await snapshot(610, 'small');
    const before = await config(610);
    await pve.put(`${vmPath(610)}/config`, { cores: 4, memory: '4096', scsi1: 'local-lvm:2' });
    await pve.runTask('POST', `${vmPath(610)}/status/start`);
    await pve.put(`${vmPath(610)}/config`, { sockets: 2 }); // pending on the running VM
    const res = await pve.post(`${vmPath(610)}/snapshot/small/rollback`);
    const upid = String(res.body.data);
    expect(upid).toMatch(/:qmrollback:610:/);
    await expect.poll(async () => (await config(610)).lock, { timeout: 10_000 }).toBe('rollback');
    expect((await pve.waitTask(upid)).exitstatus).toBe('OK');
    const after = await config(610);
    expect(after).toMatchObject({ cores: 1, memory: '1024', parent: 'small', description: 'keep me' });
    expect(after.sockets).toBe(1);
    expect(after.scsi1).toBeUndefined();
    // The disk made after the snapshot is not lost: it is an unused volume now.
    expect(after.unused0).toBe('local-lvm:vm-610-disk-1');
    expect(after.vmgenid).not.toBe(before.vmgenid);
    expect((await pve.get(`${vmPath(610)}/pending`)).body.data).not.toContainEqual(
      expect.objectContaining({ pending: expect.anything() }),
    );
    // A running VM is stopped by the rollback (vm_stop, no shutdown) and stays stopped.
    expect(((await pve.get(`${vmPath(610)}/status/current`)).body.data as Row).status).toBe('stopped');
  });

  it('start=1 boots the VM afterwards with a qmstart task of its own', async () => {
    const upid = String((await pve.post(`${vmPath(610)}/snapshot/small/rollback`, { start: 1 })).body.data);
    expect((await pve.waitTask(upid)).exitstatus).toBe('OK');
    await expect
      .poll(async () => ((await pve.get(`${vmPath(610)}/status/current`)).body.data as Row).status, {
        timeout: 10_000,
      })
      .toBe('running');
    const tasks = (await pve.get('/nodes/pve1/tasks', { vmid: 610, typefilter: 'qmstart' })).body
      .data as Row[];
    expect(tasks.length).toBeGreaterThanOrEqual(2);
  });

  it('a snapshot with RAM resumes the VM inside the rollback task', async () => {
    await pve.runTask('POST', `${vmPath(602)}/status/stop`);
    const task = await pve.runTask('POST', `${vmPath(602)}/snapshot/hot/rollback`);
    expect(task.exitstatus).toBe('OK');
    expect(((await pve.get(`${vmPath(602)}/status/current`)).body.data as Row).status).toBe('running');
    const current = await config(602);
    expect(current.runningmachine).toBeUndefined();
    expect(current.vmstate).toBeUndefined();
  });

  it('a missing snapshot or a template fails the task', async () => {
    expect((await pve.runTask('POST', `${vmPath(610)}/snapshot/gone/rollback`)).exitstatus).toBe(
      "snapshot 'gone' does not exist",
    );
    expect((await pve.runTask('POST', `${vmPath(9001)}/snapshot/x1/rollback`)).exitstatus).toBe(
      "you can't rollback if vm is a template",
    );
  });
});

describe('DELETE …/snapshot/{snapname} (snapshot_delete)', () => {
  it("a qmdelsnapshot task under `snapshot-delete`; the children move to the deleted one's parent", async () => {
    await pve.cloneAndWait(9001, 620, { name: 'chain' });
    await snapshot(620, 'one');
    await snapshot(620, 'two');
    await snapshot(620, 'three');
    const res = await pve.del(`${vmPath(620)}/snapshot/two`);
    const upid = String(res.body.data);
    expect(upid).toMatch(/:qmdelsnapshot:620:/);
    await expect.poll(async () => (await config(620)).lock).toBe('snapshot-delete');
    expect((await pve.waitTask(upid)).exitstatus).toBe('OK');
    expect(await taskLog(upid)).toContain('  Logical volume "snap_vm-620-disk-0_two" successfully removed.');
    const rows = await list(620);
    expect(rows.map((r) => r.name)).toEqual(['one', 'three', 'current']);
    expect(rows.find((r) => r.name === 'three')?.parent).toBe('one');
    expect(rows.at(-1)?.parent).toBe('three');
    await pve.runTask('DELETE', `${vmPath(620)}/snapshot/three`);
    expect((await list(620)).at(-1)?.parent).toBe('one');
    await pve.runTask('DELETE', `${vmPath(620)}/snapshot/one`);
    expect((await list(620)).at(-1)).toEqual({
      name: 'current',
      digest: expect.any(String),
      running: 0,
      description: 'You are here!',
    });
    expect((await config(620)).parent).toBeUndefined();
  });

  it('a missing snapshot fails the task; a locked VM too', async () => {
    expect((await pve.runTask('DELETE', `${vmPath(620)}/snapshot/none`)).exitstatus).toBe(
      "snapshot 'none' does not exist",
    );
    await snapshot(620, 'keep');
    const slow = await pve.post(`${vmPath(620)}/snapshot`, { snapname: 'busy' });
    await expect.poll(async () => (await config(620)).lock).toBe('snapshot');
    const locked = await pve.runTask('DELETE', `${vmPath(620)}/snapshot/keep`);
    expect(locked.exitstatus).toBe('VM is locked (snapshot)');
    await pve.waitTask(String(slow.body.data));
  });

  it('a VM with snapshots (and a RAM state) is destroyed without purge; its state volume goes with it', async () => {
    const used = async () =>
      ((await pve.get('/nodes/pve1/storage', { storage: 'local-lvm' })).body.data as Row[])[0]
        ?.used as number;
    const withState = await used();
    await pve.runTask('POST', `${vmPath(602)}/status/stop`);
    expect((await pve.runTask('DELETE', vmPath(602))).exitstatus).toBe('OK');
    const freed = withState - (await used());
    // The 3 GiB disk and the state volume (2 × 1024 MiB + 500 MiB).
    expect(freed).toBe(3 * 1024 ** 3 + (2 * 1024 + 500) * 1024 ** 2);
  });
});

// Qemu.pm vm_feature (GET …/feature): `{hasFeature, nodes}`, has_feature over every volume of the
// config or of the named snapshot; nodes are shared_nodes (empty with a local volume).
describe('GET …/feature (vm_feature)', () => {
  it('snapshot: true on thin LVM, false on thick LVM raw volumes; a missing snapshot is an error', async () => {
    const feature = async (vmid: number, query: Record<string, string>) =>
      pve.get(`${vmPath(vmid)}/feature`, query);
    expect((await feature(600, { feature: 'snapshot' })).body.data).toEqual({ hasFeature: true, nodes: [] });
    expect((await feature(601, { feature: 'snapshot' })).body.data).toEqual({
      hasFeature: false,
      nodes: ['pve1', 'pve2'],
    });
    const missing = await feature(600, { feature: 'snapshot', snapname: 'never-taken' });
    expect([missing.status, missing.reason]).toEqual([500, "snapshot 'never-taken' does not exist"]);
    const bad = await feature(600, { feature: 'teleport' });
    expect(bad.status).toBe(400);
  });
});
