/**
 * The web console's records: one-time tickets (stored as SHA-256 only, bound to the user, the server and
 * the sign-in that asked, good for `consoleTicketTtlSeconds`), the opening that consumes one, what ends an
 * open console, and its close. The WebSocket and the RFB bytes are http/console-proxy.ts's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, inArray, isNotNull, isNull, lt, ne, sql } from 'drizzle-orm';
import { consoleTicketTtlSeconds, type ConsoleTicket } from '../../../shared/console.ts';
import type { ServerStatus } from '../../../shared/server-status.ts';
import { recordAudit } from '../../db/audit.ts';
import type { Database } from '../../db/client.ts';
import { consoleSessions, refreshTokens, servers, users } from '../../db/schema.ts';
import { appError } from '../../errors.ts';
import { assertServerId, serverNotFound } from './read.ts';

export interface ConsoleRequestInfo {
  userId: string;
  /** The sign-in (refresh-token family) of the access token, when it carries one. */
  authSession: string | null;
  requestId: string;
}

const hashTicket = (ticket: string): string => createHash('sha256').update(ticket).digest('hex');

/** Why a console cannot be had for a server in this status, or null when it can. */
export function consoleRefusal(status: ServerStatus): string | null {
  if (status === 'running') return null;
  if (status === 'suspended')
    return 'This server is suspended; its console is closed until it is unsuspended.';
  return `The console needs a running server; this one is ${status}.`;
}

/** A ticket for one console on the user's running server, to be presented within the TTL. */
export async function issueConsoleTicket(
  db: Database,
  info: ConsoleRequestInfo,
  id: string,
  now = new Date(),
): Promise<ConsoleTicket> {
  assertServerId(id);
  const [server] = await db
    .select({ id: servers.id, status: servers.status, vmid: servers.pveVmid })
    .from(servers)
    .where(and(eq(servers.id, id), eq(servers.userId, info.userId)))
    .limit(1);
  if (!server) throw serverNotFound();
  const refusal =
    consoleRefusal(server.status) ?? (server.vmid === null ? 'This server has no VM yet.' : null);
  if (refusal) throw appError('INVALID_STATE', refusal);

  // Tickets nobody used are kept only until they expire.
  await db
    .delete(consoleSessions)
    .where(
      and(
        eq(consoleSessions.userId, info.userId),
        isNull(consoleSessions.openedAt),
        lt(consoleSessions.expiresAt, now),
      ),
    );
  const ticket = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + consoleTicketTtlSeconds * 1000);
  await db.insert(consoleSessions).values({
    userId: info.userId,
    serverId: server.id,
    authSession: info.authSession,
    ticketHash: hashTicket(ticket),
    expiresAt,
  });
  return {
    ticket,
    path: `/api/servers/${server.id}/console/ws?ticket=${ticket}`,
    expiresAt,
  };
}

export interface OpenedConsole {
  sessionId: string;
  userId: string;
  serverId: string;
  serverName: string;
  node: string;
  vmid: number;
  /** Consoles of the same user and server this one replaced: to be closed. */
  replaced: string[];
}

const badTicket = () =>
  appError(
    'UNAUTHORIZED',
    'This console ticket is not valid: it was used already, has expired or is for another server. Open the console again.',
  );

/** A live sign-in: the family still has a token that was not revoked (signing out revokes them all). */
const liveSignIn = (authSession: typeof consoleSessions.authSession) =>
  sql<boolean>`(${authSession} is null or exists (select 1 from ${refreshTokens} where ${refreshTokens.familyId} = ${authSession} and ${refreshTokens.revokedAt} is null and ${refreshTokens.expiresAt} > now()))`;

/**
 * Consumes a ticket (one conditional UPDATE: two presentations cannot both win), checks that its user
 * and sign-in are still there and the server still running, marks the user's other consoles of this
 * server replaced, and records the opening.
 */
