/**
 * Moving a server to a bigger plan. Checked here against the plan sizes (a disk only grows), the
 * host's room and the customer's quota; the new size is the server's from the request on (so the quota
 * counts it at once) and the worker applies it to the VM. The plan change is in the audit trail.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Server } from '../../../shared/api.ts';
import type { Database } from '../../db/client.ts';
import { plans, servers } from '../../db/schema.ts';
import { resizeProblem, type NodeRoom } from '../../domain/resize.ts';
import { appError } from '../../errors.ts';
import type { PveClient } from '../../pve/client.ts';
import { lockForOperation, requirePve } from './operation.ts';
import { checkQuota, type Quota } from './quota.ts';
import { getServer } from './read.ts';
import { queueRequestedJob, type RequestInfo } from './request.ts';

export interface ResizeDeps {
  db: Database;
  pve?: PveClient | undefined;
  quota: Quota;
}

async function nodeRoom(pve: PveClient, node: string): Promise<NodeRoom | null> {
  try {
    const report = (await pve.nodes({ retry: false, timeoutMs: 5000 })).find((n) => n.node === node);
    if (!report) return null;
    return {
      online: report.status === 'online',
      maxCpu: report.maxcpu ?? 0,
      freeMemoryMb: ((report.maxmem ?? 0) - (report.mem ?? 0)) / (1024 * 1024),
    };
  } catch {
    return null;
  }
}

export async function resizeServer(
  deps: ResizeDeps,
  info: RequestInfo,
  input: { id: string; planId: string },
): Promise<Server> {
  const pve = requirePve(deps.pve);
  const [target] = await deps.db
    .select()
    .from(plans)
    .where(and(eq(plans.id, input.planId), eq(plans.active, true)))
    .limit(1);
  if (!target)
    throw appError('VALIDATION_FAILED', 'Invalid request: planId does not name a plan open to orders', {
      fields: { planId: 'does not name a plan open to orders' },
    });
  await deps.db.transaction(async (tx) => {
    // The owner's orders and resizes are serialised, so two at once cannot both slip under the quota.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${info.userId}))`);
    const server = await lockForOperation(tx, info.userId, input.id, 'resize');
    if (server.planId === target.id)
      throw appError('INVALID_STATE', `This server is already on ${target.name}.`);
    const current = { cpuCores: server.cpuCores, memoryMb: server.memoryMb, diskGb: server.diskGb };
    const problem = resizeProblem(current, target, await nodeRoom(pve, server.pveNode));
    if (problem) {
      const code = /host/.test(problem) ? 'NO_CAPACITY' : 'INVALID_STATE';
      throw appError(code, `Cannot move this server to ${target.name}: ${problem}.`);
    }
    await checkQuota(
      tx,
      info.userId,
      deps.quota,
      { cpuCores: target.cpuCores - current.cpuCores, memoryMb: target.memoryMb - current.memoryMb },
      0,
    );
    const [from] = server.planId
      ? await tx.select({ name: plans.name }).from(plans).where(eq(plans.id, server.planId))
      : [];
    await tx
      .update(servers)
      .set({
        status: 'resizing',
        statusReason: null,
        planId: target.id,
        cpuCores: target.cpuCores,
        memoryMb: target.memoryMb,
        diskGb: target.diskGb,
      })
      .where(eq(servers.id, server.id));
    await queueRequestedJob(
      tx,
      info,
      server.id,
      'resize',
      {
        kind: 'server.resize',
        message: `Plan change from ${from?.name ?? 'no plan'} to ${target.name} requested (${target.cpuCores} vCPU, ${target.memoryMb} MB, ${target.diskGb} GB)`,
        data: { fromPlanId: server.planId, toPlanId: target.id, from: current },
      },
      { from: current, wasRunning: server.status === 'running' },
    );
  });
  return getServer(deps.db, info.userId, input.id);
}
