/** Pure presentation rules for servers: labels, tones, sizes, ages, filtering, polling. */
import type { Server } from '../../../../shared/api.ts';
import { transitionalStatuses, type ServerStatus } from '../../../../shared/server-status.ts';

// Shared with the operator console.
export { statusLabels, statusTones, type StatusTone } from '../../../lib/server-status-display.ts';

export function isTransitional(status: ServerStatus): boolean {
  return transitionalStatuses.has(status);
}

/** 512 → "512 MB", 1024 → "1 GB", 1536 → "1.5 GB". */
export function formatMemory(mb: number): string {
  if (mb < 1024) return `${mb} MB`;
  const gb = mb / 1024;
  return `${Number.isInteger(gb) ? gb : gb.toFixed(1)} GB`;
}

/** "2 vCPU · 4 GB RAM · 80 GB disk" */
export function formatSpecs(server: Pick<Server, 'cpuCores' | 'memoryMb' | 'diskGb'>): string {
  return `${server.cpuCores} vCPU · ${formatMemory(server.memoryMb)} RAM · ${server.diskGb} GB disk`;
}

/** How long ago, in the largest whole unit: "just now", "5 min ago", "3 h ago", "2 d ago", "4 mo ago". */
export function formatAge(from: Date, now: Date): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - from.getTime()) / 1000));
  if (seconds < 60) return 'just now';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  if (days < 60) return `${days} d ago`;
  const months = Math.floor(days / 30.44);
  if (months < 24) return `${months} mo ago`;
  return `${Math.floor(days / 365.25)} y ago`;
}

/** 500 → "5.00 / month" (the catalogue carries no currency, so none is invented). */
export function formatMonthlyPrice(cents: number | null): string | null {
  return cents === null ? null : `${(cents / 100).toFixed(2)} / month`;
}

export type StatusFilter = 'all' | 'active' | ServerStatus;

export interface ServerFilter {
  status: StatusFilter;
  query: string;
}

/** `active` means work is under way (any transitional status). The search matches names, IPs and ids. */
export function filterServers(servers: readonly Server[], filter: ServerFilter): Server[] {
  const query = filter.query.trim().toLowerCase();
  return servers.filter((server) => {
    if (filter.status === 'active' && !isTransitional(server.status)) return false;
    if (filter.status !== 'all' && filter.status !== 'active' && server.status !== filter.status)
      return false;
    if (!query) return true;
    return (
      server.name.toLowerCase().includes(query) ||
      (server.ipAddress ?? '').includes(query) ||
      server.id.startsWith(query)
    );
  });
}

export const pollIntervalMs = 2_000;

/** Poll while any server shown is changing; stop once all have settled. */
export function refetchIntervalFor(servers: readonly Pick<Server, 'status'>[] | undefined): number | false {
  return servers?.some((s) => isTransitional(s.status)) ? pollIntervalMs : false;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageCount: number;
  first: number;
  last: number;
  total: number;
}

/** One page of `items` (pages count from 1; an out-of-range page is clamped). */
export function paginate<T>(items: readonly T[], page: number, pageSize: number): Page<T> {
  const pageCount = Math.max(1, Math.ceil(items.length / pageSize));
  const current = Math.min(Math.max(1, page), pageCount);
  const start = (current - 1) * pageSize;
  const slice = items.slice(start, start + pageSize);
  return {
    items: slice,
    page: current,
    pageCount,
    first: slice.length ? start + 1 : 0,
    last: start + slice.length,
    total: items.length,
  };
}
