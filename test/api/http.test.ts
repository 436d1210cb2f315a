import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restRoutes } from '../../src/server/http/rest-contract.ts';
import { api, startTestApp, type TestApp } from '../helpers/app.ts';

let app: TestApp;
let token: string;
beforeAll(async () => {
  app = await startTestApp();
  const user = await app.createUser();
  token = (await app.login(user.email, user.password)).accessToken;
});
afterAll(() => app.close());

describe('transport errors keep the error shape', () => {
  it('413 for a body over the limit', async () => {
    const res = await api(app.baseUrl, 'POST', '/api/login', {
      body: JSON.stringify({ email: 'a@b.io', password: 'x'.repeat(200_000) }),
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    '415 for a %s body',
    async (type) => {
      const res = await api(app.baseUrl, 'POST', '/api/servers', {
        token,
        body: 'name=web',
        headers: { 'content-type': type },
      });
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    },
  );

  it('400 for JSON that does not parse', async () => {
    const res = await api(app.baseUrl, 'POST', '/api/login', { body: '{"email": ' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: { body: 'is not valid JSON' },
    });
  });

  it('404 in the error shape for an unknown API route', async () => {
    const res = await api(app.baseUrl, 'GET', '/api/nope', { token });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('401 before 404 on protected routes', async () => {
    expect((await api(app.baseUrl, 'GET', '/api/servers')).status).toBe(401);
  });
});

describe('HTTP hygiene', () => {
  it('honours a sane X-Request-Id and replaces a hostile one', async () => {
    const kept = await api(app.baseUrl, 'GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await api(app.baseUrl, 'GET', '/healthz', {
      headers: { 'x-request-id': 'a b\u00e9<script>' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(app.logLines.some((l) => l.includes('"abc-123"'))).toBe(true);
  });

  it('sends security headers and no CORS permission', async () => {
    const res = await api(app.baseUrl, 'GET', '/api/users/me', {
      token,
      headers: { origin: 'https://evil.example' },
    });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('answers liveness and readiness', async () => {
    expect((await api(app.baseUrl, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await api(app.baseUrl, 'GET', '/readyz')).body).toEqual({ status: 'ready', database: 'ok' });
  });
});

describe('GET /api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document listing every REST route', async () => {
    const res = await api(app.baseUrl, 'GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);

    const listed = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const expected = restRoutes.map(
      (r) => `${r.method.toUpperCase()} /api${r.path.replace(/:(\w+)/g, '{$1}')}`,
    );
    expect(listed.sort()).toEqual(expected.sort());
    for (const route of [
      'POST /api/login',
      'GET /api/users/me',
      'GET /api/servers',
      'POST /api/servers',
      'GET /api/servers/{id}',
      'POST /api/servers/{id}/actions',
      'DELETE /api/servers/{id}',
      'GET /api/catalog',
    ]) {
      expect(listed).toContain(route);
    }
    expect(doc.paths['/api/servers'].post.responses['202']).toBeDefined();
    expect(doc.components.schemas.Server.properties.createdAt).toMatchObject({
      type: 'string',
      format: 'date-time',
    });
  });
});
