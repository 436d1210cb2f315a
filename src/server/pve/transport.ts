/**
 * PVE's HTTP API as Keel speaks it: API-token auth, TLS with an optional pinned certificate
 * fingerprint, form-encoded parameters, a timeout per call, PVE's errors read and classified, and a
 * call repeated only where the retry policy says repeating is safe.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { callBackoffMs, isRepeatableCall } from '../domain/retry-policy.ts';
import { pveCallDuration } from '../lib/metrics.ts';
import { sleep } from '../lib/poll-until.ts';
import { pveEndpointTemplate } from './endpoint-template.ts';
import { classifyPveError, PveError } from './errors.ts';

export interface PveClientOptions {
  /** e.g. `https://pve1.example.com:8006` (no `/api2/json`). */
  baseUrl: string;
  tokenId: string;
  tokenSecret: string;
  /** SHA-256 fingerprint of a self-signed node certificate; without it the system CAs verify. */
  fingerprint?: string | undefined;
  log: Logger;
  timeoutMs?: number;
  /** Attempts for calls that are safe to repeat. */
  attempts?: number;
  /** Interval between task status polls. */
  pollMs?: number;
}

export type Params = Record<string, string | number | boolean | undefined>;

/** Form encoding as PVE wants it: booleans as 1/0, undefined dropped. */
export function encodeParams(params: Params): string {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    body.append(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  return body.toString();
}

export function pinnedAgent(fingerprint: string): https.Agent {
  const expected = fingerprint.toUpperCase();
  const agent = new https.Agent({ keepAlive: true, maxSockets: 16 });
  // One TLS context for every connection, not one built anew per connection. (No session resumption:
  // a resumed session shows no peer certificate, and the pin must be checked on every connection.)
  const secureContext = tls.createSecureContext();
  // The certificate is checked before the socket is handed to the request, so nothing (not even the
  // token header) is sent to a server whose certificate does not match the pin.
  agent.createConnection = ((
    options: tls.ConnectionOptions,
    done: (err: Error | null, socket?: tls.TLSSocket) => void,
  ) => {
    const socket = tls.connect({
      ...options,
      rejectUnauthorized: false,
      secureContext,
    });
    socket.once('secureConnect', () => {
      const actual = socket.getPeerCertificate().fingerprint256?.toUpperCase();
      if (actual !== expected) {
        const err = new Error(
          `PVE certificate fingerprint ${actual ?? 'missing'} does not match PVE_FINGERPRINT`,
        );
        socket.destroy(err);
        done(err);
        return;
      }
      done(null, socket);
    });
    socket.once('error', (err: Error) => done(err));
    return undefined;
  }) as unknown as https.Agent['createConnection'];
  return agent;
}

export interface RequestOptions {
  /** Repeat on transient failures. True for reads; for writes only where PVE refused before acting. */
  retry?: boolean;
  timeoutMs?: number;
}

export class PveTransport {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly auth: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  readonly pollMs: number;

  constructor(private readonly options: PveClientOptions) {
    this.url = new URL(options.baseUrl);
    this.auth = `PVEAPIToken=${options.tokenId}=${options.tokenSecret}`;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.attempts = options.attempts ?? 4;
    this.pollMs = options.pollMs ?? 1000;
    this.agent =
      this.url.protocol === 'https:'
        ? options.fingerprint
          ? pinnedAgent(options.fingerprint)
          : new https.Agent({ keepAlive: true, maxSockets: 16 })
        : new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  /** The cluster's address, as configured (never the token). */
  get baseUrl(): string {
    return this.options.baseUrl;
  }

  close(): void {
    this.agent.destroy();
  }

  async request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    params: Params = {},
    opts: RequestOptions = {},
  ): Promise<T> {
    const idempotent = opts.retry ?? method === 'GET';
    const endpoint = pveEndpointTemplate(path);
    for (let attempt = 0; ; attempt++) {
      // Each attempt is one call to PVE, and is measured as one.
      const started = performance.now();
      try {
        const answer = await this.once<T>(method, path, params, opts.timeoutMs ?? this.timeoutMs);
        pveCallDuration.observe({ method, endpoint, result: 'ok' }, (performance.now() - started) / 1000);
        return answer;
      } catch (err) {
        const result = err instanceof PveError ? err.kind : 'error';
        pveCallDuration.observe({ method, endpoint, result }, (performance.now() - started) / 1000);
        if (attempt + 1 >= this.attempts || !isRepeatableCall(err, idempotent)) throw err;
        const wait = callBackoffMs(attempt);
        this.options.log.warn(
          { method, path, attempt: attempt + 1, waitMs: Math.round(wait), err: err.message },
          'PVE call failed; retrying',
        );
        await sleep(wait);
      }
    }
  }

  /**
   * Opens a WebSocket on an API path with the token header, through the same agent as every call (so a
   * pinned certificate is checked before anything is sent). Resolves once PVE upgraded the connection;
   * a refusal rejects with a PveError carrying PVE's status and reason.
   *
   * The socket resolves paused, and the caller resumes it once its listeners are on: the peer's first
   * frames can arrive in the same read as the 101 (PVE's VNC server speaks first), and ws hands them
   * out on the next tick, before an awaiting caller runs, so an unpaused socket would drop them.
   */
  openWebSocket(path: string, params: Params, timeoutMs = this.timeoutMs): Promise<WebSocket> {
    const target = new URL(`${this.url.pathname.replace(/\/$/, '')}/api2/json${path}`, this.url);
    target.search = encodeParams(params);
    target.protocol = target.protocol === 'https:' ? 'wss:' : 'ws:';
    const log = this.options.log;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(target, ['binary'], {
        agent: this.agent,
        headers: { Authorization: this.auth },
        handshakeTimeout: timeoutMs,
        perMessageDeflate: false,
        maxPayload: 1024 * 1024,
      });
      ws.once('open', () => {
        ws.pause();
        log.info({ pve: { method: 'GET', path, status: 101 } }, 'PVE WebSocket opened');
        resolve(ws);
      });
      ws.once('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        const reason = (res.statusMessage ?? '').trim() || `HTTP ${status}`;
        res.resume();
        ws.terminate();
        log.info({ pve: { method: 'GET', path, status, error: reason } }, 'PVE refused the WebSocket');
        reject(new PveError(status, reason, classifyPveError(status, reason, {}), {}, 'GET', path));
      });
      ws.once('error', (err) => reject(networkError(err, 'GET', path)));
    });
  }

  private once<T>(method: string, path: string, params: Params, timeoutMs: number): Promise<T> {
    const started = performance.now();
    const encoded = encodeParams(params);
    const hasBody = method === 'POST' || method === 'PUT';
    const target = new URL(`${this.url.pathname.replace(/\/$/, '')}/api2/json${path}`, this.url);
    if (!hasBody && encoded) target.search = encoded;
    const transport = target.protocol === 'https:' ? https : http;
    const log = this.options.log;

    return new Promise<T>((resolve, reject) => {
      const req = transport.request(
        target,
        {
          method,
          agent: this.agent,
          timeout: timeoutMs,
          headers: {
            Authorization: this.auth,
            Accept: 'application/json',
            ...(hasBody
              ? {
                  'Content-Type': 'application/x-www-form-urlencoded',
                  'Content-Length': Buffer.byteLength(encoded),
                }
              : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(networkError(err, method, path)));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            let body: { data?: unknown; message?: string; errors?: Record<string, string> } = {};
            let json = true;
            try {
              body = text ? (JSON.parse(text) as typeof body) : {};
            } catch {
              // pveproxy's own errors (401, 501 no such uri, 506, 5xx from a proxy) are plain text
              // or empty: the reason phrase says what failed.
              json = false;
            }
            const durationMs = Math.round(performance.now() - started);
            const upid =
              typeof body.data === 'string' && body.data.startsWith('UPID:') ? body.data : undefined;
            if (status >= 200 && status < 300 && !json) {
              log.warn({ pve: { method, path, status, durationMs } }, 'PVE answered without JSON');
              reject(
                new PveError(
                  status,
                  `PVE answered ${method} ${path} with a body that is not JSON: is PVE_URL the Proxmox VE API?`,
                  'permanent',
                  {},
                  method,
                  path,
                ),
              );
              return;
            }
            if (status === 401) {
              // pveproxy answers every refused credential with an empty 401 after a 3 s delay.
              const reason = (res.statusMessage ?? '').trim() || 'Unauthorized';
              log.warn(
                { pve: { method, path, status, durationMs, error: reason } },
                'PVE refused the API token',
              );
              reject(
                new PveError(
                  401,
                  `PVE refused the API token (${reason}): check PVE_TOKEN_ID and PVE_TOKEN_SECRET, and that the token exists and is not expired`,
                  'auth',
                  {},
                  method,
                  path,
                ),
              );
              return;
            }
            if (status >= 200 && status < 300) {
              log[method === 'GET' ? 'debug' : 'info'](
                { pve: { method, path, status, durationMs, upid } },
                'PVE call',
              );
              resolve(body.data as T);
              return;
            }
            const reason = (res.statusMessage ?? '').trim();
            const message =
              reason && reason !== http.STATUS_CODES[status]
                ? reason
                : (body.message ?? reason).trim().split('\n')[0]!;
            const errors = body.errors ?? {};
            const detail = Object.keys(errors).length
              ? `${message} ${Object.entries(errors)
                  .map(([k, v]) => `${k}: ${v}`)
                  .join('; ')}`
              : message;
            log.info({ pve: { method, path, status, durationMs, error: detail } }, 'PVE call failed');
            reject(
              new PveError(
                status,
                detail || `HTTP ${status}`,
                classifyPveError(status, detail, errors),
                errors,
                method,
                path,
              ),
            );
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (err) => reject(networkError(err, method, path)));
      if (hasBody) req.write(encoded);
      req.end();
    });
  }
}

function networkError(err: Error, method: string, path: string): PveError {
  const code = (err as NodeJS.ErrnoException).code;
  // A refused connection never reached PVE, so even a write may be repeated.
  const kind = /fingerprint/.test(err.message) ? 'permanent' : 'transient';
  return new PveError(
    0,
    `${code === 'ECONNREFUSED' ? 'connection refused' : err.message}`,
    kind,
    {},
    method,
    path,
  );
}
