/**
 * Which Proxmox VE cluster to talk to: the default one (PVE_URL, or the built-in simulator) for a NULL
 * cluster id, or one registered in `pve_clusters`. A registered cluster's client is built once and kept
 * while its row is unchanged; an edited row (new URL, token or fingerprint) gets a fresh client.
 *
 * The token secret is opened here, only to hand it to the client's Authorization header; it is never
 * logged (the client logs the URL and the token id at most).
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Settings } from '../config.ts';
import type { Database, Tx } from '../db/client.ts';
import { locations, pveClusters, servers } from '../db/schema.ts';
import { appError } from '../errors.ts';
import { openSecret } from '../lib/secret-box.ts';
import { PveClient } from './client.ts';

export type ClusterRow = typeof pveClusters.$inferSelect;

export interface PveRegistryOptions {
  db: Database;
  /** The default cluster's client; absent in tests that run without PVE. */
  defaultClient?: PveClient | undefined;
  /** CLUSTER_SECRET_KEY; without it a registered cluster cannot be reached. */
  secretKey?: Buffer | undefined;
  log: Logger;
  pollMs?: number | undefined;
  /** Attempts for repeatable calls on registered clusters' clients. */
  attempts?: number | undefined;
}

/** One cluster with its client, for work done cluster by cluster (reconciliation). */
export interface ClusterClient {
  /** null: the default cluster. */
  id: string | null;
  label: string;
  client: PveClient;
}

export class PveRegistry {
  private readonly cache = new Map<string, { stamp: string; client: PveClient }>();
  constructor(private readonly options: PveRegistryOptions) {}

  get defaultClient(): PveClient | undefined {
    return this.options.defaultClient;
  }

  /** The client for a cluster id; the default one (possibly none) for null. */
  async forCluster(clusterId: string | null): Promise<PveClient | undefined> {
    if (clusterId === null) return this.options.defaultClient;
    const [row] = await this.options.db
      .select()
      .from(pveClusters)
      .where(eq(pveClusters.id, clusterId))
      .limit(1);
    if (!row) throw appError('UNAVAILABLE', `Proxmox VE cluster ${clusterId} is not registered.`);
    return this.clientFor(row);
  }

  /** Like forCluster, for callers that cannot work without PVE. */
  async require(clusterId: string | null): Promise<PveClient> {
    const client = await this.forCluster(clusterId);
    if (!client) throw appError('UNAVAILABLE', 'No Proxmox VE cluster is connected to this Keel.');
    return client;
  }

  /** The cluster a location's servers are placed on. */
  async forLocation(locationId: string | null): Promise<PveClient | undefined> {
    return this.forCluster(await clusterOfLocation(this.options.db, locationId));
  }

  /**
   * The cluster a server's VM lives on. With `ownerId`, another user's server resolves as a missing one
   * does (the default cluster), so the owner-scoped service after it answers 404 rather than this lookup
   * answering 503 for an unreachable cluster: a customer learns nothing of others' servers.
   */
  async forServer(serverId: string, ownerId?: string): Promise<PveClient | undefined> {
    return this.forCluster(await clusterOfServer(this.options.db, serverId, ownerId));
  }

  /** The default cluster (when connected) and every registered one, for work cluster by cluster. */
  async all(): Promise<ClusterClient[]> {
    const out: ClusterClient[] = [];
    if (this.options.defaultClient)
      out.push({ id: null, label: 'default', client: this.options.defaultClient });
    const rows = await this.options.db.select().from(pveClusters).orderBy(pveClusters.createdAt);
    for (const row of rows) {
      try {
        out.push({ id: row.id, label: row.slug, client: this.clientFor(row) });
      } catch (err) {
        this.options.log.warn(
          { clusterId: row.id, cluster: row.slug, err: (err as Error).message },
          'cannot build a client for this Proxmox VE cluster; skipped',
        );
      }
    }
    return out;
  }

  /** A client for a row as it is now: the kept one while the row is unchanged. */
  clientFor(row: ClusterRow): PveClient {
    const stamp = [row.url, row.tokenId, row.tokenSecretSealed, row.fingerprint ?? ''].join('\n');
    const kept = this.cache.get(row.id);
    if (kept && kept.stamp === stamp) return kept.client;
    const key = this.options.secretKey;
    if (!key)
      throw appError(
        'UNAVAILABLE',
        `Proxmox VE cluster ${row.slug} cannot be reached: CLUSTER_SECRET_KEY is not set, so its token secret cannot be opened.`,
      );
    const client = new PveClient({
      baseUrl: row.url,
      tokenId: row.tokenId,
      tokenSecret: openSecret(key, row.tokenSecretSealed),
      fingerprint: row.fingerprint ?? undefined,
      log: this.options.log.child({ component: 'pve', cluster: row.slug }),
      ...(this.options.pollMs ? { pollMs: this.options.pollMs } : {}),
      ...(this.options.attempts ? { attempts: this.options.attempts } : {}),
    });
    kept?.client.close();
    this.cache.set(row.id, { stamp, client });
    return client;
  }

  /** Forgets a deleted cluster's client. */
  forget(clusterId: string): void {
    this.cache.get(clusterId)?.client.close();
    this.cache.delete(clusterId);
  }

  close(): void {
    for (const { client } of this.cache.values()) client.close();
    this.cache.clear();
  }
}

export async function clusterOfLocation(
  db: Database | Tx,
  locationId: string | null,
): Promise<string | null> {
  if (locationId === null || !uuidPattern.test(locationId)) return null;
  const [row] = await db
    .select({ clusterId: locations.clusterId })
    .from(locations)
    .where(eq(locations.id, locationId))
    .limit(1);
  return row?.clusterId ?? null;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The server's cluster id; null for the default cluster (and for an id that names no server, or, with
 * `ownerId`, none of that user's).
 */
export async function clusterOfServer(
  db: Database | Tx,
  serverId: string,
  ownerId?: string,
): Promise<string | null> {
  if (!uuidPattern.test(serverId)) return null;
  const [row] = await db
    .select({ clusterId: servers.clusterId })
    .from(servers)
    .where(
      ownerId === undefined
        ? eq(servers.id, serverId)
        : and(eq(servers.id, serverId), eq(servers.userId, ownerId)),
    )
    .limit(1);
  return row?.clusterId ?? null;
}

/** SQL condition: the server is on this cluster (NULL for the default one). */
export function onCluster(clusterId: string | null) {
  return clusterId === null ? isNull(servers.clusterId) : eq(servers.clusterId, clusterId);
}

/** A Keel process's registry: the default cluster's client and those registered through /api/admin/clusters. */
export function clusterRegistry(
  config: Pick<Settings, 'CLUSTER_SECRET_KEY' | 'PVE_POLL_MS'>,
  db: Database,
  defaultClient: PveClient | undefined,
  log: Logger,
): PveRegistry {
  return new PveRegistry({
    db,
    defaultClient,
    secretKey: config.CLUSTER_SECRET_KEY,
    log,
    pollMs: config.PVE_POLL_MS,
  });
}
