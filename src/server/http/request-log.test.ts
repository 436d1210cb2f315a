import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { Writable } from 'node:stream';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from '../logger.ts';
import { requestLog } from './request-log.ts';
import { precomputedHeaders } from './security-headers.ts';

/** pino-http as Keel configured it before http/request-log.ts: the reference for the lines' bytes. */
function pinoHttpAsBefore(log: ReturnType<typeof createLogger>): RequestHandler {
  const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;
  return pinoHttp({
    logger: log,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && requestIdPattern.test(given) ? given : 'generated';
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    quietReqLogger: true,
    wrapSerializers: false,
    serializers: {
      req: (req: { method: string; originalUrl?: string; url: string }) => ({
        method: req.method,
        url: redactUrl(req.originalUrl ?? req.url),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}

async function linesOf(middleware: (log: ReturnType<typeof createLogger>) => RequestHandler) {
  const lines: string[] = [];
  const log = createLogger(
    'debug',
    new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }),
  );
  const app = express();
  app.use(middleware(log));
  const api = express.Router();
  api.get('/ok', (req, res) => {
    req.log.info({ userId: 'u1' }, 'inside');
    req.log.child({ userId: 'u2' }).warn('from a child');
    res.json({ ok: true });
  });
  api.get('/boom', (_req, res) => void res.status(503).json({ error: 'down' }));
  api.get('/hang', () => {});
  app.use('/api', api);
  app.use((_req, res) => void res.status(404).end());
  const server = http.createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${port}${path}`, { headers }).then(async (r) => ({
      status: r.status,
      id: r.headers.get('x-request-id'),
      body: await r.text(),
    }));
  const answers = [
    await get('/api/ok?limit=5&token=secret', { 'x-request-id': 'req-1' }),
    await get('/API/ok', { 'x-request-id': 'req-2' }),
    await get('/api/boom', { 'x-request-id': 'req-3' }),
    await get('/nowhere?password=x', { 'x-request-id': 'req-4' }),
  ];
  // A client that leaves before the answer: the line says so.
  const aborted = new AbortController();
  const pending = fetch(`http://127.0.0.1:${port}/api/hang`, {
    headers: { 'x-request-id': 'req-5' },
    signal: aborted.signal,
  }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 50));
  aborted.abort();
  await pending;
  await new Promise((r) => setTimeout(r, 50));
  server.closeAllConnections();
  server.close();
  const normalized = lines.map((line) =>
    line
      .replace(/"time":"[^"]+"/, '"time":"T"')
      .replace(/"responseTime":\d+/, '"responseTime":0')
      .replace(/"pid":\d+,"hostname":"[^"]+",?/, '')
      .replace(/"stack":"(?:[^"\\]|\\.)*"/, '"stack":"S"'),
  );
  return { answers, lines: normalized };
}

describe('the request log', () => {
  it("writes pino-http's lines, byte for byte, and the same X-Request-Id", async () => {
    const before = await linesOf(pinoHttpAsBefore);
    const after = await linesOf(requestLog);
    expect(after.answers).toEqual(before.answers);
    expect(after.lines).toEqual(before.lines);
    expect(after.lines.join('')).toContain(
      '"reqId":"req-1","req":{"method":"GET","url":"/api/ok?limit=5&token=[redacted]"}',
    );
    expect(after.lines.join('')).toContain('request aborted');
    expect(after.lines.join('')).toContain('request errored');
    // Five requests, and two lines of their own from each of the two that reached /api/ok.
    expect(after.lines).toHaveLength(5 + 2 * 2);
  });

  it('gives a request without a usable X-Request-Id a UUID', async () => {
    const app = express();
    app.use(requestLog(createLogger('silent')));
    app.get('/', (req, res) => void res.json({ id: req.id }));
    const server = http.createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const answer = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'x-request-id': 'bad id!' } });
    const id = answer.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await answer.json()).toEqual({ id });
    server.close();
  });
});

describe('precomputed security headers', () => {
  it("sets helmet's headers, in helmet's order", async () => {
    const options = {
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
      strictTransportSecurity: true,
      crossOriginResourcePolicy: { policy: 'same-origin' as const },
    };
    const headersWith = async (middleware: RequestHandler) => {
      const app = express();
      app.use((_req, res, next) => void (res.setHeader('X-Powered-By', 'x'), next()));
      app.use(middleware);
      app.get('/', (_req, res) => void res.end());
      const server = http.createServer(app).listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      const raw = await new Promise<string[]>((resolve) =>
        http.get(`http://127.0.0.1:${port}/`, (res) => {
          res.resume();
          resolve(res.rawHeaders);
        }),
      );
      server.close();
      const pairs: string[] = [];
      for (let i = 0; i < raw.length; i += 2) if (raw[i] !== 'Date') pairs.push(`${raw[i]}: ${raw[i + 1]}`);
      return pairs;
    };
    const plain = helmet(options);
    const precomputed = precomputedHeaders(plain);
    // Precomputed, not handed back as it came: the comparison below is then between two middlewares.
    expect(precomputed).not.toBe(plain);
    const expected = await headersWith(plain);
    const got = await headersWith(precomputed);
    expect(got).toEqual(expected);
    expect(got.some((h) => h.startsWith('Content-Security-Policy: '))).toBe(true);
    expect(got.some((h) => h.startsWith('X-Powered-By'))).toBe(false);
  });

  it('leaves a middleware that reads the request as it is', () => {
    const reads: RequestHandler = (req, res, next) => {
      res.setHeader('X-Method', req.method);
      next();
    };
    expect(precomputedHeaders(reads)).toBe(reads);
  });
});
