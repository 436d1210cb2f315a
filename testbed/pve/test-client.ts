// A raw HTTP client for the simulator's tests: keeps the reason phrase and never hides errors.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { generateKeyPairSync } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { expect } from 'vitest';
import type { PveSim } from './index.ts';

/** A real OpenSSH ed25519 public key line, as `ssh-keygen -l` accepts it. */
export function sshKey(comment: string): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const name = Buffer.from('ssh-ed25519');
  const blob = Buffer.concat([Buffer.from([0, 0, 0, name.length]), name, Buffer.from([0, 0, 0, 32]), raw]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

export interface RawResponse {
  status: number;
  reason: string;
  headers: Record<string, string | string[] | undefined>;
  body: {
    data?: unknown;
    errors?: Record<string, string>;
    message?: string;
    total?: number;
    [k: string]: unknown;
  };
  peerFingerprint?: string;
}

export interface RequestOptions {
  /** Form-encoded body (POST/PUT) or query string (GET/DELETE). */
  params?: Record<string, string | number>;
  json?: Record<string, unknown>;
  query?: Record<string, string | number>;
  headers?: Record<string, string>;
  /** Raw body with its own content type (none when `contentType` is empty). */
  rawBody?: { contentType: string; text: string };
  /** Send the body with `Transfer-Encoding: chunked` instead of a Content-Length. */
  chunked?: boolean;
}

export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<RawResponse> {
  const url = new URL(path, baseUrl);
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined;
  const query = { ...(opts.query ?? {}) };
  if (opts.params && (method === 'GET' || method === 'DELETE')) Object.assign(query, opts.params);
  else if (opts.params) {
    body = new URLSearchParams(Object.entries(opts.params).map(([k, v]) => [k, String(v)])).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (opts.json) {
    body = JSON.stringify(opts.json);
    headers['content-type'] = 'application/json';
  }
  if (opts.rawBody) {
    body = opts.rawBody.text;
    if (opts.rawBody.contentType) headers['content-type'] = opts.rawBody.contentType;
    else delete headers['content-type'];
  }
  for (const [k, v] of Object.entries(query)) url.searchParams.append(k, String(v));
  if (body !== undefined && !opts.chunked) headers['content-length'] = String(Buffer.byteLength(body));
  const isHttps = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (isHttps ? httpsRequest : httpRequest)(
      url,
      { method, headers, ...(isHttps ? { rejectUnauthorized: false } : {}) },
      (res) => {
        const socket = res.socket as TLSSocket | null;
        const peer = isHttps ? socket?.getPeerCertificate?.().fingerprint256 : undefined;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: RawResponse['body'];
          try {
            parsed = JSON.parse(text) as RawResponse['body'];
          } catch {
            parsed = { raw: text };
          }
          resolve({
            status: res.statusCode ?? 0,
            reason: res.statusMessage ?? '',
            headers: res.headers,
            body: parsed,
            ...(peer ? { peerFingerprint: peer } : {}),
          });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A token-authenticated client bound to one simulator. */
export function pveClient(sim: PveSim) {
  const auth = { Authorization: `PVEAPIToken=${sim.tokenId}=${sim.tokenSecret}` };
  const call = (method: string, path: string, opts: RequestOptions = {}) =>
    rawRequest(sim.url, method, `/api2/json${path}`, { ...opts, headers: { ...auth, ...opts.headers } });
  const client = {
    call,
    get: (path: string, params?: Record<string, string | number>) =>
      call('GET', path, params ? { params } : {}),
    post: (path: string, params?: Record<string, string | number>) =>
      call('POST', path, params ? { params } : {}),
    put: (path: string, params?: Record<string, string | number>) =>
      call('PUT', path, params ? { params } : {}),
    del: (path: string, params?: Record<string, string | number>) =>
      call('DELETE', path, params ? { params } : {}),
    /** Polls a task as a client would, until it stops; returns its final status. */
    async waitTask(upid: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
      const node = upid.split(':')[1] ?? '';
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await call('GET', `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`);
        if (res.status !== 200) throw new Error(`task status ${res.status} ${res.reason}`);
        const data = res.body.data as Record<string, unknown>;
        if (data.status === 'stopped') return data;
        if (Date.now() > deadline) throw new Error(`task ${upid} still running after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    /** Dispatches a task-returning call and waits for it. */
    async runTask(
      method: string,
      path: string,
      params?: Record<string, string | number>,
    ): Promise<Record<string, unknown>> {
      const res = await call(method, path, params ? { params } : {});
      if (res.status !== 200 || typeof res.body.data !== 'string') {
        throw new Error(`${method} ${path}: ${res.status} ${res.reason}`);
      }
      return client.waitTask(res.body.data);
    },
    cloneAndWait(
      source: number,
      newid: number,
      extra: Record<string, string | number> = {},
      node = 'pve1',
    ): Promise<Record<string, unknown>> {
      return client.runTask('POST', `/nodes/${node}/qemu/${source}/clone`, { newid, ...extra });
    },
    /** Polls the guest agent until it reports a non-loopback IPv4; "not running" is the only other answer. */
    async pollAgentIp(node: string, vmid: number, timeoutMs = 10_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await call('GET', `/nodes/${node}/qemu/${vmid}/agent/network-get-interfaces`);
        if (res.status === 200) {
          const ifaces = (
            res.body.data as {
              result: {
                name: string;
                'ip-addresses': { 'ip-address': string; 'ip-address-type': string }[];
              }[];
            }
          ).result;
          const v4 = ifaces
            .filter((i) => i.name !== 'lo')
            .flatMap((i) => i['ip-addresses'])
            .find((a) => a['ip-address-type'] === 'ipv4');
          if (v4) return v4['ip-address'];
        } else {
          expect([res.status, res.reason]).toEqual([500, 'QEMU guest agent is not running']);
        }
        if (Date.now() > deadline) throw new Error('no IPv4 from the agent');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
  return client;
}
