// A clone from outside Keel racing Keel's for the same new VMID, as real PVE lets it happen
// (qemu-server API2/Qemu.pm clone_vm writes the new config only after taking the VMID's flock, so
// both clones get a UPID and the loser's task fails with `can't lock file ... - got timeout`).
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, servers } from '../../src/server/db/schema.ts';
import { api } from '../helpers/app.ts';
import { orderServer, startStack, waitForServer, type Stack } from '../helpers/orchestration.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const call = (method: string, path: string, body?: unknown) =>
  api(stack.app.baseUrl, method, `/api${path}`, { token: stack.token, ...(body ? { body } : {}) });

describe('a VMID taken by a clone in flight', () => {
  it('Keel’s clone task fails on the VMID’s lock; Keel picks another VMID and the server runs', async () => {
    // A slow pmxcfs: every clone holds its new VMID's flock for a while before its config exists
    // (10 s at the stack's speed: long enough for Keel to order, claim and place on a loaded machine).
    stack.sim.sim.setFaults({ cloneConfigDelayMs: 1_000_000 });
    const next = Number((await stack.pve.nextId()).toString());
    const outside = await stack.pve.cloneVm('pve1', 9001, { newid: next, name: 'not-keel' });
    const catalog = (await api(stack.app.baseUrl, 'GET', '/api/catalog', { token: stack.token })).body;
    const ubuntu = catalog.images.find((i: { name: string }) => i.name.startsWith('Ubuntu'));
    // Keel's nextid still sees the VMID free (no config yet) and its clone of 9000 runs on pve1 too.
    const server = await orderServer(stack, 'racer', { imageId: ubuntu.id });
    const done = await waitForServer(
      stack,
      server.id,
      (s) => s.status === 'running' || s.status === 'error',
      60_000,
    );
    expect(done.status).toBe('running');
    const [row] = await stack.app.db.select().from(servers).where(eq(servers.id, server.id));
    expect(row!.pveVmid).not.toBe(next);
    const taken = await stack.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.serverId, server.id), eq(auditEvents.kind, 'provision.vmid_taken')));
    expect(taken.map((e) => e.message)).toEqual([
      `VMID ${next} is taken on Proxmox VE (can't lock file '/var/lock/qemu-server/lock-${next}.conf' - got timeout); choosing another`,
    ]);
    // One VM is this server's; the outside clone carries on with its own VMID.
    const mine = Object.values(stack.sim.sim.state().vms).filter((vm) =>
      String(vm.config.description ?? '').includes(server.id),
    );
    expect(mine.map((vm) => vm.vmid)).toEqual([row!.pveVmid]);
    const theirs = await stack.pve.waitForTask(outside, 60_000);
    expect(theirs.ok).toBe(true);
    expect(stack.sim.sim.vm(next)?.config.name).toBe('not-keel');
  }, 90_000);
});

describe('a reinstall’s new VMID taken by a clone in flight', () => {
  it('the new VM’s clone task fails on the VMID’s lock; Keel picks another VMID and the reinstall ends', async () => {
    stack.sim.sim.clearFaults();
    const server = await orderServer(stack, 'reracer');
    const before = await waitForServer(
      stack,
      server.id,
      (s) => s.status === 'running' || s.status === 'error',
    );
    expect(before.status).toBe('running');
    const [old] = await stack.app.db.select().from(servers).where(eq(servers.id, server.id));

    stack.sim.sim.setFaults({ cloneConfigDelayMs: 1_000_000 });
    const next = Number((await stack.pve.nextId()).toString());
    // On the server's node, where the reinstall clones (Debian has a template on each node), so
    // both clones contend for the same flock.
    const node = old!.pveNode!;
    const outside = await stack.pve.cloneVm(node, node === 'pve1' ? 9001 : 9101, {
      newid: next,
      name: 'not-keel-either',
    });
    const catalog = (await call('GET', '/catalog')).body;
    const debian = catalog.images.find((i: { slug: string }) => i.slug === 'debian-12');
    const res = await call('POST', `/servers/${server.id}/reinstall`, {
      imageId: debian.id,
      confirmName: 'reracer',
    });
    expect(res.status).toBe(202);
    const done = await waitForServer(
      stack,
      server.id,
      (s) => s.status === 'running' || s.status === 'error',
      60_000,
    );
    expect([done.status, done.statusReason]).toEqual(['running', null]);
    const [row] = await stack.app.db.select().from(servers).where(eq(servers.id, server.id));
    expect(row!.pveVmid).not.toBe(next);
    expect(row!.pveVmid).not.toBe(old!.pveVmid);
    const taken = await stack.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.serverId, server.id), eq(auditEvents.kind, 'reinstall.vmid_taken')));
    expect(taken.map((e) => e.message)).toEqual([
      `VMID ${next} is taken on Proxmox VE (can't lock file '/var/lock/qemu-server/lock-${next}.conf' - got timeout); choosing another`,
    ]);
    // One VM is this server's, the new one; the outside clone carries on with its own VMID.
    const mine = Object.values(stack.sim.sim.state().vms).filter((vm) =>
      String(vm.config.description ?? '').includes(server.id),
    );
    expect(mine.map((vm) => vm.vmid)).toEqual([row!.pveVmid]);
    expect((await stack.pve.waitForTask(outside, 60_000)).ok).toBe(true);
    expect(stack.sim.sim.vm(next)?.config.name).toBe('not-keel-either');
  }, 120_000);
});
