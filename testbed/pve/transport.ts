// pveproxy's HTTP behaviour: URL split, body decoding, auth (tokens, tickets, CSRF), the 3 s 401
// delay, the `{data}` envelope, errors in the reason phrase, gzip; plus the /_sim/ admin API.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync, deflateSync } from 'node:zlib';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ClusterState } from './cluster.ts';
import { faultConfigSchema, type FaultConfig } from './faults.ts';
import { uriUnescape } from './formats.ts';
import { findEndpointSchema, validateParams, type HttpMethod } from './schema.ts';
import { PveError, type Caller, type Simulator } from './simulator.ts';

const TICKET_LIFETIME_S = 7200;
const AUTH_FAILURE_DELAY_MS = 3000;
const MAX_BODY = 1024 * 1024;

export interface TransportOptions {
  sim: Simulator;
  state: ClusterState;
  logger?: Logger;
  /** Rebuilds the cluster from its seed (keeps credentials). */
  reset: () => void;
}

interface Reply {
  status: number;
  reason: string;
  body: unknown;
}

function hexTime(seconds: number): string {
  return seconds.toString(16).toUpperCase().padStart(8, '0');
}

export class Transport {
  constructor(private readonly opts: TransportOptions) {}

  private get secrets() {
    return this.opts.state.secrets;
  }

  private sign(text: string): string {
    return createHmac('sha256', this.secrets.ticketKey).update(text).digest('base64');
  }

  createTicket(user: string, now = Math.floor(Date.now() / 1000)): string {
    const plain = `PVE:${user}:${hexTime(now)}`;
    return `${plain}::${this.sign(plain)}`;
  }

  createCsrfToken(user: string, now = Math.floor(Date.now() / 1000)): string {
    const time = hexTime(now);
    return `${time}:${this.sign(`${time}:${user}`).replace(/=+$/, '')}`;
  }

  /** The user of a valid, unexpired ticket, or undefined. */
  verifyTicket(ticket: string): string | undefined {
    const m = /^(PVE:([^:]+):([0-9A-F]{8}))::(.+)$/.exec(ticket);
    if (!m) return undefined;
    const expected = Buffer.from(this.sign(m[1] ?? ''));
    const given = Buffer.from(m[4] ?? '');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    const age = Math.floor(Date.now() / 1000) - parseInt(m[3] ?? '0', 16);
    if (age < -300 || age > TICKET_LIFETIME_S) return undefined;
    return m[2];
  }

