/**
 * The web console's WebSocket, `GET /api/servers/:id/console/ws?ticket=…` on Keel's own HTTP server.
 *
 * The upgrade is refused (a plain HTTP answer in Keel's error shape) when another site's page opened it
 * (Origin / Sec-Fetch-Site), when the one-time ticket is missing, used, expired or for another server,
 * or when the server is not running. Otherwise Keel asks PVE for a `vncproxy` (websocket=1), opens its
 * `vncwebsocket` over the client's (pinned) connection with the API token, authenticates with the
 * vncproxy password itself, and only then accepts the browser, offering it RFB security type None; from
 * ClientInit on, the frames pass through both ways. The browser never sees a PVE ticket or password and
 * never talks to PVE.
 *
 * A console ends when either side closes, when a newer console of the same user and server opens (at
 * once in this process, within CONSOLE_CHECK_MS in another), and, checked every CONSOLE_CHECK_MS, when
 * its sign-in ends (signed out, session revoked, account gone) or its server stops running.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import { consoleCloseCodes } from '../../shared/console.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { appError, toPublicError } from '../errors.ts';
import type { PveClient } from '../pve/client.ts';
import type { PveRegistry } from '../pve/registry.ts';
import { PveError } from '../pve/errors.ts';
import { acceptClient, authenticateToServer, RfbError, WsByteReader, type RfbVersion } from '../pve/rfb.ts';
import {
  closeConsole,
  consolesToEnd,
  openConsole,
  type ConsoleEndReason,
} from '../services/servers/console.ts';
import { isCrossSite } from './cross-site.ts';

const consolePath = /^\/api\/servers\/([^/]+)\/console\/ws$/;
/** How long each side may take over its part of the RFB handshake. */
const handshakeTimeoutMs = 10_000;
/** Frames above this are refused; PVE sends at most 128 KiB, a browser far less. */
const maxFrameBytes = 1024 * 1024;

export interface ConsoleProxyOptions {
  db: Database;
  config: Pick<Config, 'CONSOLE_CHECK_MS'>;
  log: Logger;
  pve?: PveClient | undefined;
  /** Every cluster's client: a server's console is opened on its own cluster (else on `pve`). */
  clusters?: PveRegistry | undefined;
  /** Express's compiled `trust proxy` (app.get('trust proxy fn')): whether to read X-Forwarded-*. */
  trustProxy: (address: string, hop: number) => boolean;
}

export interface ConsoleProxy {
  /** How many consoles are open in this process. */
  readonly open: number;
  close(): Promise<void>;
}

interface OpenConsole {
  end(code: number, reason: string, why: string): void;
}

const endReasons: Record<ConsoleEndReason, [number, string]> = {
  replaced: [consoleCloseCodes.replaced, 'A newer console of this server was opened.'],
  session: [consoleCloseCodes.sessionEnded, 'Your session has ended.'],
  server: [consoleCloseCodes.serverNotRunning, 'The server is no longer running.'],
};

function firstHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim() || undefined;
}

/** `scheme://host` as the browser reached Keel: through a trusted proxy, as it says (express's rules). */
export function requestOrigin(req: IncomingMessage, trusted: boolean): string {
  const encrypted = Boolean((req.socket as Partial<TLSSocket>).encrypted);
  const proto = (trusted && firstHeader(req, 'x-forwarded-proto')) || (encrypted ? 'https' : 'http');
  const host = (trusted && firstHeader(req, 'x-forwarded-host')) || req.headers.host || '';
  return `${proto}://${host}`;
}

/** Answers an upgrade with a plain HTTP error in Keel's shape and closes the connection. */
function refuse(socket: Duplex, err: unknown): void {
  const { status, body, retryAfter } = toPublicError(err);
  const text = JSON.stringify(body);
  const headers = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(text)}`,
    'Cache-Control: no-store',
    'Connection: close',
    ...(retryAfter !== undefined ? [`Retry-After: ${retryAfter}`] : []),
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${text}`);
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RfbError(`${what} took longer than ${handshakeTimeoutMs} ms`)),
        handshakeTimeoutMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

