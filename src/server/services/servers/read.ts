/**
 * Reading customers' servers: one server, a page of them, an administrator's page across customers,
 * a server's audit trail. Every customer query is scoped to the owner in its WHERE clause; another
 * customer's server is indistinguishable from one that does not exist.
 */
import { and, Column, desc, eq, inArray, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { idSchema, type Server, type ServerEvent } from '../../../shared/api.ts';
import { provisioningSteps, type ProvisioningStep } from '../../../shared/server-status.ts';
import type { Database, Tx } from '../../db/client.ts';
import { auditEvents, images, locations, serverJobs, servers } from '../../db/schema.ts';
import { appError } from '../../errors.ts';
import { activeJobStates } from '../../jobs/queue.ts';
import { withoutPveDetails } from './activity.ts';

const image = alias(images, 'image');
const location = alias(locations, 'location');
const currentJob = alias(serverJobs, 'current_job');

/** What a server row shows its owner: never PVE ids, SSH keys or legacy attributes. */
const publicServerColumns = {
  id: servers.id,
  name: servers.name,
  status: servers.status,
  statusReason: servers.statusReason,
  cpuCores: servers.cpuCores,
  memoryMb: servers.memoryMb,
  diskGb: servers.diskGb,
  ipAddress: servers.ipAddress,
  createdAt: servers.createdAt,
  updatedAt: servers.updatedAt,
  imageId: image.id,
  imageSlug: image.slug,
  imageName: image.name,
  locationId: location.id,
  locationSlug: location.slug,
  locationName: location.name,
  // The provisioning step of the server's active job, if any.
  jobKind: currentJob.kind,
  jobStep: currentJob.step,
};

function selectServers(db: Database | Tx) {
  return db
    .select(publicServerColumns)
    .from(servers)
    .leftJoin(image, eq(image.id, servers.imageId))
    .leftJoin(location, eq(location.id, servers.locationId))
    .leftJoin(
      currentJob,
      and(eq(currentJob.serverId, servers.id), inArray(currentJob.state, activeJobStates)),
    );
}

type ServerRow = Awaited<ReturnType<typeof selectServers>>[number];

/** Where provisioning stands: the step after the last one the worker persisted. */
function progressOf(row: Pick<ServerRow, 'status' | 'jobKind' | 'jobStep'>): Server['progress'] {
  if (row.status !== 'provisioning') return null;
  const done =
    row.jobKind === 'provision' && row.jobStep
      ? provisioningSteps.indexOf(row.jobStep as ProvisioningStep)
      : -1;
  const stepIndex = Math.min(done + 1, provisioningSteps.length - 1);
  return { step: provisioningSteps[stepIndex]!, stepIndex, stepCount: provisioningSteps.length };
}

/** Spelled out field by field: it runs for every row of every list, and rest-spreads are slow there. */
function toServer(row: ServerRow): Server {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    statusReason: row.statusReason,
    cpuCores: row.cpuCores,
    memoryMb: row.memoryMb,
    diskGb: row.diskGb,
    ipAddress: row.ipAddress,
    image: row.imageId ? { id: row.imageId, slug: row.imageSlug!, name: row.imageName! } : null,
    location: row.locationId
      ? { id: row.locationId, slug: row.locationSlug!, name: row.locationName! }
      : null,
    progress: progressOf(row),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export const serverNotFound = () => appError('NOT_FOUND', 'No server with this id exists in your account.');

/** A syntactically impossible id cannot match anything; answer without asking the database. */
export function assertServerId(id: string): void {
  if (!idSchema.safeParse(id).success) throw serverNotFound();
}

/** Any customer's server, for administrators; null when there is none with this id. */
export async function findServerById(db: Database | Tx, id: string): Promise<Server | null> {
  if (!idSchema.safeParse(id).success) return null;
  const [row] = await selectServers(db).where(eq(servers.id, id)).limit(1);
  return row ? toServer(row) : null;
}

export async function getServer(db: Database | Tx, userId: string, id: string): Promise<Server> {
  assertServerId(id);
  const [row] = await selectServers(db)
    .where(and(eq(servers.id, id), eq(servers.userId, userId)))
    .limit(1);
  if (!row) throw serverNotFound();
  return toServer(row);
}

/**
 * The server's recent audit trail, newest first. Ownership is checked by the caller's getServer. The
 * trail names PVE nodes and VMIDs for operators; customers see it without them unless `pveDetails`.
 */
export async function recentEvents(
  db: Database,
  serverId: string,
  options: { pveDetails: boolean; limit?: number },
): Promise<ServerEvent[]> {
  const rows = await db
    .select({
      id: auditEvents.id,
      at: auditEvents.at,
      kind: auditEvents.kind,
      message: auditEvents.message,
      data: auditEvents.data,
      pveUpid: auditEvents.pveUpid,
    })
    .from(auditEvents)
    .where(eq(auditEvents.serverId, serverId))
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(options.limit ?? 50);
  const events = rows.map(({ id, at, kind, message }) => ({ id, at, kind, message }));
  return options.pveDetails ? events : withoutPveDetails(db, serverId, rows);
}

// -- pages -------------------------------------------------------------------------------------------

export interface ListServersOptions {
  limit: number;
  cursor?: string | undefined;
  includeTerminated?: boolean | undefined;
}

export interface ServerPage<T extends Server = Server> {
  servers: T[];
  nextCursor: string | null;
}

function encodeCursor(server: Server): string {
  return Buffer.from(`${server.createdAt.toISOString()}|${server.id}`).toString('base64url');
}

/** A timestamp as encodeCursor writes it; anything else (a year past 9999, say) was not made here. */
const cursorTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id, ...extra] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(at ?? '');
  if (
    extra.length > 0 ||
    !cursorTimePattern.test(at ?? '') ||
    Number.isNaN(createdAt.getTime()) ||
    createdAt.toISOString() !== at ||
    !id ||
    !idSchema.safeParse(id).success
  ) {
    throw appError('VALIDATION_FAILED', 'Invalid request: cursor is not one this API returned', {
      fields: { cursor: 'is not one this API returned' },
    });
  }
  return { createdAt, id };
}

