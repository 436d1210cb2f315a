/**
 * The search params of the console's lists, read from the address bar. They live with the route tree
 * (a route checks its search before its lazy page loads), so they are plain functions with no part of
 * the console in them: whatever is not a known value is dropped, never an error page.
 */
import { serverStatuses, type ServerStatus } from '../../shared/server-status.ts';

export interface AdminServersSearch {
  status?: ServerStatus;
  /** The owner's user id. */
  customer?: string;
  location?: string;
  node?: string;
  q?: string;
}

export interface AdminAuditSearch {
  /** Events on this customer's servers or about them. */
  customer?: string;
  server?: string;
  actor?: string;
  /** An event kind, or a prefix ending in `*`. */
  kind?: string;
  /** Only events before this time (ISO 8601). */
  before?: string;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const nodeName = /^[a-zA-Z0-9][a-zA-Z0-9.-]{0,63}$/;
const eventKind = /^[a-z0-9_.]+\*?$/;

function text(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const trimmed = String(value).trim();
  return trimmed && trimmed.length <= max ? trimmed : undefined;
}

function matching(value: unknown, pattern: RegExp, max = 100): string | undefined {
  const found = text(value, max);
  return found && pattern.test(found) ? found : undefined;
}

/** Keys whose value is undefined are left out, so the address bar shows only the filters in use. */
function defined<T extends object>(search: T): T {
  return Object.fromEntries(Object.entries(search).filter(([, v]) => v !== undefined)) as T;
}

export function parseAdminServersSearch(search: Record<string, unknown>): AdminServersSearch {
  const status = serverStatuses.find((s) => s === search.status);
  return defined({
    status,
    customer: matching(search.customer, uuid),
    location: matching(search.location, uuid),
    node: matching(search.node, nodeName),
    q: text(search.q, 200),
  });
}

export function parseAdminAuditSearch(search: Record<string, unknown>): AdminAuditSearch {
  const before = text(search.before, 40);
  return defined({
    customer: matching(search.customer, uuid),
    server: matching(search.server, uuid),
    actor: matching(search.actor, uuid),
    kind: matching(search.kind, eventKind),
    before: before && !Number.isNaN(Date.parse(before)) ? before : undefined,
  });
}
