/** Pure helpers for the API-token screens: expiry choices, scope rules and the words for dates. */
import type { TokenScope } from '../../../../shared/tokens.ts';

export const expiryChoices = [
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'No expiry' },
] as const;
export type ExpiryChoice = (typeof expiryChoices)[number]['value'];

export const expiryInDays = (choice: ExpiryChoice): number | undefined =>
  choice === 'never' ? undefined : Number(choice);

export const scopeDescriptions: Record<TokenScope, string> = {
  read: 'Read: list and look at servers and the catalogue',
  write: 'Write: order, change and terminate servers',
  admin: 'Admin: the operator routes',
};

/**
 * The scopes build on each other (write needs read, admin needs write): ticking one ticks those below,
 * clearing one clears those above. `read` is always there.
 */
export function toggleScope(scopes: readonly TokenScope[], scope: TokenScope, on: boolean): TokenScope[] {
  const order: TokenScope[] = ['read', 'write', 'admin'];
  const level = order.indexOf(scope);
  const current = Math.max(...scopes.map((s) => order.indexOf(s)), 0);
  const next = on ? Math.max(current, level) : Math.min(current, level - 1);
  return order.slice(0, Math.max(next, 0) + 1);
}

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });
const dateTimeFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

export const formatDate = (date: Date) => dateFormat.format(date);

/** "Never used", or when and from where. */
export function describeLastUse(lastUsedAt: Date | null, lastUsedIp: string | null): string {
  if (!lastUsedAt) return 'Never used';
  return `${dateTimeFormat.format(lastUsedAt)}${lastUsedIp ? ` from ${lastUsedIp}` : ''}`;
}

/** "No expiry", "Expires …", or "Expired …" once the date has passed. */
export function describeExpiry(expiresAt: Date | null, now: Date): string {
  if (!expiresAt) return 'No expiry';
  return `${expiresAt.getTime() <= now.getTime() ? 'Expired' : 'Expires'} ${formatDate(expiresAt)}`;
}