export async function openConsole(
  db: Database,
  serverId: string,
  ticket: string,
  context: { ip: string },
): Promise<OpenedConsole> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(ticket)) throw badTicket();
  assertServerId(serverId);
  const [session] = await db
    .update(consoleSessions)
    .set({ openedAt: sql`now()` })
    .where(
      and(
        eq(consoleSessions.ticketHash, hashTicket(ticket)),
        eq(consoleSessions.serverId, serverId),
        isNull(consoleSessions.openedAt),
        gt(consoleSessions.expiresAt, sql`now()`),
      ),
    )
    .returning({
      id: consoleSessions.id,
      userId: consoleSessions.userId,
      authSession: consoleSessions.authSession,
    });
  if (!session) throw badTicket();
  const [row] = await db
    .select({
      name: servers.name,
      status: servers.status,
      node: servers.pveNode,
      vmid: servers.pveVmid,
      signedIn: liveSignIn(consoleSessions.authSession),
      disabled: sql<boolean>`${users.disabledAt} is not null`,
    })
    .from(consoleSessions)
    .innerJoin(users, eq(users.id, consoleSessions.userId))
    .innerJoin(servers, and(eq(servers.id, consoleSessions.serverId), eq(servers.userId, users.id)))
    .where(eq(consoleSessions.id, session.id))
    .limit(1);
  const refuse = async (reason: string, err: Error) => {
    await closeConsole(db, session.id, reason, { audit: false });
    throw err;
  };
  if (!row?.signedIn || row.disabled)
    return refuse('session', appError('UNAUTHORIZED', 'Your session has ended. Sign in again.'));
  const refusal = consoleRefusal(row.status);
  if (refusal) return refuse('server', appError('INVALID_STATE', refusal));
  if (!row.node || row.vmid === null)
    return refuse('server', appError('INVALID_STATE', 'This server has no VM yet.'));

  const replaced = await db
    .update(consoleSessions)
    .set({ closedAt: sql`now()`, closeReason: 'replaced' })
    .where(
      and(
        eq(consoleSessions.userId, session.userId),
        eq(consoleSessions.serverId, serverId),
        ne(consoleSessions.id, session.id),
        isNotNull(consoleSessions.openedAt),
        isNull(consoleSessions.closedAt),
      ),
    )
    .returning({ id: consoleSessions.id });
  await recordAudit(db, {
    kind: 'server.console.opened',
    message: 'Console opened',
    serverId,
    actorUserId: session.userId,
    data: { consoleId: session.id, ip: context.ip, replaced: replaced.length },
  });
  return {
    sessionId: session.id,
    userId: session.userId,
    serverId,
    serverName: row.name,
    node: row.node,
    vmid: row.vmid,
    replaced: replaced.map((r) => r.id),
  };
}

export type ConsoleEndReason = 'replaced' | 'session' | 'server';

/**
 * Of these open consoles, the ones that must end now, and why: replaced by a newer one (possibly in
 * another Keel process), their user or sign-in gone, or their server no longer running.
 */
export async function consolesToEnd(db: Database, ids: string[]): Promise<Map<string, ConsoleEndReason>> {
  const ended = new Map<string, ConsoleEndReason>();
  if (ids.length === 0) return ended;
  const rows = await db
    .select({
      id: consoleSessions.id,
      closedAt: consoleSessions.closedAt,
      // A disabled account counts as gone: its consoles end with its sessions.
      userExists: sql<boolean>`${users.id} is not null and ${users.disabledAt} is null`,
      signedIn: liveSignIn(consoleSessions.authSession),
      userId: consoleSessions.userId,
      // Null when the server is gone.
      server: { status: servers.status, ownerId: servers.userId },
    })
    .from(consoleSessions)
    .leftJoin(users, eq(users.id, consoleSessions.userId))
    .leftJoin(servers, eq(servers.id, consoleSessions.serverId))
    .where(inArray(consoleSessions.id, ids));
  const found = new Set(rows.map((r) => r.id));
  for (const id of ids) if (!found.has(id)) ended.set(id, 'session'); // deleted with its user or server
  for (const row of rows) {
    if (row.closedAt) ended.set(row.id, 'replaced');
    else if (!row.userExists || !row.signedIn) ended.set(row.id, 'session');
    else if (!row.server || row.server.ownerId !== row.userId || consoleRefusal(row.server.status))
      ended.set(row.id, 'server');
  }
  return ended;
}

/** Marks a console closed (the first reason given stays) and records it in the audit trail. */
export async function closeConsole(
  db: Database,
  id: string,
  reason: string,
  options: { audit: boolean } = { audit: true },
): Promise<void> {
  const [row] = await db
    .update(consoleSessions)
    .set({
      closedAt: sql`coalesce(${consoleSessions.closedAt}, now())`,
      closeReason: sql`coalesce(${consoleSessions.closeReason}, ${reason})`,
    })
    .where(eq(consoleSessions.id, id))
    .returning({
      serverId: consoleSessions.serverId,
      userId: consoleSessions.userId,
      openedAt: consoleSessions.openedAt,
      closedAt: consoleSessions.closedAt,
      reason: consoleSessions.closeReason,
    });
  if (!row || !options.audit) return;
  const seconds =
    row.openedAt && row.closedAt ? Math.round((row.closedAt.getTime() - row.openedAt.getTime()) / 1000) : 0;
  await recordAudit(db, {
    kind: 'server.console.closed',
    message: 'Console closed',
    serverId: row.serverId,
    actorUserId: row.userId,
    data: { consoleId: id, reason: row.reason ?? reason, seconds },
  });
}
