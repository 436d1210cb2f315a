/**
 * The audit log across everything, for operators: filtered by the customer concerned, the server, the
 * actor, the kind (exact, or a prefix ending in `*`) and time, newest first, a page at a time.
 */
import { and, desc, eq, getTableColumns, like, lt, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { AdminAuditInput, AuditEventView } from '../../../shared/admin.ts';
import type { Database } from '../../db/client.ts';
import { auditEvents, servers, users } from '../../db/schema.ts';
import { appError } from '../../errors.ts';

const actor = alias(users, 'actor');
const owner = alias(users, 'owner');
/** An event's own columns; whom and what it concerns come joined, as people and a server. */
const { actorUserId: _actorUserId, serverId: _serverId, ...eventColumns } = getTableColumns(auditEvents);

/** Pages are ordered by id, which grows with time; the cursor is the last id shown. */
export function encodeAuditCursor(id: number): string {
  return Buffer.from(`a${id}`).toString('base64url');
}

export function decodeAuditCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  const match = /^a([1-9]\d{0,17})$/.exec(text);
  const id = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(id) || encodeAuditCursor(id) !== cursor)
    throw appError('VALIDATION_FAILED', 'Invalid request: cursor is not one this API returned', {
      fields: { cursor: 'is not one this API returned' },
    });
  return id;
}

/** A kind filter as SQL: `server.suspend` matches that kind, `server.*` every kind starting `server.`. */
export function kindFilter(kind: string): SQL {
  if (!kind.endsWith('*')) return eq(auditEvents.kind, kind);
  const prefix = kind.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`);
  return like(auditEvents.kind, `${prefix}%`);
}

export async function listAuditEvents(
  db: Database,
  input: AdminAuditInput,
): Promise<{ events: AuditEventView[]; nextCursor: string | null }> {
  const conditions: SQL[] = [];
  if (input.serverId) conditions.push(eq(auditEvents.serverId, input.serverId));
  if (input.actorId) conditions.push(eq(auditEvents.actorUserId, input.actorId));
  if (input.userId)
    // About the user: on one of their servers, or an event on the account itself that names them.
    conditions.push(
      or(eq(servers.userId, input.userId), sql`${auditEvents.data} ->> 'userId' = ${input.userId}`)!,
    );
  if (input.kind) conditions.push(kindFilter(input.kind));
  if (input.before) conditions.push(lt(auditEvents.at, input.before));
  if (input.cursor) conditions.push(lt(auditEvents.id, decodeAuditCursor(input.cursor)));
  const rows = await db
    .select({
      ...eventColumns,
      // Each null when not joined: Keel itself acted, no server, or a person since deleted.
      actor: { id: actor.id, email: actor.email },
      server: { id: servers.id, name: servers.name },
      owner: { id: owner.id, email: owner.email },
    })
    .from(auditEvents)
    .leftJoin(actor, eq(actor.id, auditEvents.actorUserId))
    .leftJoin(servers, eq(servers.id, auditEvents.serverId))
    .leftJoin(owner, eq(owner.id, servers.userId))
    .where(and(...conditions))
    .orderBy(desc(auditEvents.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const events = page.map((r): AuditEventView => ({
    id: r.id,
    at: r.at,
    kind: r.kind,
    message: r.message,
    data: r.data,
    actor: r.actor,
    server: r.server,
    owner: r.owner,
    jobId: r.jobId,
    pveUpid: r.pveUpid,
    requestId: r.requestId,
  }));
  const last = page.at(-1);
  return { events, nextCursor: rows.length > input.limit && last ? encodeAuditCursor(last.id) : null };
}
