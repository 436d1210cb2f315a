import type { Request, Response } from 'express';
import { createContextInner, type AppDeps, type Context, type CookieJar } from '../trpc.ts';

export type RequestContextFactory = (req: Request, res: Response) => Context;

function cookieJar(req: Request, res: Response, secure: boolean): CookieJar {
  const cookies = (req.cookies ?? {}) as Record<string, string | undefined>;
  const options = { httpOnly: true, sameSite: 'strict' as const, secure, path: '/' };
  return {
    get: (name) => cookies[name],
    set: (name, value, maxAgeSeconds) =>
      void res.cookie(name, value, { ...options, maxAge: maxAgeSeconds * 1000 }),
    clear: (name) => void res.clearCookie(name, options),
  };
}

/** The express side of the context: bearer header, cookies, client address, request id and logger. */
export function expressContextFactory(deps: AppDeps): RequestContextFactory {
  return (req, res) =>
    createContextInner(deps, {
      // genReqId in app.ts gives every request a string id.
      requestId: req.id as string,
      ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      log: req.log,
      authorization: req.headers.authorization,
      cookies: cookieJar(req, res, req.secure),
    });
}
