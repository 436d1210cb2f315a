/**
 * Who is signed in. The access token lives in memory only (never storage a script could read later); the
 * httpOnly refresh cookie renews it. Components read the session through `useSession`.
 */
import { useSyncExternalStore } from 'react';
import type { User } from '../../shared/api.ts';

export type Session =
  { status: 'unknown' } | { status: 'signedOut'; expired: boolean } | { status: 'signedIn'; user: User };

let accessToken: string | null = null;
let session: Session = { status: 'unknown' };
const listeners = new Set<() => void>();

function publish(next: Session): void {
  session = next;
  for (const listener of listeners) listener();
}

export function getAccessToken(): string | null {
  return accessToken;
}

export function getSession(): Session {
  return session;
}

export function signedIn(token: string, user: User): void {
  accessToken = token;
  publish({ status: 'signedIn', user });
}

/** `expired` says the session ended on its own (not by "Sign out"), so the login page can say so. */
export function signedOut(expired = false): void {
  accessToken = null;
  publish({ status: 'signedOut', expired });
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): Session {
  return useSyncExternalStore(subscribeSession, getSession, getSession);
}

/** Back to "not known yet", as on a fresh page load (tests start each case here). */
export function resetSession(): void {
  accessToken = null;
  publish({ status: 'unknown' });
}