/** One page of the servers matching `filters` (all of them), newest first. */
export async function listServerPage(
  db: Database,
  filters: SQL[],
  options: ListServersOptions,
): Promise<ServerPage> {
  const conditions: SQL[] = [...filters];
  if (!options.includeTerminated) conditions.push(ne(servers.status, 'terminated'));
  if (options.cursor) {
    const after = decodeCursor(options.cursor);
    conditions.push(
      or(
        lt(servers.createdAt, after.createdAt),
        and(eq(servers.createdAt, after.createdAt), lt(servers.id, after.id)),
      )!,
    );
  }
  const rows = await selectServers(db)
    .where(and(...conditions))
    .orderBy(desc(servers.createdAt), desc(servers.id))
    .limit(options.limit + 1);
  return pageOf(rows, options.limit);
}

function pageOf(rows: ServerRow[], limit: number): ServerPage {
  return pageOfServers(rows.map(toServer), limit);
}

/** `limit` servers and the cursor to the next page, from up to `limit + 1` (one more says there is more). */
function pageOfServers(servers: Server[], limit: number): ServerPage {
  const page = servers.length > limit ? servers.slice(0, limit) : servers;
  const last = page.at(-1);
  return { servers: page, nextCursor: servers.length > limit && last ? encodeCursor(last) : null };
}

/**
 * The first page of a customer's live servers, which every dashboard polls: built once per database
 * and run as a prepared statement, rather than assembled again for each request.
 */
