import type { NextFunction, Request, Response } from 'express';
import { appError, toPublicError } from '../errors.ts';

/** Writes any error in the public shape; only unexpected ones are logged, with their stack. */
export function sendError(req: Request, res: Response, err: unknown): void {
  const pub = toPublicError(err);
  if (pub.unexpected) req.log.error({ err }, 'request failed');
  if (pub.status === 401 && pub.body.error.code === 'UNAUTHORIZED') {
    res.set('WWW-Authenticate', req.headers.authorization ? 'Bearer error="invalid_token"' : 'Bearer');
  }
  if (pub.retryAfter !== undefined) res.set('Retry-After', String(pub.retryAfter));
  res.status(pub.status).json(pub.body);
}

/** Errors raised by express itself (body parser) before a route ran, in the same shape. */
export function expressErrorHandler(err: unknown, req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  const type = (err as { type?: string }).type;
  if (type === 'entity.too.large') {
    return sendError(
      req,
      res,
      appError('PAYLOAD_TOO_LARGE', 'The request body is larger than this API accepts.'),
    );
  }
  if (type === 'entity.parse.failed') {
    return sendError(
      req,
      res,
      appError('VALIDATION_FAILED', 'Invalid request: body is not valid JSON', {
        fields: { body: 'is not valid JSON' },
      }),
    );
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return sendError(req, res, appError('UNSUPPORTED_MEDIA_TYPE', 'The request body must be UTF-8 JSON.'));
  }
  // Any other refusal by express or the body parser is the client's malformed request (a path with broken
  // percent-encoding, a corrupt gzip body), not a fault of Keel's: answer 400, not 500.
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return sendError(
      req,
      res,
      appError('VALIDATION_FAILED', 'Invalid request: it could not be read (malformed URL or body).'),
    );
  }
  sendError(req, res, err);
}

/** Refuses a request that carries a body that is not JSON. */
export function requireJsonBody(req: Request, res: Response, next: NextFunction): void {
  const hasBody =
    Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) {
    return sendError(
      req,
      res,
      appError(
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the request body as JSON with Content-Type: application/json.',
      ),
    );
  }
  next();
}
