/**
 * Whether a browser made a request on behalf of another site. Modern browsers say so in
 * `Sec-Fetch-Site`, which is then the whole answer: only `same-origin` (and `none`, a request the user
 * made by typing or bookmarking) count as Keel's own. A same-site sibling on another subdomain or port
 * is another site here, which SameSite cookies alone would let through. Browsers without that header
 * still send `Origin` on the requests that matter (POST); it must be Keel's own origin. A request with
 * neither comes from no browser (curl, scripts), which holds no cookie of a victim's to abuse.
 */
export interface BrowserHeaders {
  secFetchSite?: string | undefined;
  origin?: string | undefined;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    const left = new URL(a);
    const right = new URL(b);
    return left.origin !== 'null' && left.origin === right.origin;
  } catch {
    return false;
  }
}

/** @param ownOrigin `scheme://host[:port]` as this request reached Keel (behind a proxy, as the proxy says). */
export function isCrossSite(headers: BrowserHeaders, ownOrigin: string): boolean {
  if (headers.secFetchSite !== undefined) {
    const site = headers.secFetchSite.trim().toLowerCase();
    return site !== 'same-origin' && site !== 'none';
  }
  if (headers.origin !== undefined) return !sameOrigin(headers.origin.trim(), ownOrigin);
  return false;
}
