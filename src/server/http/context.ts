import type { Request, Response } from 'express';
import { createContextInner, type AppDeps, type Context, type CookieJar } from '../trpc.ts';
import { isCrossSite } from './cross-site.ts';
import { idempotencyKeyOf } from './idempotency.ts';

export type RequestContextFactory = (req: Request, res: Response) => Context;

/**
 * Secure cookies over HTTPS, and whenever Keel is told it sits behind a TLS proxy (even one that does
 * not say X-Forwarded-Proto). A Secure cookie is named `__Host-…`: the browser then accepts it only
 * with Secure, Path=/ and no Domain, so no sibling subdomain can plant or shadow it.
 */
function cookieJar(req: Request, res: Response, secure: boolean): CookieJar {
  const cookies = (req.cookies ?? {}) as Record<string, string | undefined>;
  const options = { httpOnly: true, sameSite: 'strict' as const, secure, path: '/' };
  const named = (name: string) => (secure ? `__Host-${name}` : name);
  return {
    get: (name) => cookies[named(name)],
    set: (name, value, maxAgeSeconds) =>
      void res.cookie(named(name), value, { ...options, maxAge: maxAgeSeconds * 1000 }),
    clear: (name) => void res.clearCookie(named(name), options),
  };
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The express side of the context: bearer header, cookies, client address, request id and logger. */
export function expressContextFactory(deps: AppDeps): RequestContextFactory {
  const behindTlsProxy = deps.config.TRUST_PROXY !== false;
  return (req, res) =>
    createContextInner(deps, {
      // genReqId in app.ts gives every request a string id.
      requestId: req.id as string,
      ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      log: req.log,
      authorization: req.headers.authorization,
      cookies: cookieJar(req, res, req.secure || behindTlsProxy),
      crossSite: isCrossSite(
        { secFetchSite: header(req, 'sec-fetch-site'), origin: header(req, 'origin') },
        `${req.protocol}://${req.host}`,
      ),
      idempotencyKey: idempotencyKeyOf(req),
      setResponseHeader: (name, value) => void res.setHeader(name, value),
    });
}