export function attachConsoleProxy(server: HttpServer, options: ConsoleProxyOptions): ConsoleProxy {
  const { db, log: parentLog, pve: defaultPve, clusters } = options;
  const log = parentLog.child({ component: 'console' });
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: maxFrameBytes,
    // noVNC asks for `binary` (or nothing); any other subprotocol is not one Keel speaks.
    handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
  });
  const consoles = new Map<string, OpenConsole>();
  let closing = false;

  const check = setInterval(() => {
    if (consoles.size === 0) return;
    consolesToEnd(db, [...consoles.keys()])
      .then((ended) => {
        for (const [id, why] of ended) {
          const [code, reason] = endReasons[why];
          consoles.get(id)?.end(code, reason, why);
        }
      })
      .catch((err: unknown) => log.warn({ err }, 'could not check the open consoles'));
  }, options.config.CONSOLE_CHECK_MS);
  check.unref();

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://keel.invalid');
    const match = consolePath.exec(url.pathname);
    if (!match) throw appError('NOT_FOUND', `No WebSocket at ${url.pathname}.`);
    const serverId = decodeURIComponent(match[1]!);
    const address = req.socket.remoteAddress ?? '';
    const trusted = options.trustProxy(address, 0);
    const crossSite = isCrossSite(
      { secFetchSite: firstHeader(req, 'sec-fetch-site'), origin: req.headers.origin },
      requestOrigin(req, trusted),
    );
    if (crossSite)
      throw appError(
        'FORBIDDEN',
        'This console was opened from another site; open it from Keel’s own pages.',
      );
    const ticket = url.searchParams.get('ticket');
    if (!ticket)
      throw appError('UNAUTHORIZED', 'Open the console with a ticket from POST /api/servers/{id}/console.');
    const pve = clusters ? await clusters.forServer(serverId) : defaultPve;
    if (!pve) throw appError('UNAVAILABLE', 'Proxmox VE is not connected.');
    if (closing) throw appError('UNAVAILABLE', 'Keel is shutting down.');

    const ip = trusted ? (firstHeader(req, 'x-forwarded-for') ?? address) : address;
    const opened = await openConsole(db, serverId, ticket, { ip });
    const consoleLog = log.child({ consoleId: opened.sessionId, serverId, userId: opened.userId });
    for (const id of opened.replaced) consoles.get(id)?.end(...endReasons.replaced, 'replaced');

    let upstream: WebSocket | undefined;
    let version: RfbVersion;
    let leftover: Buffer = Buffer.alloc(0);
    try {
      const proxy = await pve.vncProxy(opened.node, opened.vmid);
      upstream = await pve.openVncWebSocket(opened.node, opened.vmid, proxy);
      const reader = new WsByteReader(upstream);
      upstream.resume();
      try {
        version = await withTimeout(
          authenticateToServer(upstream, reader, proxy.password ?? proxy.ticket),
          'the VNC handshake with Proxmox VE',
        );
      } finally {
        leftover = reader.release();
        // Until the browser is through its own handshake, what PVE sends waits in the socket.
        upstream.pause();
      }
    } catch (err) {
      upstream?.terminate();
      await closeConsole(db, opened.sessionId, 'upstream');
      consoleLog.warn({ err: (err as Error).message }, 'could not open the console on Proxmox VE');
      if (err instanceof PveError || err instanceof RfbError)
        throw appError('UNAVAILABLE', 'Proxmox VE could not open the console. Try again in a moment.', {
          retryAfter: 2,
        });
      throw err;
    }
    const pveSocket = upstream;
    wss.handleUpgrade(req, socket, head, (browser) => {
      void bridge(browser, pveSocket, { ...opened, version, leftover, log: consoleLog });
    });
  }

  async function bridge(
    browser: WebSocket,
    upstream: WebSocket,
    session: { sessionId: string; version: RfbVersion; leftover: Buffer; log: Logger },
  ): Promise<void> {
    let ended = false;
    const end = (code: number, reason: string, why: string) => {
      if (ended) return;
      ended = true;
      consoles.delete(session.sessionId);
      if (browser.readyState === WebSocket.OPEN) browser.close(code, reason);
      else browser.terminate();
      upstream.terminate();
      session.log.info({ why }, 'console closed');
      closeConsole(db, session.sessionId, why).catch((err: unknown) =>
        session.log.warn({ err }, 'could not record the console’s close'),
      );
    };
    consoles.set(session.sessionId, { end });
    upstream.on('close', () =>
      end(consoleCloseCodes.upstreamClosed, 'The console was closed by Proxmox VE.', 'upstream'),
    );
    upstream.on('error', () =>
      end(consoleCloseCodes.upstreamClosed, 'The connection to Proxmox VE failed.', 'upstream'),
    );
    browser.on('close', () => end(1000, '', 'closed'));
    browser.on('error', () => end(1011, '', 'browser-error'));
    if (upstream.readyState !== WebSocket.OPEN)
      return end(consoleCloseCodes.upstreamClosed, 'The console was closed by Proxmox VE.', 'upstream');
    const reader = new WsByteReader(browser);
    let early: Buffer;
    try {
      await withTimeout(acceptClient(browser, reader, session.version), 'the browser’s RFB handshake');
    } catch (err) {
      session.log.info({ err: (err as Error).message }, 'the browser’s RFB handshake failed');
      return end(1002, 'RFB handshake failed', 'handshake');
    } finally {
      early = reader.release();
    }
    if (ended) return;
    browser.on('message', (data: Buffer) => upstream.send(data));
    upstream.on('message', (data: Buffer) => {
      if (browser.readyState === WebSocket.OPEN) browser.send(data, { binary: true });
    });
    if (session.leftover.length) browser.send(session.leftover, { binary: true });
    if (early.length) upstream.send(early);
    upstream.resume();
    session.log.info('console open');
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    upgrade(req, socket, head).catch((err: unknown) => {
      const pub = toPublicError(err);
      if (pub.unexpected) log.error({ err }, 'console upgrade failed');
      else log.info({ status: pub.status, error: pub.body.error.message }, 'console refused');
      if (socket.writable) refuse(socket, err);
    });
  };
  server.on('upgrade', onUpgrade);

  return {
    get open() {
      return consoles.size;
    },
    async close() {
      closing = true;
      clearInterval(check);
      server.off('upgrade', onUpgrade);
      for (const c of [...consoles.values()])
        c.end(consoleCloseCodes.shuttingDown, 'Keel is restarting.', 'shutdown');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
