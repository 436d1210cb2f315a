import { and, eq, like } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, serverJobs } from '../../src/server/db/schema.ts';
import { api } from '../helpers/app.ts';
import { orderServer, startStack, waitForServer, type Stack } from '../helpers/orchestration.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timings: { taskTimeoutMs: 1500 } });
});
afterAll(() => stack.close());
afterEach(() => stack.sim.sim.clearFaults());

const settledIn =
  (...statuses: string[]) =>
  (s: { status: string }) =>
    statuses.includes(s.status);
const vmsOf = (serverId: string) =>
  Object.values(stack.sim.sim.state().vms).filter((vm) =>
    String(vm.config.description ?? '').includes(serverId),
  );

describe('PVE faults end in a settled server, never a stuck one', () => {
  it('retries a clone that PVE refuses with a transient 500, then succeeds', async () => {
    stack.sim.sim.setFaults({
      routeErrors: [
        {
          method: 'POST',
          path: '/nodes/{node}/qemu/{vmid}/clone',
          rate: 1,
          status: 500,
          message: 'got no worker upid - start worker failed',
        },
      ],
    });
    const server = await orderServer(stack, 'flaky-clone');
    // Longer than the client's own retries of a refused write, so the job itself must retry.
    await new Promise((r) => setTimeout(r, 4500));
    stack.sim.sim.clearFaults();
    const done = await waitForServer(stack, server.id, settledIn('running', 'error'), 45_000);
    expect(done.status).toBe('running');
    expect(vmsOf(server.id)).toHaveLength(1);
    const retries = await stack.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.serverId, server.id), eq(auditEvents.kind, 'job.retry')));
    expect(retries.length).toBeGreaterThan(0);
  }, 60_000);

  it('ends in error with PVE’s reason when the clone task fails, and leaves no VM behind', async () => {
    stack.sim.sim.setFaults({
      taskFailure: { rate: 1, types: ['qmclone'], message: 'clone failed: storage pool is full' },
    });
    const server = await orderServer(stack, 'doomed-clone');
    const done = await waitForServer(stack, server.id, settledIn('running', 'error'));
    expect(done.status).toBe('error');
    expect(done.statusReason).toContain('storage pool is full');
    expect(vmsOf(server.id)).toHaveLength(0);
    const [job] = await stack.app.db.select().from(serverJobs).where(eq(serverJobs.serverId, server.id));
    expect(job!.state).toBe('failed');
  });

  it('gives up on a task that hangs, after bounded retries, with a reason', async () => {
    stack.sim.sim.setFaults({ taskHang: { rate: 1, types: ['qmstart'] } });
    const server = await orderServer(stack, 'hung-start');
    const done = await waitForServer(stack, server.id, settledIn('running', 'error'), 45_000);
    expect(done.status).toBe('error');
    expect(done.statusReason).toMatch(/did not finish within/);
    const [job] = await stack.app.db.select().from(serverJobs).where(eq(serverJobs.serverId, server.id));
    expect(job!.attempts).toBe(job!.maxAttempts);
  }, 60_000);

  it('reports a guest that ignores ACPI shutdown, and a hard stop still works', async () => {
    const server = await orderServer(stack, 'stubborn');
    await waitForServer(stack, server.id, settledIn('running'));
    stack.sim.sim.setFaults({ ignoreAcpi: true });
    await api(stack.app.baseUrl, 'POST', `/api/servers/${server.id}/actions`, {
      token: stack.token,
      body: { action: 'shutdown' },
    });
    const after = await waitForServer(
      stack,
      server.id,
      (s) => s.status === 'running' && s.statusReason !== null,
    );
    expect(after.statusReason).toContain('did not shut down');
    await api(stack.app.baseUrl, 'POST', `/api/servers/${server.id}/actions`, {
      token: stack.token,
      body: { action: 'stop' },
    });
    expect((await waitForServer(stack, server.id, settledIn('stopped'))).statusReason).toBeNull();
    const tasks = await stack.app.db
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.serverId, server.id),
          eq(auditEvents.kind, 'pve.task'),
          like(auditEvents.message, 'shutdown%'),
        ),
      );
    expect(tasks[0]!.pveUpid).toMatch(/^UPID:pve\d:.*:qmshutdown:/);
  }, 60_000);
});