function buildFirstPage(db: Database): {
  execute(values: { userId: string; limit: number }): Promise<Server[]>;
} {
  const prepared = selectServers(db)
    .where(and(eq(servers.userId, sql.placeholder('userId')), ne(servers.status, 'terminated')))
    .orderBy(desc(servers.createdAt), desc(servers.id))
    .limit(sql.placeholder('limit'))
    .prepare('keel_servers_first_page');
  // drizzle maps each row through a generic walk (a type check and a path per column, an object per
  // join) into a ServerRow, which toServer then copies into a Server. The driver's array rows go
  // straight to Servers instead, through the same column decoders; drizzle's own mapping remains
  // should its prepared query ever not look as expected.
  const internals = prepared as unknown as { fields?: { path: string[] }[]; customResultMapper?: unknown };
  const order = internals.fields?.map((f) => f.path.join('.'));
  if ('customResultMapper' in internals && order?.join() === serverColumnOrder.join()) {
    internals.customResultMapper = (rows: unknown[][]) => rows.map(serverOfValues);
    return prepared as unknown as { execute(values: { userId: string; limit: number }): Promise<Server[]> };
  }
  return { execute: async (values) => (await prepared.execute(values)).map(toServer) };
}
const firstPageQueries = new WeakMap<Database, ReturnType<typeof buildFirstPage>>();

const serverColumnOrder = Object.keys(publicServerColumns) as (keyof typeof publicServerColumns)[];
const column = Object.fromEntries(serverColumnOrder.map((name, i) => [name, i])) as Record<
  keyof typeof publicServerColumns,
  number
>;
/** Each column's driver-to-JS decoder (integers given as text, timestamps), null where it is the identity. */
const decoders = serverColumnOrder.map((name) => {
  const col = publicServerColumns[name] as unknown as { mapFromDriverValue(value: unknown): unknown };
  return col.mapFromDriverValue === Column.prototype.mapFromDriverValue
    ? null
    : (value: unknown) => col.mapFromDriverValue(value);
});

/** Column `name` of a driver's array row, as drizzle's decoder left it. */
function at<K extends keyof ServerRow>(values: unknown[], name: K): ServerRow[K] {
  return values[column[name]] as ServerRow[K];
}

/** A driver's array row (columns in publicServerColumns' order) as a Server: toServer without the ServerRow. */
function serverOfValues(values: unknown[]): Server {
  for (let i = 0; i < values.length; i++) {
    const decode = decoders[i];
    if (decode && values[i] !== null) values[i] = decode(values[i]);
  }
  const imageId = at(values, 'imageId');
  const locationId = at(values, 'locationId');
  const status = at(values, 'status');
  return {
    id: at(values, 'id'),
    name: at(values, 'name'),
    status,
    statusReason: at(values, 'statusReason'),
    cpuCores: at(values, 'cpuCores'),
    memoryMb: at(values, 'memoryMb'),
    diskGb: at(values, 'diskGb'),
    ipAddress: at(values, 'ipAddress'),
    image: imageId ? { id: imageId, slug: at(values, 'imageSlug')!, name: at(values, 'imageName')! } : null,
    location: locationId
      ? { id: locationId, slug: at(values, 'locationSlug')!, name: at(values, 'locationName')! }
      : null,
    progress:
      status === 'provisioning'
        ? progressOf({ status, jobKind: at(values, 'jobKind'), jobStep: at(values, 'jobStep') })
        : null,
    createdAt: at(values, 'createdAt'),
    updatedAt: at(values, 'updatedAt'),
  };
}

/** The user's servers, newest first, `limit` at a time; `nextCursor` continues the list. */
export async function listServers(
  db: Database,
  userId: string,
  options: ListServersOptions,
): Promise<ServerPage> {
  if (options.cursor || options.includeTerminated)
    return listServerPage(db, [eq(servers.userId, userId)], options);
  let query = firstPageQueries.get(db);
  if (!query) firstPageQueries.set(db, (query = buildFirstPage(db)));
  return pageOfServers(await query.execute({ userId, limit: options.limit + 1 }), options.limit);
}