  private verifyCsrf(token: string | undefined, user: string): boolean {
    if (!token) return false;
    const m = /^([0-9A-F]{8}):(.+)$/.exec(token);
    if (!m) return false;
    const expected = this.sign(`${m[1]}:${user}`).replace(/=+$/, '');
    const age = Math.floor(Date.now() / 1000) - parseInt(m[1] ?? '0', 16);
    return expected === m[2] && age >= -300 && age <= TICKET_LIFETIME_S;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/_sim' || url.pathname.startsWith('/_sim/')) {
        reply = await this.handleAdmin(req, url);
      } else {
        reply = await this.handleApi(req, url);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.opts.logger?.error({ err }, 'pve simulator internal error');
      reply = this.errorReply(new PveError(500, message));
    }
    this.write(req, res, reply);
  }

  private errorReply(err: PveError): Reply {
    const message = err.message.endsWith('\n') ? err.message : `${err.message}\n`;
    const body: Record<string, unknown> = { data: null, message };
    if (err.errors) body.errors = err.errors;
    return { status: err.status, reason: err.message.split('\n')[0] ?? '', body };
  }

  private write(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
    // Node refuses control and non-latin1 characters in a status message.
    const reason = reply.reason.replace(/[^\t\x20-\x7e\xa0-\xff]/g, '?').trim() || 'OK';
    let payload: Buffer = Buffer.from(JSON.stringify(reply.body));
    const headers: Record<string, string> = {
      'Content-Type': 'application/json;charset=UTF-8',
      Server: 'pve-api-daemon/3.0',
      'Cache-Control': 'max-age=0',
      Pragma: 'no-cache',
      Expires: new Date().toUTCString(),
    };
    const accept = String(req.headers['accept-encoding'] ?? '');
    if (payload.length > 1024 && /\bgzip\b/.test(accept)) {
      payload = gzipSync(payload);
      headers['Content-Encoding'] = 'gzip';
    } else if (payload.length > 1024 && /\bdeflate\b/.test(accept)) {
      payload = deflateSync(payload);
      headers['Content-Encoding'] = 'deflate';
    }
    headers['Content-Length'] = String(payload.length);
    if (reply.status >= 400) headers.Connection = 'close';
    res.writeHead(reply.status, reason, headers);
    res.end(payload);
  }

  private async readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > MAX_BODY) throw new PveError(413, 'Request Entity Too Large');
      chunks.push(buf);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Body then query, query winning; repeated keys joined by NUL as pveproxy does. */
  private parseParams(req: IncomingMessage, url: URL, body: string): Record<string, string> {
    const params: Record<string, string> = {};
    const add = (key: string, value: string, target: Record<string, string>): void => {
      target[key] = target[key] === undefined ? value : `${target[key]}\0${value}`;
    };
    const contentType = String(req.headers['content-type'] ?? '');
    if (body.length > 0) {
      if (/^application\/json/i.test(contentType)) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          throw new PveError(400, 'Parameter verification failed.', { _root: 'malformed JSON body' });
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
          throw new PveError(400, 'Parameter verification failed.', { _root: 'an object is required' });
        }
        for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
          if (value === null || value === undefined) continue;
          if (value === true) params[key] = '1';
          else if (value === false) params[key] = '0';
          else if (Array.isArray(value)) params[key] = value.map(String).join(',');
          else if (typeof value === 'object') params[key] = JSON.stringify(value);
          else params[key] = typeof value === 'string' ? value : JSON.stringify(value);
        }
      } else if (/^multipart\//i.test(contentType)) {
        throw new PveError(501, 'Unsupported content type for this simulator (multipart)');
      } else {
        const form: Record<string, string> = {};
        for (const [key, value] of new URLSearchParams(body)) add(key, value, form);
        Object.assign(params, form);
      }
    }
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) add(key, value, query);
    return { ...params, ...query };
  }

  private async unauthorized(message: string): Promise<Reply> {
    await this.opts.sim.clock.sleep(AUTH_FAILURE_DELAY_MS);
    return this.errorReply(new PveError(401, message));
  }

  private async authenticate(req: IncomingMessage, method: string): Promise<Caller | Reply> {
    const authorization = String(req.headers.authorization ?? '');
    const token = /PVEAPIToken(?:=| )([^;]*)/.exec(authorization);
    if (token) {
      const value = uriUnescape(token[1] ?? '').trim();
      const bang = value.indexOf('!');
      const eq = value.indexOf('=', bang);
      const tokenId = value.slice(0, eq);
      const secret = value.slice(eq + 1);
      if (bang < 0 || eq < 0 || tokenId !== this.secrets.tokenId || secret !== this.secrets.tokenSecret) {
        return this.unauthorized('Authentication failed!');
      }
      return { user: tokenId.slice(0, bang), tokenid: tokenId.slice(bang + 1) };
    }
    const headerTicket = /PVEAuthCookie=([^;\s]+)/.exec(authorization)?.[1];
    const cookieTicket = /(?:^|;\s*)PVEAuthCookie=([^;]+)/.exec(String(req.headers.cookie ?? ''))?.[1];
    const rawTicket = headerTicket ?? cookieTicket;
    if (!rawTicket) return this.unauthorized('No ticket');
    const user = this.verifyTicket(uriUnescape(rawTicket));
    if (!user) return this.unauthorized('Authentication failed!');
    if (method !== 'GET') {
      const csrf = req.headers.csrfpreventiontoken;
      if (!this.verifyCsrf(Array.isArray(csrf) ? csrf[0] : csrf, user)) {
        return this.unauthorized('Permission denied - invalid csrf token');
      }
    }
    return { user };
  }

  private async login(params: Record<string, string>): Promise<Reply> {
    const schema = findEndpointSchema('POST', '/access/ticket');
    if (!schema) throw new Error('schema for POST /access/ticket missing');
    const validated = validateParams(schema, params);
    if (!validated.ok)
      return this.errorReply(new PveError(400, 'Parameter verification failed.', validated.errors));
    let username = String(validated.params.username);
    if (!username.includes('@') && validated.params.realm !== undefined)
      username = `${username}@${validated.params.realm}`;
    const password = String(validated.params.password);
    const renewedBy = password.startsWith('PVE:') ? this.verifyTicket(password) : undefined;
    const valid =
      username === 'root@pam' && (password === this.secrets.rootPassword || renewedBy === username);
    if (!valid) return this.unauthorized('authentication failure');
    const data = {
      username,
      ticket: this.createTicket(username),
      CSRFPreventionToken: this.createCsrfToken(username),
      clustername: this.opts.state.clusterName,
      cap: {
        vms: {
          'VM.Allocate': 1,
          'VM.Clone': 1,
          'VM.Config.CloudInit': 1,
          'VM.PowerMgmt': 1,
          'VM.Audit': 1,
          'VM.Console': 1,
        },
        storage: { 'Datastore.AllocateSpace': 1, 'Datastore.Audit': 1 },
        nodes: { 'Sys.Audit': 1 },
        dc: { 'Sys.Audit': 1 },
        access: { 'User.Modify': 1 },
        sdn: { 'SDN.Use': 1 },
      },
    };
    return { status: 200, reason: 'OK', body: { data } };
  }

  private async handleApi(req: IncomingMessage, url: URL): Promise<Reply> {
    const method = (req.method ?? 'GET').toUpperCase();
    const split = /^\/api2\/([a-z]+)(\/.*)?$/.exec(url.pathname);
    if (!split || split[1] !== 'json') return this.errorReply(new PveError(501, 'no such uri'));
    const segments = (split[2] ?? '/')
      .split('/')
      .filter((s) => s !== '')
      .map((s) => uriUnescape(s));
    const body = await this.readBody(req);
    if ((method === 'GET' || method === 'DELETE' || method === 'HEAD') && body.length > 0) {
      return this.errorReply(new PveError(501, `Unexpected content for method '${method}'`));
    }
    if (!['GET', 'POST', 'PUT', 'DELETE'].includes(method)) {
      return this.errorReply(new PveError(501, `Method '${method} /${segments.join('/')}' not implemented`));
    }
    let params: Record<string, string>;
    try {
      params = this.parseParams(req, url, body);
    } catch (err) {
      if (err instanceof PveError) return this.errorReply(err);
      throw err;
    }
    if (method === 'POST' && segments.join('/') === 'access/ticket') return this.login(params);

    const caller = await this.authenticate(req, method);
    if ('status' in caller) return caller;
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
      return { status: 200, reason: 'OK', body: envelope };
    } catch (err) {
      if (err instanceof PveError) return this.errorReply(err);
      throw err;
    }
  }

  // ------------------------------------------------------------------ /_sim/

  private async handleAdmin(req: IncomingMessage, url: URL): Promise<Reply> {
    const given = String(req.headers['x-sim-admin'] ?? '');
    const expected = this.secrets.adminSecret;
    if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
      return {
        status: 403,
        reason: 'simulator admin secret required',
        body: { error: 'simulator admin secret required (header X-Sim-Admin)' },
      };
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await this.readBody(req);
    const json = (): unknown => (body.length > 0 ? JSON.parse(body) : {});
    const sim = this.opts.sim;
    const route = `${method} ${url.pathname.replace(/\/+$/, '')}`;
    const ok = (data: unknown): Reply => ({ status: 200, reason: 'OK', body: { data } });
    try {
      switch (route) {
        case 'GET /_sim/state':
          return ok(publicState(sim.snapshot()));
        case 'GET /_sim/faults':
          return ok(sim.faults);
        case 'PUT /_sim/faults':
          sim.faults = faultConfigSchema.parse(json());
          return ok(sim.faults);
        case 'POST /_sim/faults':
          sim.faults = mergeFaults(sim.faults, json());
          return ok(sim.faults);
        case 'DELETE /_sim/faults':
          sim.faults = faultConfigSchema.parse({});
          return ok(sim.faults);
        case 'POST /_sim/reset':
          this.opts.reset();
          return ok(null);
        default:
          return { status: 404, reason: 'Not Found', body: { error: `no simulator route ${route}` } };
      }
    } catch (err) {
      const message =
        err instanceof z.ZodError ? z.prettifyError(err) : err instanceof Error ? err.message : String(err);
      return { status: 400, reason: 'Bad Request', body: { error: message } };
    }
  }
}

export function mergeFaults(current: FaultConfig, patch: unknown): FaultConfig {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw new Error('fault patch must be an object');
  }
  return faultConfigSchema.parse({ ...current, ...(patch as Record<string, unknown>) });
}

export interface PublicState {
  clusterName: string;
  nodes: ClusterState['nodes'];
  storages: ClusterState['storages'];
  vms: ClusterState['vms'];
  tasks: ClusterState['tasks'];
  locks: { vmid: number; node: string; lock: string }[];
}

/** The state without credentials, plus the current config locks. */
export function publicState(state: ClusterState): PublicState {
  const locks = Object.values(state.vms)
    .filter((vm) => vm.config.lock !== undefined)
    .map((vm) => ({ vmid: vm.vmid, node: vm.node, lock: String(vm.config.lock) }));
  return {
    clusterName: state.clusterName,
    nodes: state.nodes,
    storages: state.storages,
    vms: state.vms,
    tasks: state.tasks,
    locks,
  };
}
