/**
 * Where to go after signing in: only a path on this site, so a crafted `?next=//evil.example` link
 * cannot send the user elsewhere, and never back to the sign-in page itself.
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (next.startsWith('/login')) return '/';
  return next;
}
