/** Writing a job's outcome: the server's patch and the job's completion commit together, or not at all. */
import { eq } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { recordAudits } from '../db/audit.ts';
import type { Tx } from '../db/client.ts';
import { servers } from '../db/schema.ts';
import { LeaseLostError } from '../domain/retry-policy.ts';
import { completeJob } from '../jobs/queue.ts';
import type { JobContext } from './job-context.ts';

export type ServerPatch = PgUpdateSetSource<typeof servers>;

/** Commits the outcome: server patch + job done, if and only if the job is still ours. */
export async function finishJob(
  ctx: JobContext,
  patch: ServerPatch,
  extra?: (tx: Tx) => Promise<void>,
): Promise<void> {
  // The job's events not yet written (its last PVE task's) commit with its outcome, or wait if it does not.
  await ctx.writingAudits((audits) =>
    ctx.db.transaction(async (tx) => {
      // Marking the job done first locks its row; if it is no longer ours, nothing of this commits.
      if (!(await completeJob(tx, ctx.job.id, ctx.owner)))
        throw new LeaseLostError(`job ${ctx.job.id} was taken away`);
      await recordAudits(tx, audits);
      if (Object.keys(patch).length)
        await tx.update(servers).set(patch).where(eq(servers.id, ctx.job.serverId));
      await extra?.(tx);
    }),
  );
}
