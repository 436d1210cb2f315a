/**
 * A server's usage graphs: PVE's RRD averages for the timeframe (`rrddata`, cf=AVERAGE), turned into
 * Keel's series. Reading them changes nothing, so a suspended or stopped server has its graphs too.
 */
import { and, eq } from 'drizzle-orm';
import type { ServerUsage, UsagePoint, UsageTimeframe } from '../../../shared/usage.ts';
import type { Database } from '../../db/client.ts';
import { servers } from '../../db/schema.ts';
import { appError } from '../../errors.ts';
import type { PveClient } from '../../pve/client.ts';
import type { PveRrdRow } from '../../pve/types.ts';
import { PveError } from '../../pve/errors.ts';
import { assertServerId, serverNotFound } from './read.ts';

const figure = (value: number | undefined): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/**
 * PVE's rows → points, oldest first. A row PVE has no sample for (before the VM existed) keeps its time
 * with null figures; `cpu` stays PVE's fraction of all vCPUs, clamped to 0–1.
 */
export function usageFromRrd(rows: readonly PveRrdRow[]): UsagePoint[] {
  return [...rows]
    .filter((row) => Number.isFinite(row.time))
    .sort((a, b) => a.time - b.time)
    .map((row) => {
      const cpu = figure(row.cpu);
      return {
        time: new Date(row.time * 1000),
        cpu: cpu === null ? null : Math.min(1, Math.max(0, cpu)),
        memoryBytes: figure(row.mem),
        memoryTotalBytes: figure(row.maxmem),
        netInBytesPerSecond: figure(row.netin),
        netOutBytesPerSecond: figure(row.netout),
        diskReadBytesPerSecond: figure(row.diskread),
        diskWriteBytesPerSecond: figure(row.diskwrite),
      };
    });
}

/** The step between points: PVE's RRD resolution for the timeframe, read off the rows themselves. */
export function stepOf(points: readonly UsagePoint[], timeframe: UsageTimeframe): number {
  if (points.length >= 2) return Math.round((points[1]!.time.getTime() - points[0]!.time.getTime()) / 1000);
  // PVE 9's RRD.pm `$setup`: 60 s for hour and day, 30 min for week and month.
  return timeframe === 'hour' || timeframe === 'day' ? 60 : 1800;
}

export async function serverUsage(
  db: Database,
  pve: PveClient | undefined,
  userId: string,
  id: string,
  timeframe: UsageTimeframe,
): Promise<ServerUsage> {
  assertServerId(id);
  const [server] = await db
    .select({ status: servers.status, node: servers.pveNode, vmid: servers.pveVmid })
    .from(servers)
    .where(and(eq(servers.id, id), eq(servers.userId, userId)))
    .limit(1);
  if (!server) throw serverNotFound();
  if (!server.node || server.vmid === null || server.status === 'terminated')
    throw appError(
      'INVALID_STATE',
      server.status === 'terminated'
        ? 'This server has been terminated; it has no usage to show.'
        : 'This server has no VM yet; its usage shows once it is set up.',
    );
  if (!pve) throw appError('UNAVAILABLE', 'Proxmox VE is not connected.');
  let rows: PveRrdRow[];
  try {
    rows = await pve.rrdData(server.node, server.vmid, timeframe, 'AVERAGE');
  } catch (err) {
    if (err instanceof PveError)
      throw appError(
        'UNAVAILABLE',
        'The usage figures could not be read from Proxmox VE. Try again shortly.',
        {
          retryAfter: 5,
        },
      );
    throw err;
  }
  const points = usageFromRrd(rows);
  return { timeframe, stepSeconds: stepOf(points, timeframe), points };
}
