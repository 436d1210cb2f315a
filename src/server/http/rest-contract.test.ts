import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTRPCRouter, protectedProcedure, publicProcedure, type RestMeta } from '../trpc.ts';
import { restInput, restLocation, restRoutes, restRoutesOf } from './rest-contract.ts';

const ok = z.object({ ok: z.literal(true) });
const thing = z.object({ thing: z.object({ id: z.string() }) });
const withId = z.strictObject({ id: z.string(), colour: z.string().optional() });
const meta = (rest: Partial<RestMeta>): { rest: RestMeta } => ({
  rest: { method: 'GET', path: '/things', operationId: 'listThings', summary: 'Things', errors: [], ...rest },
});
const routesOf = (router: { _def: { procedures: Record<string, unknown> } }) =>
  restRoutesOf(router._def.procedures);

describe('restRoutesOf', () => {
  it('reads a route off a procedure: path params, query less them, access and every error', () => {
    const router = createTRPCRouter({
      things: createTRPCRouter({
        get: protectedProcedure
          .meta(meta({ path: '/things/{id}', operationId: 'getThing', errors: ['NOT_FOUND'] }))
          .input(withId)
          .output(thing)
          .query(({ input }) => ({ thing: { id: input.id } })),
        hidden: publicProcedure.output(ok).query(() => ({ ok: true as const })),
      }),
    });
    const [route, ...others] = routesOf(router);
    expect(others).toEqual([]);
    expect(route).toMatchObject({
      procedurePath: 'things.get',
      type: 'query',
      method: 'get',
      path: '/things/:id',
      openApiPath: '/things/{id}',
      auth: true,
      access: 'user',
      status: 200,
      pathParams: ['id'],
    });
    expect(Object.keys(route!.query!.shape)).toEqual(['colour']);
    expect(route!.body).toBeUndefined();
    expect(route!.errors.sort()).toEqual(
      [
        'UNAUTHORIZED',
        'NOT_FOUND',
        'VALIDATION_FAILED',
        'PAYLOAD_TOO_LARGE',
        'UNSUPPORTED_MEDIA_TYPE',
        'INTERNAL',
        'UNAVAILABLE',
      ].sort(),
    );
  });

  it.each([
    [
      'a procedure without .output()',
      publicProcedure.meta(meta({})).query(() => ({ ok: true as const })),
      'needs .output()',
    ],
    [
      'a path parameter the input lacks',
      publicProcedure
        .meta(meta({ path: '/things/{name}' }))
        .input(withId)
        .output(ok)
        .query(() => ({ ok: true as const })),
      'no field name',
    ],
    [
      'a 202 without a Location',
      publicProcedure
        .meta(meta({ method: 'POST', status: 202 }))
        .output(ok)
        .mutation(() => ({ ok: true as const })),
      'Location goes with 201 and 202',
    ],
  ])('refuses %s at start-up', (_what, procedure, message) => {
    expect(() => routesOf(createTRPCRouter({ p: procedure }))).toThrow(message);
  });

  it('refuses two procedures on one route', () => {
    const list = () =>
      publicProcedure
        .meta(meta({}))
        .output(ok)
        .query(() => ({ ok: true as const }));
    expect(() => routesOf(createTRPCRouter({ a: list(), b: list() }))).toThrow('clashes with a');
  });

  it("serves Keel's routes: every one has an operation id, and each 201 and 202 a Location", () => {
    expect(restRoutes.length).toBeGreaterThan(0);
    for (const route of restRoutes) {
      expect(route.operationId).toMatch(/^[a-z][A-Za-z]+$/);
      expect(route.status === 201 || route.status === 202, route.operationId).toBe(
        route.location !== undefined,
      );
    }
  });
});

describe('restInput', () => {
  const [getThing] = routesOf(
    createTRPCRouter({
      get: publicProcedure
        .meta(meta({ path: '/things/{id}' }))
        .input(withId)
        .output(thing)
        .query(({ input }) => ({ thing: { id: input.id } })),
    }),
  );
  const [paint, create] = routesOf(
    createTRPCRouter({
      paint: publicProcedure
        .meta(meta({ method: 'POST', path: '/things/{id}/paint', operationId: 'paint' }))
        .input(withId)
        .output(ok)
        .mutation(() => ({ ok: true as const })),
      create: publicProcedure
        .meta(meta({ method: 'POST', path: '/things', operationId: 'create' }))
        .input(withId)
        .output(ok)
        .mutation(() => ({ ok: true as const })),
    }),
  );

  it('merges path parameters over the query (GET) or the body (POST)', () => {
    const req = { params: { id: 'p' }, query: { colour: 'red', id: 'q' }, body: { colour: 'blue', id: 'b' } };
    expect(restInput(getThing!, req)).toEqual({ colour: 'red', id: 'p' });
    expect(restInput(paint!, req)).toEqual({ colour: 'blue', id: 'p' });
    expect(restInput(paint!, { ...req, body: undefined })).toEqual({ id: 'p' });
  });

  it('passes a body as it came when there are no path parameters, or it is not an object', () => {
    expect(restInput(create!, { params: {}, query: {}, body: [1, 2] })).toEqual([1, 2]);
    expect(restInput(paint!, { params: { id: 'p' }, query: {}, body: 'text' })).toBe('text');
  });
});

describe('restLocation', () => {
  const [route] = routesOf(
    createTRPCRouter({
      make: publicProcedure
        .meta(meta({ method: 'POST', status: 202, location: '/things/{thing.id}', operationId: 'make' }))
        .output(thing)
        .mutation(() => ({ thing: { id: 'a b' } })),
    }),
  );

  it('fills the template from the response, encoded, under /api', () => {
    expect(restLocation(route!, { thing: { id: 'a b' } })).toBe('/api/things/a%20b');
  });

  it('throws when the response lacks the field (a wrong template fails loudly, not silently)', () => {
    expect(() => restLocation(route!, { other: 1 })).toThrow('no thing.id');
  });
});
