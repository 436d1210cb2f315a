/** Per-customer limits on what they may run at once. */
import { and, eq, ne, sql } from 'drizzle-orm';
import type { Config } from '../../config.ts';
import type { Tx } from '../../db/client.ts';
import { servers, users } from '../../db/schema.ts';
import { appError } from '../../errors.ts';

/** The configured defaults (QUOTA_MAX_*); a user's own `max_servers` overrides the server count. */
export type Quota = Config['quota'];

/**
 * Refuses an order that would take the user past their quota, counting every server not terminated.
 * One statement: the user's override and their usage are read together.
 */
export async function checkQuota(
  tx: Tx,
  userId: string,
  defaults: Quota,
  plan: { cpuCores: number; memoryMb: number },
  /** 1 for an order; 0 for a resize, where `plan` is what the server adds to its current size. */
  newServers = 1,
): Promise<void> {
  const [used] = await tx
    .select({
      servers: sql<number>`count(*)::int`,
      cores: sql<number>`coalesce(sum(${servers.cpuCores}), 0)::int`,
      memoryMb: sql<number>`coalesce(sum(${servers.memoryMb}), 0)::int`,
      maxServers: sql<number | null>`(${tx
        .select({ maxServers: users.maxServers })
        .from(users)
        .where(eq(users.id, userId))})`,
    })
    .from(servers)
    .where(and(eq(servers.userId, userId), ne(servers.status, 'terminated')));
  const u = used ?? { servers: 0, cores: 0, memoryMb: 0, maxServers: null };
  const quota = { ...defaults, maxServers: u.maxServers ?? defaults.maxServers };
  const over =
    u.servers + newServers > quota.maxServers
      ? `at most ${quota.maxServers} servers`
      : u.cores + plan.cpuCores > quota.maxCores
        ? `at most ${quota.maxCores} vCPUs in all (${u.cores} in use)`
        : u.memoryMb + plan.memoryMb > quota.maxMemoryMb
          ? `at most ${quota.maxMemoryMb / 1024} GB of memory in all (${u.memoryMb / 1024} GB in use)`
          : null;
  if (over)
    throw appError(
      'QUOTA_EXCEEDED',
      `This ${newServers ? 'order' : 'change'} would exceed your quota: ${over}.`,
    );
}
