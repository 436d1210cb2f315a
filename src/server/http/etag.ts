/**
 * Conditional GETs for the REST adapter: every 200 answer to a GET carries a weak ETag of its JSON body,
 * and a request whose If-None-Match names it is answered 304 with no body. A dashboard polling an
 * unchanged list then receives a few headers instead of the list. The tag is derived from the body alone
 * (a hash), so any change to what the caller would see (a status, a name, a row added or gone) gives a
 * new tag, and the tag says nothing the caller's own copy does not.
 */
import { createHash } from 'node:crypto';

export function etagOf(body: string): string {
  return `W/"${createHash('sha1').update(body).digest('base64url')}"`;
}

/**
 * Whether an If-None-Match header names this tag (RFC 9110 §13.1.2: weak comparison, a list of tags,
 * or `*`). Anything malformed simply does not match.
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = opaque(etag);
  return header.split(',').some((tag) => opaque(tag) === wanted);
}
