import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, ipAddresses, plans, serverJobs, servers } from '../../src/server/db/schema.ts';
import { createLogger } from '../../src/server/logger.ts';
import { reconcileOnce } from '../../src/server/worker/reconcile.ts';
import { api } from '../helpers/app.ts';
import { orderServer, startStack, waitForServer, type Stack } from '../helpers/orchestration.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const act = (id: string, action: string) =>
  api(stack.app.baseUrl, 'POST', `/api/servers/${id}/actions`, { token: stack.token, body: { action } });
const settled = (status: string) => (s: { status: string }) => s.status === status;

describe('the whole lifecycle through REST, against the PVE simulator', () => {
  it('provisions, acts, and terminates a server', async () => {
    const key =
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm9pTgq0Zm3tJbL6X0Yk0xM8f1Z5Ttn6z0y7hK1b2c3 me@laptop: work';
    const ordered = await orderServer(stack, 'web-1', { sshKeys: [key] });
    expect(ordered.status).toBe('provisioning');

    const running = await waitForServer(stack, ordered.id, settled('running'));
    expect(running.ipAddress).toMatch(/^10\.50\.0\.\d+$/);
    expect(running.progress).toBeNull();

    // The VM exists on PVE with Keel's configuration.
    const vm = Object.values(stack.sim.sim.state().vms).find((v) =>
      String(v.config.description ?? '').includes(ordered.id),
    );
    expect(vm).toBeDefined();
    expect(vm!.config).toMatchObject({ name: 'web-1', cores: 1, agent: expect.anything() });
    expect(String(vm!.config.ipconfig0)).toContain(`ip=${running.ipAddress}/24,gw=10.50.0.1`);
    expect(String(vm!.config.tags)).toContain(`keel-${ordered.id}`);
    expect(decodeURIComponent(String(vm!.config.sshkeys))).toBe(key);
    expect(vm!.status).toBe('running');

    const events = (
      await api(stack.app.baseUrl, 'GET', `/api/servers/${ordered.id}?include=events`, { token: stack.token })
    ).body.events;
    const upids = events.filter((e: { kind: string }) => e.kind === 'pve.task');
    expect(upids.length).toBeGreaterThanOrEqual(3); // clone, resize, start

    expect((await act(ordered.id, 'reboot')).status).toBe(202);
    await waitForServer(stack, ordered.id, settled('running'));
    expect((await act(ordered.id, 'start')).status).toBe(409);

    expect((await act(ordered.id, 'shutdown')).body.server.status).toBe('stopping');
    await waitForServer(stack, ordered.id, settled('stopped'));
    expect(stack.sim.sim.vm(vm!.vmid)!.status).toBe('stopped');

    expect((await act(ordered.id, 'start')).status).toBe(202);
    await waitForServer(stack, ordered.id, settled('running'));

    expect((await act(ordered.id, 'stop')).status).toBe(202);
    await waitForServer(stack, ordered.id, settled('stopped'));

    const del = await api(stack.app.baseUrl, 'DELETE', `/api/servers/${ordered.id}`, { token: stack.token });
    expect(del.status).toBe(202);
    const terminated = await waitForServer(stack, ordered.id, settled('terminated'));
    expect(terminated.status).toBe('terminated');
    expect(stack.sim.sim.vm(vm!.vmid)).toBeUndefined();
    const held = await stack.app.db
      .select()
      .from(ipAddresses)
      .where(eq(ipAddresses.address, running.ipAddress));
    expect(held[0]!.serverId).toBeNull();

    // Hidden from the default list, kept for the audit trail.
    const list = (await api(stack.app.baseUrl, 'GET', '/api/servers', { token: stack.token })).body.servers;
    expect(list.map((s: { id: string }) => s.id)).not.toContain(ordered.id);
    const all = await stack.app.db.select().from(serverJobs).where(eq(serverJobs.serverId, ordered.id));
    expect(all.every((j) => j.state === 'succeeded')).toBe(true);
  }, 60_000);
});

describe('placement', () => {
  it('refuses an order no node of the location can take, with 409 NO_CAPACITY', async () => {
    const [huge] = await stack.app.db
      .insert(plans)
      .values({ slug: 'vps-xxl', name: 'VPS XXL', cpuCores: 8, memoryMb: 256 * 1024, diskGb: 100 })
      .returning();
    const res = await orderServer(stack, 'too-big', { planId: huge!.id }).catch((e: Error) => e.message);
    expect(res).toContain('409');
    expect(res).toContain('NO_CAPACITY');
    expect(res).toContain('262144 MB of memory free');
  });
});

describe('reconciliation', () => {
  it('notices a VM stopped from inside the guest and records it', async () => {
    const ordered = await orderServer(stack, 'drifter');
    await waitForServer(stack, ordered.id, settled('running'));
    const [row] = await stack.app.db.select().from(servers).where(eq(servers.id, ordered.id));
    const upid = await stack.pve.stopVm(row!.pveNode!, row!.pveVmid!);
    await stack.pve.waitForTask(upid, 10_000);

    const changes = await reconcileOnce(stack.app.db, stack.pve, createLogger('silent'));
    expect(changes.corrections).toContainEqual({
      serverId: ordered.id,
      from: 'running',
      to: 'stopped',
      reason: null,
    });
    expect((await waitForServer(stack, ordered.id, settled('stopped'))).status).toBe('stopped');
    const events = await stack.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.serverId, ordered.id), eq(auditEvents.kind, 'server.reconciled')));
    expect(events).toHaveLength(1);
  }, 30_000);
});
