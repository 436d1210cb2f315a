/**
 * The typed API client. Every call carries the in-memory access token; a call refused with 401 triggers
 * one silent renewal through the refresh cookie (shared by every caller waiting at that moment) and is
 * retried once. When renewal fails the session ends and the app sends the user to sign in.
 */
import { QueryClient } from '@tanstack/react-query';
import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  splitLink,
  TRPCClientError,
  type TRPCLink,
} from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { observable } from '@trpc/server/observable';
import superjson from 'superjson';
import type { AppRouter } from '../../server/routers/root.ts';
import type { LoginResult } from '../../shared/api.ts';
import { trpcMaxBatchSize } from '../../shared/trpc-limits.ts';
import { getAccessToken, signedIn, signedOut } from './session.ts';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        // A refused or missing thing will not appear by asking again; a network blip may.
        retry: (failures, error) => failures < 2 && !hasHttpStatus(error, [400, 401, 403, 404, 409, 422]),
      },
    },
  });
}

function hasHttpStatus(error: unknown, statuses: number[]): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const status = (error.data as { httpStatus?: unknown } | undefined)?.httpStatus;
  return typeof status === 'number' && statuses.includes(status);
}

/** Absolute, so the same client works in the browser and in tests running on Node's fetch. */
const url = () => `${window.location.origin}/trpc`;

const authorization = () => {
  const token = getAccessToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
};

/**
 * Calls are batched up to the server's cap, except sign-in, refresh and sign-out: the server takes
 * each of those only as a request of its own.
 */
function transportLink(): TRPCLink<AppRouter> {
  return splitLink({
    condition: (op) => op.path.startsWith('auth.'),
    true: httpLink({ url: url(), transformer: superjson, headers: authorization }),
    false: httpBatchLink({
      url: url(),
      transformer: superjson,
      maxItems: trpcMaxBatchSize,
      headers: authorization,
    }),
  });
}

/** A client without the retry link, so renewing cannot recurse into renewing. */
const sessionClient = createTRPCClient<AppRouter>({ links: [transportLink()] });

let renewal: Promise<LoginResult | null> | null = null;

/**
 * Renews the access token with the refresh cookie. Concurrent callers share one request: the server
 * rotates the cookie on each use and treats a second use of the old one as theft.
 */
export function renewSession(): Promise<LoginResult | null> {
  renewal ??= sessionClient.auth.refresh
    .mutate()
    .then(
      (result) => {
        signedIn(result.accessToken, result.user);
        return result;
      },
      () => null,
    )
    .finally(() => {
      renewal = null;
    });
  return renewal;
}

/** Calls that must not trigger a renewal: they are the sign-in machinery itself. */
const sessionPaths = new Set(['auth.login', 'auth.refresh', 'auth.logout']);

export function renewOnUnauthorizedLink(): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let retried = false;
        let subscription: { unsubscribe(): void } | null = null;
        const attempt = () => {
          subscription = next(op).subscribe({
            next: (value) => observer.next(value),
            complete: () => observer.complete(),
            error: (error) => {
              if (retried || sessionPaths.has(op.path) || !hasHttpStatus(error, [401])) {
                observer.error(error);
                return;
              }
              retried = true;
              void renewSession().then((result) => {
                if (result) {
                  attempt();
                } else {
                  signedOut('expired');
                  observer.error(error);
                }
              });
            },
          });
        };
        attempt();
        return () => subscription?.unsubscribe();
      });
}

export function createApiClient() {
  return createTRPCClient<AppRouter>({ links: [renewOnUnauthorizedLink(), transportLink()] });
}

export type ApiClient = ReturnType<typeof createApiClient>;
