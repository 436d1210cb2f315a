/**
 * Proxmox VE clusters besides the default one: registered with their URL, API token and fingerprint,
 * checked by asking the cluster before they are written, the token secret sealed with
 * CLUSTER_SECRET_KEY. Answers never carry the secret (only `hasSecret`), nor does the audit log.
 */
import { count, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { CatalogueListInput } from '../../../shared/catalogue.ts';
import type { AdminCluster, ClusterInput, ClusterPatch } from '../../../shared/clusters.ts';
import { idSchema } from '../../../shared/api.ts';
import { recordAudit } from '../../db/audit.ts';
import type { Database, Tx } from '../../db/client.ts';
import { locations, pveClusters, servers } from '../../db/schema.ts';
import { appError } from '../../errors.ts';
import { openSecret, sealSecret } from '../../lib/secret-box.ts';
import { PveClient } from '../../pve/client.ts';
import { PveError } from '../../pve/errors.ts';
import type { ClusterRow, PveRegistry } from '../../pve/registry.ts';
import { changedFields, page, type Actor } from './catalogue.ts';

export interface ClusterDeps {
  db: Database;
  /** CLUSTER_SECRET_KEY. */
  secretKey: Buffer | undefined;
  clusters: PveRegistry;
  log: Logger;
}

const toCluster = (r: ClusterRow): AdminCluster => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  url: r.url,
  tokenId: r.tokenId,
  hasSecret: r.tokenSecretSealed.length > 0,
  fingerprint: r.fingerprint,
  active: r.active,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

function notFound(): never {
  throw appError('NOT_FOUND', 'No cluster with this id exists.');
}

function requireKey(key: Buffer | undefined): Buffer {
  if (!key)
    throw appError(
      'UNAVAILABLE',
      'CLUSTER_SECRET_KEY is not set, so Keel cannot keep a cluster’s token secret: set it to 32 random bytes (`openssl rand -base64 32`) and restart Keel.',
    );
  return key;
}

function fieldInvalid(field: keyof ClusterInput, problem: string): never {
  throw appError('VALIDATION_FAILED', `Invalid request: ${field} ${problem}`, {
    fields: { [field]: problem },
  });
}

/**
 * Asks the cluster for its version and nodes with these settings; a refusal is a 400 naming the field
 * to fix (the token for 401/403, the fingerprint for a certificate mismatch, the URL otherwise).
 */
export async function checkClusterAnswers(
  settings: { url: string; tokenId: string; tokenSecret: string; fingerprint: string | null },
  log: Logger,
): Promise<void> {
  const client = new PveClient({
    baseUrl: settings.url,
    tokenId: settings.tokenId,
    tokenSecret: settings.tokenSecret,
    fingerprint: settings.fingerprint ?? undefined,
    log: log.child({ component: 'pve-check' }),
    timeoutMs: 5000,
    attempts: 1,
  });
  try {
    await client.version();
    await client.nodes({ retry: false, timeoutMs: 5000 });
  } catch (err) {
    const message = (err as Error).message;
    if (err instanceof PveError && (err.kind === 'auth' || err.status === 401 || err.status === 403))
      fieldInvalid(
        'tokenSecret',
        `was refused by the cluster with tokenId ${settings.tokenId} (${err.status} ${message})`,
      );
    if (/fingerprint|certificate|self[- ]signed|CERT|SSL|TLS/i.test(message))
      fieldInvalid(
        'fingerprint',
        `does not let Keel trust the cluster's certificate (${message}); give its SHA-256 fingerprint`,
      );
    if (err instanceof PveError && err.status > 0 && err.status < 500)
      fieldInvalid('url', `answered ${err.status} ${message}: is it a Proxmox VE API address?`);
    fieldInvalid('url', `does not answer as a Proxmox VE cluster (${message})`);
  } finally {
    client.close();
  }
}

export async function listClusters(db: Database | Tx, input: CatalogueListInput) {
  const { rows, nextCursor } = await page<ClusterRow>(db, pveClusters, input);
  return { clusters: rows.map(toCluster), nextCursor };
}

export async function getClusterById(db: Database | Tx, id: string): Promise<AdminCluster> {
  if (!idSchema.safeParse(id).success) notFound();
  const [row] = await db.select().from(pveClusters).where(eq(pveClusters.id, id)).limit(1);
  if (!row) notFound();
  return toCluster(row);
}

async function audit(tx: Tx, actor: Actor, verb: string, row: ClusterRow, data: object) {
  await recordAudit(tx, {
    kind: `cluster.${verb}`,
    message: `Cluster ${row.slug} ${verb}${actor.via ? ` by ${actor.via}` : ''}`,
    actorUserId: actor.userId,
    requestId: actor.requestId ?? null,
    data: { id: row.id, ...data },
  });
}

/** What may go to the audit log: everything but the secret. */
function withoutSecret<T extends { tokenSecret?: unknown }>(
  input: T,
): Omit<T, 'tokenSecret'> & { tokenSecret?: string } {
  const { tokenSecret, ...rest } = input;
  return tokenSecret === undefined ? rest : { ...rest, tokenSecret: '(changed)' };
}

function slugTaken(slug: string): never {
  throw appError('CONFLICT', `A cluster with slug "${slug}" already exists.`, {
    fields: { slug: `"${slug}" is taken` },
  });
}

export async function createCluster(
  deps: ClusterDeps,
  actor: Actor,
  input: ClusterInput,
): Promise<{ cluster: AdminCluster }> {
  const key = requireKey(deps.secretKey);
  await checkClusterAnswers(input, deps.log);
  const { tokenSecret, ...rest } = input;
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(pveClusters)
      .values({ ...rest, tokenSecretSealed: sealSecret(key, tokenSecret) })
      .onConflictDoNothing({ target: pveClusters.slug })
      .returning();
    if (!row) slugTaken(input.slug);
    await audit(tx, actor, 'created', row, { cluster: withoutSecret(input) });
    return { cluster: toCluster(row) };
  });
}

