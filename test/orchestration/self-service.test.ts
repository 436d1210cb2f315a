/**
 * Self-service against the PVE simulator, end to end through REST with a worker: the SSH keychain at
 * order, snapshots (limit, rollback, a storage that cannot snapshot), the root password by agent and
 * by cloud-init, resize to a bigger plan, and reinstall with a new image keeping id, address and plan.
 */
import { eq, isNotNull } from 'drizzle-orm';
import { verify } from 'unixcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { images, plans, serverJobs, servers } from '../../src/server/db/schema.ts';
import { api } from '../helpers/app.ts';
import { orderServer, startStack, waitForServer, type Stack } from '../helpers/orchestration.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const key =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM++uflIRBCouiM+O0JXnmYTo6jN2r5mMYZP7rj3GUou user@host-ed25519';
const call = (method: string, path: string, body?: unknown) =>
  api(stack.app.baseUrl, method, `/api${path}`, { token: stack.token, ...(body ? { body } : {}) });
const settled = (s: { status: string }) =>
  s.status === 'running' || s.status === 'stopped' || s.status === 'error';
const vmOf = async (id: string) => {
  const [row] = await stack.app.db.select().from(servers).where(eq(servers.id, id));
  return stack.sim.sim.vm(row!.pveVmid!)!;
};
const keelVms = (id: string) =>
  Object.values(stack.sim.sim.state().vms).filter((v) =>
    String(v.config.description ?? '').includes(`keel:${id}`),
  );
