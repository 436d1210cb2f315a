// pveproxy's HTTP behaviour (pve-http-server AnyEvent.pm), in its order: method and transfer
// encoding, the `/api2/<format>` split, authentication (an empty 401 after 3 s), body limits and
// content types, parameter decoding, then the handler's answer in the `{data}` envelope with errors
// in the reason phrase. Errors raised by pveproxy itself are plain text without a Content-Type.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync, deflateSync } from 'node:zlib';
import type { Logger } from 'pino';
import { handleAdmin } from './admin.ts';
import { SimHttpError } from './api/errors.ts';
import { Auth } from './auth.ts';
import type { ClusterState } from './cluster.ts';
import { uriUnescape } from './formats.ts';
import { MalformedBody, decodeJsonBody, decodeUrlencoded, mediaType, type RawParams } from './request.ts';
import type { HttpMethod } from './api-subset.ts';
import type { Simulator } from './simulator.ts';

const AUTH_FAILURE_DELAY_MS = 3000;
/** AnyEvent.pm `$limit_max_post`. */
export const MAX_POST_BYTES = 512 * 1024;
const KNOWN_METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE']);
/** Calls auth_handler lets through without credentials. */
const NO_AUTH = new Set(['GET /access/domains', 'GET /access/ticket', 'POST /access/ticket']);

export interface TransportOptions {
  sim: Simulator;
  state: ClusterState;
  logger?: Logger;
  /** Rebuilds the cluster from its seed (keeps credentials). */
  reset: () => void;
}

/**
 * An answer: the JSON formatter's envelope, or pveproxy's own `error()` / bare response: the message
 * as a plain-text body (or none at all), with no Content-Type.
 */
type Reply =
  { status: number; reason: string; json: unknown } | { status: number; reason: string; text: string };

const plain = (status: number, message: string, body = message): Reply => ({
  status,
  reason: message,
  text: body,
});