export async function updateCluster(
  deps: ClusterDeps,
  actor: Actor,
  id: string,
  patch: ClusterPatch,
): Promise<{ cluster: AdminCluster }> {
  if (!idSchema.safeParse(id).success) notFound();
  const key = requireKey(deps.secretKey);
  const [current] = await deps.db.select().from(pveClusters).where(eq(pveClusters.id, id)).limit(1);
  if (!current) notFound();
  const { tokenSecret, ...plain } = patch;
  const changes: Partial<ClusterRow> = changedFields(current, plain);
  if (tokenSecret !== undefined) changes.tokenSecretSealed = sealSecret(key, tokenSecret);
  // A change to how Keel reaches the cluster is checked against the cluster, as a new one is.
  if (changes.url !== undefined || changes.tokenId !== undefined || 'fingerprint' in changes || tokenSecret) {
    await checkClusterAnswers(
      {
        url: changes.url ?? current.url,
        tokenId: changes.tokenId ?? current.tokenId,
        tokenSecret: tokenSecret ?? openSecret(key, current.tokenSecretSealed),
        fingerprint: 'fingerprint' in changes ? (changes.fingerprint ?? null) : current.fingerprint,
      },
      deps.log,
    );
  }
  return deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(pveClusters).where(eq(pveClusters.id, id)).for('update');
    if (!row) notFound();
    if (Object.keys(changes).length === 0) return { cluster: toCluster(row) };
    if (changes.slug && changes.slug !== row.slug) {
      const [taken] = await tx
        .select({ id: pveClusters.id })
        .from(pveClusters)
        .where(eq(pveClusters.slug, changes.slug));
      if (taken) slugTaken(changes.slug);
    }
    const [updated] = await tx.update(pveClusters).set(changes).where(eq(pveClusters.id, id)).returning();
    await audit(tx, actor, 'updated', updated!, {
      changes: withoutSecret({ ...plain, ...(tokenSecret ? { tokenSecret } : {}) }),
    });
    return { cluster: toCluster(updated!) };
  });
}

export async function deleteCluster(deps: ClusterDeps, actor: Actor, id: string): Promise<{ deleted: true }> {
  if (!idSchema.safeParse(id).success) notFound();
  const result = await deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(pveClusters).where(eq(pveClusters.id, id)).for('update');
    if (!row) notFound();
    const [locs] = await tx.select({ n: count() }).from(locations).where(eq(locations.clusterId, id));
    const [srv] = await tx
      .select({ n: count() })
      .from(servers)
      .where(sql`${servers.clusterId} = ${id}`);
    const uses: string[] = [];
    const n = (v: { n: number } | undefined) => Number(v?.n ?? 0);
    if (n(locs)) uses.push(`${n(locs)} location${n(locs) === 1 ? '' : 's'}`);
    if (n(srv))
      uses.push(`${n(srv)} server${n(srv) === 1 ? '' : 's'} (terminated ones count: they keep its id)`);
    if (uses.length)
      throw appError(
        'CONFLICT',
        `Cluster ${row.slug} is in use by ${uses.join(' and ')}; move or delete them first, or retire it with active: false.`,
      );
    await tx.delete(pveClusters).where(eq(pveClusters.id, id));
    await audit(tx, actor, 'deleted', row, {});
    return { deleted: true as const };
  });
  deps.clusters.forget(id);
  return result;
}
