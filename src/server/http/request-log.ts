/**
 * The request log and the request id, as pino-http wrote them with the options Keel gave it, without
 * its per-request costs. Each request gets an id (the caller's `X-Request-Id` when it is a sane one,
 * else a UUID), sent back in `X-Request-Id` and bound to `req.log`, so a procedure's own lines carry it.
 * When the answer is sent (or the client goes away) one line says what happened:
 *
 *   {"level":30,"time":…,"service":"keel","reqId":…,"req":{"method":…,"url":…},"res":{"statusCode":…},
 *    "responseTime":…,"msg":"request completed"}
 *
 * at `error` ("request errored", with the error) for a 5xx or a failed response. pino-http bound the
 * `req` part to a second child logger per request, which runs the redaction's wildcard walk over it,
 * and registered three closures; here the line is one call. Its fields are the method, the URL with
 * its secret query values replaced (redactUrl), the status and the time, none of them a redaction path,
 * so the `info` line is written without the redaction walk; `error` lines, which carry an error, keep it.
 * The line's bytes are pino-http's (request-log.test.ts compares them).
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { lazyChild, redactUrl } from '../logger.ts';

declare module 'http' {
  interface IncomingMessage {
    /** This request's id (http/request-log.ts); a string for every request Keel serves. */
    id: string | number | object;
    /** The logger bound to this request's id. */
    log: Logger;
  }
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

interface RequestLike {
  method: string;
  originalUrl?: string;
  url: string;
}
const serializeRequest = (req: RequestLike) => ({
  method: req.method,
  url: redactUrl(req.originalUrl ?? req.url),
});
const serializeResponse = (res: { statusCode: number }) => ({ statusCode: res.statusCode });

const started = Symbol('keel.requestLog.started');
const done = Symbol('keel.requestLog.done');
const lines = Symbol('keel.requestLog.lines');
interface LoggedResponse extends Response {
  [started]: number;
  [done]?: true;
  [lines]: RequestLines;
}

interface RequestLines {
  /** For `error` lines: the redacting logger, with the req/res serializers. */
  full: Logger;
  /** For `info` lines, whose fields hold nothing to redact. */
  plain: Logger;
}

/** On `close`, `finish` and `error`, whichever comes first: the request's one line. */
function writeLine(this: LoggedResponse, err?: unknown): void {
  if (this[done]) return;
  this[done] = true;
  const responseTime = Date.now() - this[started];
  const req = this.req;
  if (err || this.statusCode >= 500) {
    const error = err || new Error('failed with status code ' + this.statusCode);
    this[lines].full.error({ reqId: req.id, req, res: this, err: error, responseTime }, 'request errored');
    return;
  }
  this[lines].plain.info(
    { reqId: req.id, req: serializeRequest(req), res: serializeResponse(this), responseTime },
    !req.readableAborted && this.writableEnded ? 'request completed' : 'request aborted',
  );
}

/** First after the metrics: gives the request its id and logger, and logs it once answered. */
export function requestLog(log: Logger): RequestHandler {
  const full = log.child({}, { serializers: { req: serializeRequest, res: serializeResponse } });
  const requestLines: RequestLines = {
    full,
    plain: log.child({}, { redact: { paths: [], censor: '[redacted]' } }),
  };
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);
    req.id = id;
    req.log = lazyChild(full, { reqId: id });
    const logged = res as LoggedResponse;
    logged[started] = Date.now();
    logged[lines] = requestLines;
    // One shared listener, no closure per request; writeLine writes once whichever fires first.
    res.on('close', writeLine);
    res.on('finish', writeLine);
    res.on('error', writeLine);
    next();
  };
}
