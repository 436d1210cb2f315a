/** Pure presentation rules for the operator's customer pages. */
import type { AdminUser } from '../../../../shared/users.ts';

/** "running" → "Running", "error" → "Error". */
export function statusText(status: string): string {
  return status.charAt(0).toUpperCase() + status.slice(1);
}

export type QuotaKey = 'maxServers' | 'maxCores' | 'maxMemoryMb';
export type QuotaValues = Record<QuotaKey, string>;

export function quotaValues(user: Pick<AdminUser, 'quota'>): QuotaValues {
  const text = (n: number | null) => (n === null ? '' : String(n));
  return {
    maxServers: text(user.quota.maxServers),
    maxCores: text(user.quota.maxCores),
    maxMemoryMb: text(user.quota.maxMemoryMb),
  };
}

/** An empty field means "the configured default" (null); anything else is sent as a number for the API to check. */
export function quotaInput(values: QuotaValues): Record<QuotaKey, number | null> {
  const value = (text: string) => (text.trim() === '' ? null : Number(text));
  return {
    maxServers: value(values.maxServers),
    maxCores: value(values.maxCores),
    maxMemoryMb: value(values.maxMemoryMb),
  };
}

/** The API lists the link's expiry; the operator reads it in their own time. */
export function expiresText(expiresAt: Date, now: Date): string {
  const minutes = Math.round((expiresAt.getTime() - now.getTime()) / 60_000);
  if (minutes <= 0) return 'It has expired.';
  if (minutes < 120) return `It works once, for the next ${minutes} minutes.`;
  return `It works once, until ${expiresAt.toLocaleString('en')}.`;
}
