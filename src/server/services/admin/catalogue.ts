/**
 * The operators' catalogue: plans, images, locations and IP pools. Images and locations are checked
 * against the live cluster (discovery.ts); pools go through the IPAM service. Every change is one
 * transaction with its audit line; a delete is refused while anything uses the entry.
 *
 * This file holds what every entry shares (audit line, not found, slug taken, pages, in use) and the
 * plans and images; catalogue-locations.ts holds the locations and their IP pools.
 */
import { and, asc, count, eq, gt, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { idSchema } from '../../../shared/api.ts';
import type {
  AdminImage,
  AdminPlan,
  CatalogueListInput,
  ImageInput,
  PlanInput,
} from '../../../shared/catalogue.ts';
import { recordAudit } from '../../db/audit.ts';
import type { Database, Tx } from '../../db/client.ts';
import { images, plans, servers } from '../../db/schema.ts';
import { appError } from '../../errors.ts';
import type { PveClient } from '../../pve/client.ts';
import type { PveRegistry } from '../../pve/registry.ts';
import { clusterGuests, discoverNodes, discoverTemplates } from './discovery.ts';

export interface CatalogueDeps {
  db: Database | Tx;
  /** The default cluster's client. */
  pve?: PveClient | undefined;
  /** Every cluster's client: a location's nodes are checked on its own cluster. */
  clusters?: PveRegistry | undefined;
}

/** Who made a change: the signed-in operator, or a command-line tool (`via`). */
export interface Actor {
  userId: string | null;
  requestId?: string | null;
  via?: string;
}

export type Kind = 'plan' | 'image' | 'location' | 'ip_pool';
const kindLabel: Record<Kind, string> = {
  plan: 'Plan',
  image: 'Image',
  location: 'Location',
  ip_pool: 'IP pool',
};

export async function audit(
  tx: Tx,
  actor: Actor,
  kind: Kind,
  verb: string,
  id: string,
  label: string,
  data: object,
) {
  await recordAudit(tx, {
    kind: `${kind}.${verb}`,
    message: `${kindLabel[kind]} ${label} ${verb}${actor.via ? ` by ${actor.via}` : ''}`,
    actorUserId: actor.userId,
    requestId: actor.requestId ?? null,
    data: { id, ...data, ...(actor.via ? { via: actor.via } : {}) },
  });
}

export function notFound(kind: Kind): never {
  throw appError('NOT_FOUND', `No ${kindLabel[kind].toLowerCase()} with this id exists.`);
}

export function assertId(kind: Kind, id: string): void {
  if (!idSchema.safeParse(id).success) notFound(kind);
}

export function slugTaken(kind: Kind, slug: string): never {
  throw appError('CONFLICT', `A ${kindLabel[kind].toLowerCase()} with slug "${slug}" already exists.`, {
    fields: { slug: `"${slug}" is taken` },
  });
}

/** JSON with object keys sorted: jsonb does not keep key order, so `{b, a}` equals `{a, b}`. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** The fields of `patch` that differ from `row`; arrays and objects compared by value. */
export function changedFields<T extends object>(row: T, patch: Partial<T>): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, value] of Object.entries(patch) as [keyof T, T[keyof T]][]) {
    if (value === undefined) continue;
    if (canonical(value) !== canonical(row[key])) out[key] = value;
  }
  return out;
}

// -- pages ---------------------------------------------------------------------------------------------

const cursorTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at = '', id = '', ...extra] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(at);
  if (
    extra.length ||
    !cursorTime.test(at) ||
    Number.isNaN(createdAt.getTime()) ||
    !idSchema.safeParse(id).success
  )
    throw appError('VALIDATION_FAILED', 'Invalid request: cursor is not one this API returned', {
      fields: { cursor: 'is not one this API returned' },
    });
  return { createdAt, id };
}

/** Oldest first, so entries added later come at the end; `nextCursor` continues after the last one. */
export async function page<T extends { createdAt: Date; id: string }>(
  db: Database | Tx,
  table: PgTable & { createdAt: AnyPgColumn; id: AnyPgColumn },
  input: CatalogueListInput,
): Promise<{ rows: T[]; nextCursor: string | null }> {
  // Ordered and compared at the cursor's precision (milliseconds); PostgreSQL keeps microseconds.
  const at = sql`date_trunc('milliseconds', ${table.createdAt})`;
  const where: SQL[] = [];
  if (input.cursor) {
    const after = decodeCursor(input.cursor);
    const afterAt = sql`${after.createdAt.toISOString()}::timestamptz`;
    where.push(or(sql`${at} > ${afterAt}`, and(sql`${at} = ${afterAt}`, gt(table.id, after.id)))!);
  }
  const rows = (await db
    .select()
    .from(table)
    .where(and(...where))
    .orderBy(asc(at), asc(table.id))
    .limit(input.limit + 1)) as unknown as T[];
  const shown = rows.slice(0, input.limit);
  return { rows: shown, nextCursor: rows.length > input.limit ? encodeCursor(shown.at(-1)!) : null };
}

