import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller, type AppRouter } from '../../src/server/routers/root.ts';
import { LoginThrottle } from '../../src/server/auth/login-throttle.ts';
import { createContextInner } from '../../src/server/trpc.ts';
import { createLogger } from '../../src/server/logger.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

function client(token?: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${app.baseUrl}/trpc`,
        transformer: superjson,
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      }),
    ],
  });
}

describe('tRPC over HTTP', () => {
  it('runs the same procedures as REST, with Dates intact through superjson', async () => {
    const user = await app.createUser();
    const login = await client().auth.login.mutate({ email: user.email, password: user.password });
    const api = client(login.accessToken);
    const catalog = await api.catalog.get.query();
    const { server } = await api.servers.create.mutate({
      name: 'trpc-1',
      planId: catalog.plans[0]!.id,
      imageId: catalog.images[0]!.id,
      locationId: catalog.locations[0]!.id,
    });
    expect(server.createdAt).toBeInstanceOf(Date);
    const list = await api.servers.list.query();
    expect(list.servers.map((s) => s.id)).toEqual([server.id]);
  });

  it('reports validation errors with the field names and no stack', async () => {
    const err = await client()
      .auth.login.mutate({ email: 'nope', password: '' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    const data = (err as TRPCClientError<AppRouter>).data as Record<string, unknown>;
    expect(data).toMatchObject({ appCode: 'VALIDATION_FAILED', httpStatus: 400 });
    expect(data.fields).toEqual({ email: 'must be an email address', password: 'is required' });
    expect(data).not.toHaveProperty('stack');
  });

  it('answers UNAUTHORIZED without a token', async () => {
    const err = (await client()
      .users.me.query()
      .catch((e: unknown) => e)) as TRPCClientError<AppRouter>;
    expect(err.data?.httpStatus).toBe(401);
  });
});

describe('createCaller (no HTTP)', () => {
  it('serves a procedure from an inner context', async () => {
    const user = await app.createUser();
    const jar = new Map<string, string>();
    const ctx = createContextInner(
      {
        db: app.db,
        config: app.config,
        log: createLogger('silent'),
        loginThrottle: new LoginThrottle(app.db),
      },
      {
        requestId: 'test',
        ip: '127.0.0.1',
        log: createLogger('silent'),
        authorization: undefined,
        cookies: {
          get: (n) => jar.get(n),
          set: (n, v) => void jar.set(n, v),
          clear: (n) => void jar.delete(n),
        },
        crossSite: false,
      },
    );
    const result = await createCaller(ctx).auth.login({ email: user.email, password: user.password });
    expect(result.user.id).toBe(user.id);
    expect(jar.get('keel_refresh')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
