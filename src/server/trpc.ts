/**
 * Keel's tRPC foundation, in three parts: the context, the tRPC instance, and the base procedures.
 * Everything else builds on `publicProcedure`, `protectedProcedure` and `adminProcedure`.
 */
import { initTRPC } from '@trpc/server';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import superjson from 'superjson';
import type { User } from '../shared/api.ts';
import type { ErrorCode } from '../shared/errors.ts';
import type { TokenScope } from '../shared/tokens.ts';
import { adminTwoFactorRequiredMessage } from '../shared/two-factor.ts';
import { accountDisabledMessage } from '../shared/users.ts';
import { findApiToken, isApiTokenSecret } from './auth/api-tokens.ts';
import { verifyAccessToken } from './auth/tokens.ts';
import type { LoginThrottle } from './auth/login-throttle.ts';
import type { PveClient } from './pve/client.ts';
import { clusterRegistry, type PveRegistry } from './pve/registry.ts';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import { users, userTwoFactor } from './db/schema.ts';
import { appError, toPublicError } from './errors.ts';
import { idempotentWrites } from './idempotent-writes.ts';
import { lazyChild } from './logger.ts';
import { serializeCommon } from './lib/superjson-fast.ts';

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
  /** Every cluster's client (the default one is `pve`); built from `pve` and the database when absent. */
  clusters?: PveRegistry | undefined;
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
  /** The request's Idempotency-Key header, if any (the writes behind protectedProcedure honour it). */
  idempotencyKey?: string | undefined;
  /** Sets a header on the answer (`Idempotent-Replayed`); absent without HTTP. */
  setResponseHeader?: ((name: string, value: string) => void) | undefined;
}

const registries = new WeakMap<AppDeps, PveRegistry>();
/** The deps' registry, or one made for them once (its clients are kept across requests). */
function registryOf(deps: AppDeps): PveRegistry {
  if (deps.clusters) return deps.clusters;
  let registry = registries.get(deps);
  if (!registry) {
    registry = clusterRegistry(deps.config, deps.db, deps.pve, deps.log);
    registries.set(deps, registry);
  }
  return registry;
}

export function createContextInner(deps: AppDeps, scope: RequestScope) {
  return { ...deps, ...scope, clusters: registryOf(deps) };
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
  /**
   * False for a write whose answer must not be stored for replay under an Idempotency-Key (one that
   * carries a secret meant to be shown once); such a write answers as if no key had been sent.
   */
  idempotent?: boolean;
}

/**
 * superjson, except for an answer it refuses to write: an object with a key such as `prototype` (its
 * guard against prototype pollution), which a 400 naming the caller's bad field `prototype` is. Plain
 * JSON in superjson's envelope carries it instead of turning it into a 500. Plain data and Dates, what
 * most answers are, take serializeCommon's shorter road to the same bytes.
 */
const transformer = {
  serialize: (value: unknown) => {
    // The common answer (plain data and Dates) without superjson's walk and copy; the same bytes.
    const common = serializeCommon(value);
    if (common) return common as ReturnType<typeof superjson.serialize>;
    try {
      return superjson.serialize(value);
    } catch {
      return { json: JSON.parse(JSON.stringify(value)) as ReturnType<typeof superjson.serialize>['json'] };
    }
  },
  deserialize: (value: Parameters<typeof superjson.deserialize>[0]) => superjson.deserialize(value),
};

const withMeta = initTRPC.context<Context>().meta<KeelMeta>();
const t = withMeta.create({
  transformer,
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
export const mergeTRPCRouters = t.mergeRouters;
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

/** Built once per database: the statement every signed-in request runs first. */
function buildUserById(db: Database) {
  return db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      disabledAt: users.disabledAt,
      sessionsEndedAt: users.sessionsEndedAt,
    })
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .limit(1)
    .prepare('keel_user_by_id');
}
const userByIdQueries = new WeakMap<Database, ReturnType<typeof buildUserById>>();
function userById(db: Database) {
  let query = userByIdQueries.get(db);
  if (!query) userByIdQueries.set(db, (query = buildUserById(db)));
  return query;
}

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
  let issuedAt: number | undefined;
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
    issuedAt = claims.issuedAtMs;
    credential = { kind: 'session', sid: claims.sid ?? null };
  }
  // A deleted user's or demoted admin's token must stop working at once, so the user is read each time.
  const [row] = await userById(ctx.db).execute({ id: userId });
  if (!row) throw invalidToken();
  // Disabling an account ends its sessions at once: their access tokens are refused from the next request.
  if (row.disabledAt) throw unauthorized(accountDisabledMessage);
  // A session token from before every session was ended (a password reset, a disabled account); a
  // sign-in right after the end carries a later instant and works.
  if (issuedAt !== undefined && row.sessionsEndedAt && issuedAt < row.sessionsEndedAt.getTime())
    throw invalidToken();
  const { disabledAt: _disabledAt, sessionsEndedAt: _sessionsEndedAt, ...user } = row;
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
const signedInProcedure = t.procedure.meta(signedIn).use(async ({ ctx, next, type }) => {
  const { user, credential } = await authenticate(ctx);
  const needed: TokenScope = type === 'query' ? 'read' : 'write';
  if (!hasScope(credential, needed)) throw missingScope(needed);
  return next({
    ctx: {
      user: user satisfies User,
      credential,
      // The sign-in behind a session's token (null for an API token or a token without one): consoles end with it.
      authSession: credential.kind === 'session' ? credential.sid : null,
      log: lazyChild(ctx.log, { userId: user.id }),
    },
  });
});

/** Verifies the bearer token and loads its user; a handler behind it always has `ctx.user`. Its writes take an Idempotency-Key. */
export const protectedProcedure = signedInProcedure.use(idempotentWrites);

const adminOnly: KeelMeta = { auth: 'admin', guardErrors: ['UNAUTHORIZED', 'FORBIDDEN'] };
export const adminProcedure = signedInProcedure
  .meta(adminOnly)
  .use(({ ctx, next }) => {
    if (ctx.user.role !== 'admin') throw appError('FORBIDDEN', 'This needs an administrator account.');
    if (!hasScope(ctx.credential, 'admin')) throw missingScope('admin');
    return next();
  })
  // With REQUIRE_ADMIN_2FA an administrator enrols first (Account → Security, not an admin route); an
  // API token of theirs is refused too, or making one would be a way around the rule.
  .use(async ({ ctx, next }) => {
    if (ctx.config.REQUIRE_ADMIN_2FA) {
      const [enabled] = await ctx.db
        .select({ userId: userTwoFactor.userId })
        .from(userTwoFactor)
        .where(and(eq(userTwoFactor.userId, ctx.user.id), isNotNull(userTwoFactor.enabledAt)))
        .limit(1);
      if (!enabled) throw appError('FORBIDDEN', adminTwoFactorRequiredMessage);
    }
    return next();
  })
  // After the rights check: a customer's keyed write on an administrators' route is FORBIDDEN first.
  .use(idempotentWrites);