async function snapshotsSettled(id: string) {
  for (let i = 0; i < 400; i++) {
    const list = (await call('GET', `/servers/${id}/snapshots`)).body;
    if (list.pending === null) return list;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('snapshot operation did not finish');
}

describe('the SSH keychain', () => {
  it('stores a key with its SHA256 fingerprint, refuses a duplicate, and gives it to an order', async () => {
    const created = await call('POST', '/ssh-keys', { name: 'laptop', publicKey: `  ${key}  ` });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/ssh-keys/${created.body.sshKey.id}`);
    expect(created.body.sshKey).toMatchObject({
      name: 'laptop',
      publicKey: key,
      type: 'ssh-ed25519',
      bits: 256,
      fingerprint: 'SHA256:TiNOjFLzWFQslHp2B/U28RTI64qNe3AyvToZCvIyXWE',
    });
    const again = await call('POST', '/ssh-keys', { name: 'again', publicKey: key });
    expect(again.status).toBe(409);
    const bad = await call('POST', '/ssh-keys', { name: 'bad', publicKey: 'ssh-ed25519 AAAA' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields)).toEqual(['publicKey']);
    expect((await call('GET', '/ssh-keys')).body.sshKeys).toHaveLength(1);

    const order = await orderServer(stack, 'keys-1', { sshKeyIds: [created.body.sshKey.id] });
    await waitForServer(stack, order.id, settled);
    expect(decodeURIComponent(String((await vmOf(order.id)).config.sshkeys))).toBe(key);

    const foreign = await call('POST', '/servers', {
      name: 'keys-2',
      planId: (await stack.app.db.select().from(plans))[0]!.id,
      imageId: order.image.id,
      locationId: order.location.id,
      sshKeyIds: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(foreign.status).toBe(400);
    expect(Object.keys(foreign.body.error.fields)).toEqual(['sshKeyIds.0']);

    expect((await call('DELETE', `/ssh-keys/${created.body.sshKey.id}`)).status).toBe(200);
    expect((await call('DELETE', `/ssh-keys/${created.body.sshKey.id}`)).status).toBe(404);
  });
});

describe('snapshots', () => {
  it('takes, lists, rolls back to and deletes snapshots, up to the plan limit', async () => {
    const server = await orderServer(stack, 'snap-1');
    await waitForServer(stack, server.id, settled);
    await stack.app.db.update(plans).set({ snapshotLimit: 2 }).where(isNotNull(plans.id));

    expect((await call('POST', `/servers/${server.id}/snapshots`, { name: 'first' })).status).toBe(202);
    // One operation at a time.
    const overlapping = await call('POST', `/servers/${server.id}/snapshots`, { name: 'second' });
    expect(overlapping.status).toBe(409);
    expect(overlapping.body.error.message).toContain('in progress');
    await snapshotsSettled(server.id);
    const vm = await vmOf(server.id);
    await stack.pve.updateVmConfig(vm.node, vm.vmid, { cores: 3 }); // a change the rollback undoes
    expect((await call('POST', `/servers/${server.id}/snapshots`, { name: 'second' })).status).toBe(202);
    await snapshotsSettled(server.id);
    const full = await call('POST', `/servers/${server.id}/snapshots`, { name: 'third' });
    expect([full.status, full.body.error.message]).toEqual([
      422,
      "This server's plan allows 2 snapshots at once; delete one before taking another.",
    ]);
    const list = (await call('GET', `/servers/${server.id}/snapshots`)).body;
    expect(list.snapshots.map((s: { name: string }) => s.name)).toEqual(['first', 'second']);
    expect(list.limit).toBe(2);

    expect((await call('POST', `/servers/${server.id}/snapshots/first/rollback`)).status).toBe(202);
    await snapshotsSettled(server.id);
    const after = await waitForServer(stack, server.id, settled);
    expect(after.status).toBe('running'); // it was running, so it is started again
    expect(Number((await vmOf(server.id)).config.cores)).toBe(1);
    expect((await vmOf(server.id)).config.parent).toBe('first');

    expect((await call('DELETE', `/servers/${server.id}/snapshots/second`)).status).toBe(202);
    expect((await snapshotsSettled(server.id)).snapshots.map((s: { name: string }) => s.name)).toEqual([
      'first',
    ]);
    expect((await call('DELETE', `/servers/${server.id}/snapshots/never`)).status).toBe(404);
    await stack.app.db.update(plans).set({ snapshotLimit: 3 }).where(isNotNull(plans.id));
  });

  it('says so clearly when the storage cannot snapshot', async () => {
    // An image whose template is on the shared thick LVM (raw volumes): its full clones stay there.
    const upid = await stack.pve.cloneVm('pve1', 9001, {
      newid: 9500,
      name: 'debian-12-san',
      full: true,
      storage: 'san-lvm',
    });
    expect((await stack.pve.waitForTask(upid, 30_000)).ok).toBe(true);
    await stack.pve.request('POST', '/nodes/pve1/qemu/9500/template');
    await expect.poll(async () => (await stack.pve.vmConfig('pve1', 9500)).template).toBe(1);
    await stack.app.db
      .insert(images)
      .values({ slug: 'debian-12-san', name: 'Debian 12 (SAN)', pveTemplates: { '*': 9500 } });
    const catalog = (await call('GET', '/catalog')).body;
    const san = catalog.images.find((i: { slug: string }) => i.slug === 'debian-12-san');
    const server = await orderServer(stack, 'snap-san', { imageId: san.id });
    await waitForServer(stack, server.id, settled);
    expect(String((await vmOf(server.id)).config.scsi0)).toMatch(/^san-lvm:/);
    const res = await call('POST', `/servers/${server.id}/snapshots`, { name: 'nope' });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe(
      "This server's disk is on storage that cannot take snapshots, so snapshots are not available for it.",
    );
    await stack.app.db.update(images).set({ active: false }).where(eq(images.slug, 'debian-12-san'));
  });
});

describe('the root password', () => {
  it('is set by the guest agent without a reboot, shown once, and never stored or logged', async () => {
    const server = await orderServer(stack, 'pw-agent');
    await waitForServer(stack, server.id, settled);
    const before = (await vmOf(server.id)).startedAt;
    const res = await call('POST', `/servers/${server.id}/root-password`);
    expect(res.status).toBe(202);
    const password = res.body.password as string;
    expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
    await expect
      .poll(async () => {
        const jobs = await stack.app.db.select().from(serverJobs).where(eq(serverJobs.serverId, server.id));
        return jobs.every((j) => j.state === 'succeeded');
      })
      .toBe(true);
    expect((await vmOf(server.id)).guestPasswords?.root?.setBy).toBe('agent');
    const vm = await vmOf(server.id);
    expect(verify(password, vm.guestPasswords!.root!.hash)).toBe(true);
    expect(vm.startedAt).toBe(before); // no reboot
    expect(vm.config.cipassword).toBeUndefined();
    const rows = await stack.app.db.select({ progress: serverJobs.progress }).from(serverJobs);
    expect(JSON.stringify(rows)).not.toContain(password);
    expect(JSON.stringify(rows)).not.toContain('passwordHash');
    expect(stack.app.logLines.join('\n')).not.toContain(password);
  });

  it('falls back to cloud-init with a reboot when the agent does not answer', async () => {
    const server = await orderServer(stack, 'pw-ci');
    await waitForServer(stack, server.id, settled);
    const vm = await vmOf(server.id);
    stack.sim.sim.updateFaults({ agentNeverAnswers: [vm.vmid] });
    const chosen = 'Chosen-Password-42!';
    const res = await call('POST', `/servers/${server.id}/root-password`, { password: chosen });
    expect(res.body.password).toBe(chosen);
    await expect
      .poll(async () => (await vmOf(server.id)).guestPasswords?.root?.setBy, { timeout: 30_000 })
      .toBe('cloud-init');
    stack.sim.sim.updateFaults({ agentNeverAnswers: [] });
    const after = await vmOf(server.id);
    expect(verify(chosen, String(after.config.cipassword))).toBe(true);
    expect(after.config.ciuser).toBe('root');
    await waitForServer(stack, server.id, (s) => s.status === 'running');
  });
});

describe('resize', () => {
  it('moves to a bigger plan: cores and memory after a reboot, the disk grown; smaller plans refused', async () => {
    const server = await orderServer(stack, 'grow-1');
    await waitForServer(stack, server.id, settled);
    const [, m] = await stack.app.db.select().from(plans).orderBy(plans.memoryMb);
    const res = await call('POST', `/servers/${server.id}/resize`, { planId: m!.id });
    expect(res.status).toBe(202);
    expect(res.body.server.status).toBe('resizing');
    const done = await waitForServer(stack, server.id, settled);
    expect(done).toMatchObject({ status: 'running', cpuCores: 2, memoryMb: 4096, diskGb: 80 });
    const vm = await vmOf(server.id);
    expect([Number(vm.config.cores), Number(vm.config.memory)]).toEqual([2, 4096]);
    expect(Object.keys(vm.pending)).toEqual([]);
    expect(String(vm.config.scsi0)).toContain('size=80G');

    const [s] = await stack.app.db.select().from(plans).orderBy(plans.memoryMb);
    const smaller = await call('POST', `/servers/${server.id}/resize`, { planId: s!.id });
    expect(smaller.status).toBe(409);
    expect(smaller.body.error.message).toContain('disks only grow');
  });
});

describe('reinstall', () => {
  it('rebuilds from another image with the same id, address and plan, one VM in the end', async () => {
    const server = await orderServer(stack, 're-1');
    const running = await waitForServer(stack, server.id, settled);
    const oldVm = await vmOf(server.id);
    const catalog = (await call('GET', '/catalog')).body;
    const debian = catalog.images.find((i: { slug: string }) => i.slug === 'debian-12');

    const wrong = await call('POST', `/servers/${server.id}/reinstall`, {
      imageId: debian.id,
      confirmName: 're-2',
    });
    expect(wrong.status).toBe(400);
    expect(Object.keys(wrong.body.error.fields)).toEqual(['confirmName']);

    const res = await call('POST', `/servers/${server.id}/reinstall`, {
      imageId: debian.id,
      confirmName: 're-1',
      rootPassword: 'Reinstall-Pass-123',
    });
    expect(res.status).toBe(202);
    expect(res.body.server.status).toBe('reinstalling');
    const done = await waitForServer(stack, server.id, settled, 60_000);
    expect(done).toMatchObject({ id: server.id, status: 'running', ipAddress: running.ipAddress });
    expect(done.image.slug).toBe('debian-12');
    const vms = keelVms(server.id);
    expect(vms).toHaveLength(1);
    expect(vms[0]!.vmid).not.toBe(oldVm.vmid);
    expect(String(vms[0]!.config.ipconfig0)).toContain(`ip=${running.ipAddress}/`);
    expect(verify('Reinstall-Pass-123', String(vms[0]!.config.cipassword))).toBe(true);
  });
});
