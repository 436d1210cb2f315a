// Authentication as pve-manager's HTTPServer.pm auth_handler does it: API tokens, tickets (cookie or
// Authorization header) with CSRF tokens for writes, and the ticket login of POST /access/ticket.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Caller } from './api/context.ts';
import { SimHttpError, paramError } from './api/errors.ts';
import type { ClusterState } from './cluster.ts';
import { uriUnescape } from './formats.ts';
import type { RawParams } from './request.ts';
import { findEndpointSchema } from './api-subset.ts';
import { validateParams } from './schema.ts';

const TICKET_LIFETIME_S = 7200;

function hexTime(seconds: number): string {
  return seconds.toString(16).toUpperCase().padStart(8, '0');
}

export class Auth {
  constructor(private readonly state: ClusterState) {}

  private get secrets() {
    return this.state.secrets;
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

  /** The caller, or the text auth_handler dies with (answered as an empty 401). */
  authenticate(req: IncomingMessage, method: string): Caller | { failure: string } {
    const authorization = String(req.headers.authorization ?? '');
    const headerTicket = /PVEAuthCookie=([^;\s]+)/.exec(authorization)?.[1];
    const cookieTicket = /(?:^|;\s*)PVEAuthCookie=([^;]+)/.exec(String(req.headers.cookie ?? ''))?.[1];
    // A ticket wins; the API token is only looked at without one (AnyEvent.pm).
    const rawTicket = cookieTicket ?? headerTicket;
    const token = rawTicket ? null : /PVEAPIToken(?:=| )([^;]*)/.exec(authorization);
    if (token) {
      const value = uriUnescape(token[1] ?? '').trim();
      const bang = value.indexOf('!');
      const eq = value.indexOf('=', bang);
      const tokenId = value.slice(0, eq);
      const secret = value.slice(eq + 1);
      if (bang < 0 || eq < 0 || tokenId !== this.secrets.tokenId || secret !== this.secrets.tokenSecret)
        return { failure: 'Authentication failed!' };
      return { user: tokenId.slice(0, bang), tokenid: tokenId.slice(bang + 1) };
    }
    if (!rawTicket) return { failure: 'No ticket' };
    const user = this.verifyTicket(uriUnescape(rawTicket));
    if (!user) return { failure: 'Authentication failed!' };
    if (method !== 'GET') {
      const csrf = req.headers.csrfpreventiontoken;
      if (!this.verifyCsrf(Array.isArray(csrf) ? csrf[0] : csrf, user))
        return { failure: 'Permission denied - invalid csrf token' };
    }
    return { user };
  }

  /** POST /access/ticket: the ticket data, or the error its handler answers (JSON, via the formatter). */
  login(params: RawParams): Record<string, unknown> | SimHttpError {
    const schema = findEndpointSchema('POST', '/access/ticket');
    if (!schema) throw new Error('schema for POST /access/ticket missing');
    const validated = validateParams(schema, params);
    if (!validated.ok) return paramError(validated.errors);
    let username = String(validated.params.username);
    if (!username.includes('@') && validated.params.realm !== undefined)
      username = `${username}@${validated.params.realm}`;
    const password = String(validated.params.password);
    const renewedBy = password.startsWith('PVE:') ? this.verifyTicket(password) : undefined;
    const valid =
      username === 'root@pam' && (password === this.secrets.rootPassword || renewedBy === username);
    if (!valid) return new SimHttpError(401, 'authentication failure');
    return {
      username,
      ticket: this.createTicket(username),
      CSRFPreventionToken: this.createCsrfToken(username),
      clustername: this.state.clusterName,
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
  }
}