/** The JSON formatter's answer for a failed call: `{data: null, message, errors?}`. */
function jsonError(err: SimHttpError): Reply {
  const message = err.message.endsWith('\n') ? err.message : `${err.message}\n`;
  const json: Record<string, unknown> = { data: null, message };
  if (err.errors) json.errors = err.errors;
  return { status: err.status, reason: err.message.split('\n')[0] ?? '', json };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export class Transport {
  private readonly auth: Auth;

  constructor(private readonly opts: TransportOptions) {
    this.auth = new Auth(opts.state);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/_sim' || url.pathname.startsWith('/_sim/')) {
        const body = await readBody(req);
        reply = await handleAdmin(
          req,
          url,
          body,
          this.opts.sim,
          this.opts.state.secrets.adminSecret,
          this.opts.reset,
        );
      } else {
        reply = await this.handleApi(req, url);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.opts.logger?.error({ err }, 'pve simulator internal error');
      reply = plain(500, message.split('\n')[0] ?? 'Internal Server Error', message);
    }
    // pveproxy answers before reading a refused body and closes the connection; reading it first
    // spares the client a reset while it is still sending.
    if (!req.readableEnded) for await (const _ of req) void _;
    this.write(req, res, reply);
  }

  private write(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
    // Node refuses control and non-latin1 characters in a status message.
    const reason = reply.reason.replace(/[^\t\x20-\x7e\xa0-\xff]/g, '?').trim() || 'OK';
    const headers: Record<string, string> = {
      Server: 'pve-api-daemon/3.0',
      'Cache-Control': 'max-age=0',
      Pragma: 'no-cache',
      Expires: new Date().toUTCString(),
    };
    let payload: Buffer;
    if ('json' in reply) {
      payload = Buffer.from(JSON.stringify(reply.json));
      headers['Content-Type'] = 'application/json;charset=UTF-8';
    } else {
      payload = Buffer.from(reply.text);
    }
    const accept = String(req.headers['accept-encoding'] ?? '');
    if (payload.length > 1024 && /gzip/.test(accept)) {
      payload = gzipSync(payload);
      headers['Content-Encoding'] = 'gzip';
    } else if (payload.length > 1024 && /deflate/.test(accept)) {
      payload = deflateSync(payload);
      headers['Content-Encoding'] = 'deflate';
    }
    if (reply.status >= 400) headers.Connection = 'close';
    if (payload.length > 0) {
      headers['Content-Length'] = String(payload.length);
    } else {
      // No content: pveproxy sends neither a Content-Length nor a chunked body; the close ends it.
      res.removeHeader('Content-Length');
      res.removeHeader('Transfer-Encoding');
    }
    res.writeHead(reply.status, reason, headers);
    res.end(payload.length > 0 ? payload : undefined);
  }

  private async handleApi(req: IncomingMessage, url: URL): Promise<Reply> {
    const method = (req.method ?? 'GET').toUpperCase();
    // process_header: unknown methods, then transfer encodings.
    if (!KNOWN_METHODS.has(method)) return plain(501, `method '${method}' not available`, '');
    const te = req.headers['transfer-encoding'];
    if (te && te.toLowerCase() === 'chunked') return plain(501, 'chunked transfer encoding not supported');
    if (te) return plain(501, `Unknown transfer encoding '${te}'`);

    const split = /^\/api2\/+([a-z][a-z0-9]+)(\/.*)?$/.exec(uriUnescape(url.pathname));
    if (!split) return plain(501, 'no such uri');
    const format = split[1] ?? '';
    const relUri = split[2] ?? '/';
    // The whole path is unescaped before it is split, as pveproxy does.
    const segments = relUri.split('/').filter((s) => s !== '');
    const path = `/${segments.join('/')}`;

    let caller: { user: string; tokenid?: string } = { user: '' };
    if (!NO_AUTH.has(`${method} ${path}`)) {
      const auth = this.auth.authenticate(req, method);
      if ('failure' in auth) {
        await this.opts.sim.clock.sleep(AUTH_FAILURE_DELAY_MS);
        return plain(401, auth.failure, '');
      }
      caller = auth;
    }

    // authenticate_and_handle_request: the body, judged by its Content-Length and Content-Type.
    const length = Number(req.headers['content-length'] ?? 0);
    const contentType = req.headers['content-type'];
    if (length > 0) {
      if (method !== 'PUT' && method !== 'POST')
        return plain(501, `Unexpected content for method '${method}'`);
      if (length > MAX_POST_BYTES) return plain(501, 'for data too large');
      const ct = mediaType(contentType);
      if (ct && ct !== 'application/x-www-form-urlencoded' && ct !== 'application/json')
        return plain(506, `upload 'Content-Type '${contentType}' not implemented`);
    }
    const body = await readBody(req);

    if (format !== 'json') return plain(501, `no formatter for uri ${path}, ${format}`);

    let params: RawParams;
    try {
      params = this.extractParams(method, contentType, body, url);
    } catch (err) {
      if (err instanceof MalformedBody) return plain(500, err.message, `${err.message}\n`);
      throw err;
    }

    if (method === 'POST' && path === '/access/ticket') {
      const login = this.auth.login(params);
      if (!(login instanceof SimHttpError)) return { status: 200, reason: 'OK', json: { data: login } };
      if (login.status === 401) await this.opts.sim.clock.sleep(AUTH_FAILURE_DELAY_MS);
      return jsonError(login);
    }

    const latency = this.opts.sim.latencyMs();
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    try {
      const result = await this.opts.sim.handle({
        method: method as HttpMethod,
        segments,
        raw: params,
        caller,
      });
      const envelope: Record<string, unknown> = { data: result.data };
      if (result.total !== undefined) envelope.total = result.total;
      return { status: 200, reason: 'OK', json: envelope };
    } catch (err) {
      if (err instanceof SimHttpError) return jsonError(err);
      throw err;
    }
  }

  /** extract_params: a PUT/POST body (JSON when the Content-Type says so, else form), the query on top. */
  private extractParams(method: string, contentType: string | undefined, body: string, url: URL): RawParams {
    let params: RawParams = {};
    if (method === 'PUT' || method === 'POST') {
      // decode_json runs on whatever came, an empty body included.
      params = mediaType(contentType) === 'application/json' ? decodeJsonBody(body) : decodeUrlencoded(body);
    }
    return { ...params, ...decodeUrlencoded(url.search.slice(1)) };
  }
}
