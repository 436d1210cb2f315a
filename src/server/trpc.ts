/**
 * Keel's tRPC foundation, in three parts: the context, the tRPC instance, and the base procedures.
 * Everything else builds on `publicProcedure`, `protectedProcedure` and `adminProcedure`.
 */
import { initTRPC } from '@trpc/server';
import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import superjson from 'superjson';
import type { User } from '../shared/api.ts';
import type { ErrorCode } from '../shared/errors.ts';
import type { TokenScope } from '../shared/tokens.ts';
import { findApiToken, isApiTokenSecret } from './auth/api-tokens.ts';
import { verifyAccessToken } from './auth/tokens.ts';
import type { LoginThrottle } from './auth/login-throttle.ts';
import type { PveClient } from './pve/client.ts';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import { users } from './db/schema.ts';
import { appError, toPublicError } from './errors.ts';

// 1. Context ---------------------------------------------------------------------------------------

/** What a request may do with cookies, without knowing it is HTTP (tests pass a plain object). */
export interface CookieJar {
  get(name: string): string | undefined;
  set(name: string, value: string, maxAgeSeconds: number): void;
  clear(name: string): void;
}

/** Long-lived parts shared by every request. */
export interface AppDeps {
  db: Database;
  config: Config;
  log: Logger;
  loginThrottle: LoginThrottle;
  /** Used for a quick capacity check when a server is ordered; absent in tests without PVE. */
  pve?: PveClient | undefined;
}

/** Per-request parts. */
export interface RequestScope {
  requestId: string;
  ip: string;
  log: Logger;
  /** The raw Authorization header, if any. */
  authorization: string | undefined;
  cookies: CookieJar;
  /** The browser says another site made this request (Sec-Fetch-Site, else Origin; http/context.ts). */
  crossSite: boolean;
}

export function createContextInner(deps: AppDeps, scope: RequestScope) {
  return { ...deps, ...scope };
}
export type Context = ReturnType<typeof createContextInner>;

// 2. Init -------------------------------------------------------------------------------------------

/**
 * How a procedure is also served over REST under /api. The REST adapter and the OpenAPI document are
 * both generated from this, so a procedure with `meta.rest` is a documented route and nothing else is.
 */
export interface RestMeta {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /**
   * Under /api, with path parameters in braces (`/servers/{id}`), each a field of the input. The rest
   * of the input comes from the query string (GET, DELETE) or the JSON body (POST, PUT, PATCH).
   */
  path: `/${string}`;
  operationId: string;
  summary: string;
  /** 200 unless said: 201 Created, or 202 Accepted when the work goes on in the background. */
  status?: 200 | 201 | 202;
  /** With 201 or 202: the resource to look at, filled in from the response: `/servers/{server.id}`. */
  location?: `/${string}`;
  /**
   * The errors the procedure itself can answer. Those of its base procedure (`guardErrors`), of input
   * validation and of the transport (413, 415, 500, 503) are added to the document for it.
   */
  errors: readonly ErrorCode[];
}

export interface KeelMeta {
  /** Who may call: set by protectedProcedure ('user') and adminProcedure ('admin'); absent is public. */
  auth?: 'user' | 'admin';
  /** What the base procedure's middleware answers before the handler runs; set by the base procedures. */
  guardErrors?: readonly ErrorCode[];
  /** What it answers besides, for mutations only (an API token without the write scope). */
  mutationGuardErrors?: readonly ErrorCode[];
  rest?: RestMeta;
}

