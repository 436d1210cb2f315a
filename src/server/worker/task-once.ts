/**
 * Dispatching a PVE task exactly once across crashes. The moment of dispatch is saved before the
 * request and the UPID right after it; a job resumed between the two looks the task up on the node
 * (same type, same VM, started since then, and not one an earlier job already waited for) instead of
 * dispatching it a second time.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { auditEvents } from '../db/schema.ts';
import type { PveTaskResult } from '../pve/types.ts';
import type { JobContext, TaskLane } from './job-context.ts';

/** PVE's and Keel's clocks are kept by NTP; this much disagreement is still recognised. */
const clockSkewS = 5;

export interface TaskSpec {
  /** The key in the job's progress under which the UPID is kept: one per task of the job. */
  key: string;
  node: string;
  vmid: number;
  /** PVE's task type: qmsnapshot, qmrollback, qmstart, … */
  type: string;
  label: string;
  dispatch: () => Promise<string | null>;
  timeoutMs?: number;
  /** `copy` for a disk copy (clone): the node's places for those are fewer. */
  lane?: TaskLane;
}

type Progress = Record<string, unknown>;

async function findDispatched(ctx: JobContext, spec: TaskSpec, at: number): Promise<string | null> {
  const tasks = await ctx.pve.tasksSince(spec.node, {
    vmid: spec.vmid,
    type: spec.type,
    since: Math.floor(at / 1000) - clockSkewS,
  });
  if (tasks.length === 0) return null;
  const known = await ctx.db
    .select({ upid: auditEvents.pveUpid })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.serverId, ctx.job.serverId),
        inArray(
          auditEvents.pveUpid,
          tasks.map((t) => t.upid),
        ),
      ),
    );
  const waitedFor = new Set(known.map((k) => k.upid));
  // The oldest one nobody waited for: ours, from the run that died before it saved the UPID.
  const ours = tasks.filter((t) => !waitedFor.has(t.upid)).sort((a, b) => a.starttime - b.starttime)[0];
  return ours?.upid ?? null;
}

/**
 * Runs the task of `spec` once: dispatched unless this job already did, then waited for. Null when
 * PVE did the work synchronously (no task). The progress `p` is saved under the job's current step.
 */
export async function runTaskOnce(
  ctx: JobContext,
  p: Progress,
  spec: TaskSpec,
): Promise<PveTaskResult | null> {
  // Dispatched and waited for within one of the node's places, as ctx.runTask does.
  return ctx.onNode(spec.node, spec.lane ?? 'vm', async () => {
    const atKey = `${spec.key}At`;
    const step = ctx.job.step ?? '';
    if (p[spec.key] === undefined && typeof p[atKey] === 'number') {
      const found = await findDispatched(ctx, spec, p[atKey]);
      if (found) {
        ctx.log.info({ pveUpid: found }, `${spec.label}: recognised the task an earlier run dispatched`);
        p[spec.key] = found;
        await ctx.save(step, p);
      }
    }
    if (p[spec.key] === undefined) {
      p[atKey] = Date.now();
      await ctx.save(step, p);
      p[spec.key] = (await spec.dispatch()) ?? null;
      await ctx.save(step, p);
    }
    const upid = p[spec.key] as string | null;
    if (upid === null) return null;
    return ctx.awaitTask(spec.node, spec.label, upid, spec.timeoutMs);
  });
}
