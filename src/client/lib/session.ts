/**
 * Who is signed in. The access token lives in memory only (never storage a script could read later); the
 * httpOnly refresh cookie renews it. Components read the session through `useSession`.
 */
import { useSyncExternalStore } from 'react';
import type { User } from '../../shared/api.ts';

/**
 * Why nobody is signed in: no session to renew on this visit, the session ran out on its own, or the
 * user signed out (here or in another tab). Only a session that ran out says so on the sign-in page;
 * only a deliberate sign-out forgets the page to come back to.
 */
export type SignedOutReason = 'no-session' | 'expired' | 'signed-out';

export type Session =
  | { status: 'unknown' }
  | { status: 'signedOut'; reason: SignedOutReason }
  | { status: 'signedIn'; user: User };

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

/** The signed-in user's own details changed (a new name or email address); the session goes on. */
export function userUpdated(user: User): void {
  if (session.status === 'signedIn') publish({ status: 'signedIn', user });
}

export function signedOut(reason: SignedOutReason): void {
  accessToken = null;
  publish({ status: 'signedOut', reason });
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