const withMeta = initTRPC.context<Context>().meta<KeelMeta>();
const t = withMeta.create({
  transformer: superjson,
  // Never send stack traces, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error }) {
    const { body, retryAfter } = toPublicError(error);
    return {
      ...shape,
      message: body.error.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        appCode: body.error.code,
        fields: body.error.fields,
        retryAfter,
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

// 3. Procedures -------------------------------------------------------------------------------------

export const publicProcedure = t.procedure;

/**
 * For the procedures that read or set the refresh cookie. The browser attaches that cookie by itself,
 * so a request another site made (even a same-site sibling on another subdomain or port, which
 * SameSite lets through) is refused before anything else.
 */
export const cookieProcedure = t.procedure.meta({ guardErrors: ['FORBIDDEN'] }).use(({ ctx, next }) => {
  if (ctx.crossSite)
    throw appError('FORBIDDEN', 'This request came from another site; sign in from Keel’s own pages.');
  return next();
});

const unauthorized = (message: string) => appError('UNAUTHORIZED', message);
const invalidToken = () => unauthorized('The access token is invalid or has expired. Sign in again.');

/** How a request proved who it is: a session's access token, or an API token with its scopes. */
export type Credential =
  { kind: 'session'; sid: string | null } | { kind: 'token'; tokenId: string; scopes: readonly TokenScope[] };

/** The user a bearer header stands for, and how; throws UNAUTHORIZED for anything else. */
async function authenticate(ctx: Context): Promise<{ user: User; credential: Credential }> {
  if (!ctx.authorization) throw unauthorized('Sign in first: this request has no bearer token.');
  const bearer = /^Bearer (\S+)$/.exec(ctx.authorization.trim())?.[1] ?? '';
  let userId: string;
  let credential: Credential;
  if (isApiTokenSecret(bearer)) {
    const holder = await findApiToken(ctx.db, bearer, ctx.ip);
    if (!holder) throw unauthorized('The API token is unknown, revoked or expired.');
    userId = holder.userId;
    credential = { kind: 'token', tokenId: holder.tokenId, scopes: holder.scopes };
  } else {
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(bearer))
      throw unauthorized('The Authorization header must be "Bearer <access token or API token>".');
    const claims = await verifyAccessToken(ctx.config.jwtSecret, bearer);
    if (!claims) throw invalidToken();
    userId = claims.sub;
    credential = { kind: 'session', sid: claims.sid ?? null };
  }
  // A deleted user's or demoted admin's token must stop working at once, so the user is read each time.
  const [user] = await ctx.db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  if (!user) throw invalidToken();
  return { user, credential };
}

const missingScope = (scope: TokenScope) =>
  appError('FORBIDDEN', `This API token lacks the ${scope} scope, which this request needs.`);

/** Whether a credential carries a scope; a session carries them all (its user's role still decides). */
export function hasScope(credential: Credential, scope: TokenScope): boolean {
  return credential.kind === 'session' || credential.scopes.includes(scope);
}

/**
 * Verifies the bearer token (a session's JWT or an API token) and loads its user; a handler behind it
 * always has `ctx.user` and `ctx.credential`. An API token must carry `read` for a query and `write`
 * for a mutation: one rule here covers every procedure.
 */
const signedIn: KeelMeta = {
  auth: 'user',
  guardErrors: ['UNAUTHORIZED'],
  mutationGuardErrors: ['FORBIDDEN'],
};
export const protectedProcedure = t.procedure.meta(signedIn).use(async ({ ctx, next, type }) => {
  const { user, credential } = await authenticate(ctx);
  const needed: TokenScope = type === 'query' ? 'read' : 'write';
  if (!hasScope(credential, needed)) throw missingScope(needed);
  return next({
    ctx: {
      user: user satisfies User,
      credential,
      // The sign-in behind a session's token (null for an API token or a token without one): consoles end with it.
      authSession: credential.kind === 'session' ? credential.sid : null,
      log: ctx.log.child({ userId: user.id }),
    },
  });
});

const adminOnly: KeelMeta = { auth: 'admin', guardErrors: ['UNAUTHORIZED', 'FORBIDDEN'] };
export const adminProcedure = protectedProcedure.meta(adminOnly).use(({ ctx, next }) => {
  if (ctx.user.role !== 'admin') throw appError('FORBIDDEN', 'This needs an administrator account.');
  if (!hasScope(ctx.credential, 'admin')) throw missingScope('admin');
  return next();
});
