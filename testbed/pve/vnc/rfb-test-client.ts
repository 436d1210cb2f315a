// A small RFB client over vncwebsocket for the simulator's tests: the byte stream with waits,
// the 3.8 handshake with VNC authentication, and Raw framebuffer updates.
import WebSocket from 'ws';
import type { PveSim } from '../index.ts';
import { decodePixelFormat, encodePixelFormat, type PixelFormat } from './rfb-server.ts';
import { vncAuthResponse } from './vnc-auth.ts';

export interface VncProxyAnswer {
  port: number;
  ticket: string;
  password?: string;
  upid: string;
  user: string;
  cert: string;
}

export function vncWebsocketUrl(sim: PveSim, node: string, vmid: number, answer: VncProxyAnswer): string {
  const base = sim.url.replace(/^http/, 'ws');
  const query = new URLSearchParams({ port: String(answer.port), vncticket: answer.ticket });
  return `${base}/api2/json/nodes/${node}/qemu/${vmid}/vncwebsocket?${query.toString()}`;
}

/** Opens the WebSocket with the token (or given headers); rejects with the HTTP status if refused. */
export function openVncSocket(
  url: string,
  headers: Record<string, string>,
): Promise<{ ws: WebSocket; stream: ByteStream }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['binary'], { headers, rejectUnauthorized: false });
    const stream = new ByteStream(ws);
    ws.once('open', () => resolve({ ws, stream }));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        reject(
          Object.assign(new Error(`HTTP ${res.statusCode} ${res.statusMessage}`), {
            status: res.statusCode,
            reason: res.statusMessage,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        ),
      );
    });
    ws.once('error', reject);
  });
}

/** The WebSocket's binary messages as one byte stream, read with waits. */
export class ByteStream {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;
  frames = 0;

  constructor(ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) throw new Error('the VNC proxy sent a text frame');
      this.frames++;
      this.buffer = Buffer.concat([this.buffer, data]);
      this.wake();
    });
    ws.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  async read(n: number, timeoutMs = 10_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffer.length < n) {
      if (this.closed) throw new Error(`connection closed with ${this.buffer.length} of ${n} bytes`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} bytes`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    const head = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return head;
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** Resolves once the peer closed the connection. */
  async waitClosed(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection still open');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export interface ServerInit {
  width: number;
  height: number;
  format: PixelFormat;
  name: string;
}

/** ProtocolVersion 3.8, security type 2 with `password`, ClientInit; returns ServerInit. */
export async function handshake(
  ws: WebSocket,
  stream: ByteStream,
  password: string,
  shared = true,
): Promise<ServerInit> {
  const version = (await stream.read(12)).toString('latin1');
  if (version !== 'RFB 003.008\n') throw new Error(`server version ${JSON.stringify(version)}`);
  ws.send(Buffer.from('RFB 003.008\n', 'latin1'));
  const count = (await stream.read(1))[0] ?? 0;
  const types = [...(await stream.read(count))];
  if (!types.includes(2)) throw new Error(`no VNC authentication in ${types.join(',')}`);
  ws.send(Buffer.from([2]));
  const challenge = await stream.read(16);
  ws.send(vncAuthResponse(password, challenge));
  const result = (await stream.read(4)).readUInt32BE(0);
  if (result !== 0) {
    const length = (await stream.read(4)).readUInt32BE(0);
    const reason = (await stream.read(length)).toString('latin1');
    throw Object.assign(new Error(`security result ${result}: ${reason}`), { reason });
  }
  ws.send(Buffer.from([shared ? 1 : 0]));
  const init = await stream.read(24);
  const nameLength = init.readUInt32BE(20);
  const name = (await stream.read(nameLength)).toString('utf8');
  return {
    width: init.readUInt16BE(0),
    height: init.readUInt16BE(2),
    format: decodePixelFormat(init, 4),
    name,
  };
}

/** noVNC's pixel format: 32 bpp, depth 24, little-endian, red at bit 0, blue at bit 16. */
export const NOVNC_FORMAT: PixelFormat = {
  bpp: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 0,
  greenShift: 8,
  blueShift: 16,
};

export function setPixelFormat(ws: WebSocket, format: PixelFormat): void {
  ws.send(Buffer.concat([Buffer.from([0, 0, 0, 0]), encodePixelFormat(format)]));
}

export function setEncodings(ws: WebSocket, encodings: number[]): void {
  const msg = Buffer.alloc(4 + 4 * encodings.length);
  msg.writeUInt8(2, 0);
  msg.writeUInt16BE(encodings.length, 2);
  encodings.forEach((e, i) => msg.writeInt32BE(e, 4 + 4 * i));
  ws.send(msg);
}

export function requestUpdate(ws: WebSocket, incremental: boolean, w: number, h: number): void {
  const msg = Buffer.alloc(10);
  msg.writeUInt8(3, 0);
  msg.writeUInt8(incremental ? 1 : 0, 1);
  msg.writeUInt16BE(w, 6);
  msg.writeUInt16BE(h, 8);
  ws.send(msg);
}

export interface RawRect {
  x: number;
  y: number;
  width: number;
  height: number;
  encoding: number;
  pixels: Buffer;
}

/** One FramebufferUpdate whose rectangles are all Raw, at `bytesPerPixel`. */
export async function readUpdate(stream: ByteStream, bytesPerPixel: number): Promise<RawRect[]> {
  const head = await stream.read(4);
  if (head[0] !== 0) throw new Error(`message type ${head[0]} instead of FramebufferUpdate`);
  const rects: RawRect[] = [];
  for (let i = 0; i < head.readUInt16BE(2); i++) {
    const r = await stream.read(12);
    const rect = {
      x: r.readUInt16BE(0),
      y: r.readUInt16BE(2),
      width: r.readUInt16BE(4),
      height: r.readUInt16BE(6),
      encoding: r.readInt32BE(8),
    };
    rects.push({ ...rect, pixels: await stream.read(rect.width * rect.height * bytesPerPixel) });
  }
  return rects;
}

export async function vncProxy(
  sim: PveSim,
  node: string,
  vmid: number,
  params: Record<string, string> = { websocket: '1' },
): Promise<VncProxyAnswer> {
  const res = await fetch(`${sim.url}/api2/json/nodes/${node}/qemu/${vmid}/vncproxy`, {
    method: 'POST',
    headers: {
      Authorization: `PVEAPIToken=${sim.tokenId}=${sim.tokenSecret}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(params).toString(),
  });
  if (!res.ok) throw new Error(`vncproxy: ${res.status} ${res.statusText}`);
  return ((await res.json()) as { data: VncProxyAnswer }).data;
}

export const tokenHeaders = (sim: PveSim): Record<string, string> => ({
  Authorization: `PVEAPIToken=${sim.tokenId}=${sim.tokenSecret}`,
});