export async function serverUse(
  tx: Tx,
  column: AnyPgColumn,
  id: string,
): Promise<{ total: number; live: number }> {
  const [row] = await tx
    .select({ total: count(), live: count(sql`case when ${isNull(servers.terminatedAt)} then 1 end`) })
    .from(servers)
    .where(eq(column, id));
  return { total: Number(row?.total ?? 0), live: Number(row?.live ?? 0) };
}

export function inUse(kind: Kind, label: string, uses: string[]): never {
  throw appError(
    'CONFLICT',
    `${kindLabel[kind]} ${label} is used by ${uses.join(' and ')}; set active to false to retire it instead.`,
  );
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
export const serverUses = (use: { total: number; live: number }) =>
  use.total === 0 ? [] : [`${plural(use.total, 'server')} (${use.live} live)`];

// -- plans ---------------------------------------------------------------------------------------------

type PlanRow = typeof plans.$inferSelect;
const toPlan = (r: PlanRow): AdminPlan => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  cpuCores: r.cpuCores,
  memoryMb: r.memoryMb,
  diskGb: r.diskGb,
  priceMonthlyCents: r.priceMonthlyCents,
  active: r.active,
  snapshotLimit: r.snapshotLimit,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

export async function listPlans(db: Database | Tx, input: CatalogueListInput) {
  const { rows, nextCursor } = await page<PlanRow>(db, plans, input);
  return { plans: rows.map(toPlan), nextCursor };
}

export async function getPlanById(db: Database | Tx, id: string): Promise<AdminPlan> {
  assertId('plan', id);
  const [row] = await db.select().from(plans).where(eq(plans.id, id)).limit(1);
  if (!row) notFound('plan');
  return toPlan(row);
}

export async function createPlan(
  deps: CatalogueDeps,
  actor: Actor,
  input: PlanInput,
): Promise<{ plan: AdminPlan }> {
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(plans)
      .values(input)
      .onConflictDoNothing({ target: plans.slug })
      .returning();
    if (!row) slugTaken('plan', input.slug);
    await audit(tx, actor, 'plan', 'created', row.id, row.slug, { plan: input });
    return { plan: toPlan(row) };
  });
}

export async function updatePlan(
  deps: CatalogueDeps,
  actor: Actor,
  id: string,
  patch: Partial<PlanInput>,
): Promise<{ plan: AdminPlan }> {
  assertId('plan', id);
  return deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(plans).where(eq(plans.id, id)).for('update');
    if (!row) notFound('plan');
    const changes = changedFields(row, patch);
    if (Object.keys(changes).length === 0) return { plan: toPlan(row) };
    if (changes.slug) {
      const [taken] = await tx.select({ id: plans.id }).from(plans).where(eq(plans.slug, changes.slug));
      if (taken) slugTaken('plan', changes.slug);
    }
    const [updated] = await tx.update(plans).set(changes).where(eq(plans.id, id)).returning();
    await audit(tx, actor, 'plan', 'updated', id, updated!.slug, { changes });
    return { plan: toPlan(updated!) };
  });
}

export async function deletePlan(deps: CatalogueDeps, actor: Actor, id: string): Promise<{ deleted: true }> {
  assertId('plan', id);
  return deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(plans).where(eq(plans.id, id)).for('update');
    if (!row) notFound('plan');
    const uses = serverUses(await serverUse(tx, servers.planId, id));
    if (uses.length) inUse('plan', row.slug, uses);
    await tx.delete(plans).where(eq(plans.id, id));
    await audit(tx, actor, 'plan', 'deleted', id, row.slug, {});
    return { deleted: true as const };
  });
}

// -- images --------------------------------------------------------------------------------------------

type ImageRow = typeof images.$inferSelect;
const toImage = (r: ImageRow): AdminImage => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  osFamily: r.osFamily,
  pveTemplates: r.pveTemplates,
  active: r.active,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

/**
 * Each entry must name a VMID that exists, on that node (or, for "*", on storage every node sees), is a
 * template and has a cloud-init drive. Otherwise 400 naming pveTemplates with every reason.
 */
export async function checkTemplates(
  pve: PveClient | undefined,
  wanted: Record<string, number>,
): Promise<void> {
  const [templates, nodes] = await Promise.all([discoverTemplates(pve), discoverNodes(pve)]);
  const guests = new Map(templates.map((t) => [t.vmid, t]));
  const nodeNames = new Set(nodes.map((n) => n.name));
  const problems: string[] = [];
  for (const [node, vmid] of Object.entries(wanted)) {
    const where = node === '*' ? '"*"' : `node ${node}`;
    if (node !== '*' && !nodeNames.has(node)) {
      problems.push(
        `${where}: there is no node ${node} in the cluster (nodes: ${[...nodeNames].join(', ')})`,
      );
      continue;
    }
    const t = guests.get(vmid);
    if (!t) {
      const vm = await isGuest(pve, vmid);
      problems.push(
        vm
          ? `${where}: VM ${vmid} (${vm.name ?? 'unnamed'} on ${vm.node}) is not a template`
          : `${where}: VMID ${vmid} does not exist in the cluster`,
      );
      continue;
    }
    if (node === '*' && !t.shared)
      problems.push(
        `"*": template ${vmid} is on ${t.storage ?? 'unknown storage'} of ${t.node}, which is not shared; name it per node instead`,
      );
    else if (node !== '*' && t.node !== node && !t.shared)
      problems.push(`${where}: template ${vmid} is on ${t.node}, not ${node}`);
    if (!t.cloudInit)
      problems.push(
        `${where}: template ${vmid} has no cloud-init drive (add one: qm set ${vmid} --ide2 <storage>:cloudinit)`,
      );
  }
  if (problems.length)
    throw appError('VALIDATION_FAILED', `Invalid request: pveTemplates ${problems.join('; ')}`, {
      fields: { pveTemplates: problems.join('; ') },
    });
}

async function isGuest(pve: PveClient | undefined, vmid: number) {
  return (await clusterGuests(pve)).find((g) => g.vmid === vmid);
}

export async function listImages(db: Database | Tx, input: CatalogueListInput) {
  const { rows, nextCursor } = await page<ImageRow>(db, images, input);
  return { images: rows.map(toImage), nextCursor };
}

export async function getImageById(db: Database | Tx, id: string): Promise<AdminImage> {
  assertId('image', id);
  const [row] = await db.select().from(images).where(eq(images.id, id)).limit(1);
  if (!row) notFound('image');
  return toImage(row);
}

export async function createImage(
  deps: CatalogueDeps,
  actor: Actor,
  input: ImageInput,
): Promise<{ image: AdminImage }> {
  await checkTemplates(deps.pve, input.pveTemplates);
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(images)
      .values(input)
      .onConflictDoNothing({ target: images.slug })
      .returning();
    if (!row) slugTaken('image', input.slug);
    await audit(tx, actor, 'image', 'created', row.id, row.slug, { image: input });
    return { image: toImage(row) };
  });
}

export async function updateImage(
  deps: CatalogueDeps,
  actor: Actor,
  id: string,
  patch: Partial<ImageInput>,
): Promise<{ image: AdminImage }> {
  assertId('image', id);
  const [current] = await deps.db.select().from(images).where(eq(images.id, id)).limit(1);
  if (!current) notFound('image');
  const wanted = changedFields(current, patch);
  if (wanted.pveTemplates) await checkTemplates(deps.pve, wanted.pveTemplates);
  return deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(images).where(eq(images.id, id)).for('update');
    if (!row) notFound('image');
    const changes = changedFields(row, patch);
    if (Object.keys(changes).length === 0) return { image: toImage(row) };
    if (changes.slug) {
      const [taken] = await tx.select({ id: images.id }).from(images).where(eq(images.slug, changes.slug));
      if (taken) slugTaken('image', changes.slug);
    }
    const [updated] = await tx.update(images).set(changes).where(eq(images.id, id)).returning();
    await audit(tx, actor, 'image', 'updated', id, updated!.slug, { changes });
    return { image: toImage(updated!) };
  });
}

export async function deleteImage(deps: CatalogueDeps, actor: Actor, id: string): Promise<{ deleted: true }> {
  assertId('image', id);
  return deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(images).where(eq(images.id, id)).for('update');
    if (!row) notFound('image');
    const uses = serverUses(await serverUse(tx, servers.imageId, id));
    if (uses.length) inUse('image', row.slug, uses);
    await tx.delete(images).where(eq(images.id, id));
    await audit(tx, actor, 'image', 'deleted', id, row.slug, {});
    return { deleted: true as const };
  });
}
