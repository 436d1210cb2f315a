/**
 * The parts of RFB (RFC 6143) a console proxy speaks itself: reading a ProtocolVersion, choosing a
 * security type, VNC Authentication's DES response, and a byte reader over WebSocket messages. Keel
 * authenticates to PVE's VNC server with the vncproxy password and offers the browser security type
 * None on its own side, so the browser never holds a PVE secret.
 */
import des from 'des.js';
import type WebSocket from 'ws';

export type RfbVersion = '3.3' | '3.7' | '3.8';

/** `RFB 003.00x\n` → its version; other 3.x minor numbers are read as 3.3 (RFC 6143 §7.1.1). */
export function parseRfbVersion(bytes: Uint8Array): RfbVersion | null {
  const text = Buffer.from(bytes).toString('latin1');
  const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(text);
  if (!m || m[1] !== '003') return null;
  const minor = Number(m[2]);
  if (minor >= 8) return '3.8';
  if (minor === 7) return '3.7';
  return '3.3';
}

export const rfbVersionBytes = (version: RfbVersion): Buffer =>
  Buffer.from(`RFB 003.00${version.slice(2)}\n`, 'latin1');

export const securityNone = 1;
export const securityVncAuth = 2;

/** What Keel picks from the server's list: None if offered, else VNC Authentication, else nothing. */
export function chooseSecurity(types: readonly number[]): number | null {
  if (types.includes(securityNone)) return securityNone;
  if (types.includes(securityVncAuth)) return securityVncAuth;
  return null;
}

/** The DES key of VNC Authentication: the password's first 8 bytes, each byte's bits mirrored. */
function vncKey(password: string): number[] {
  const bytes = Buffer.from(password, 'latin1');
  return Array.from({ length: 8 }, (_, i) => {
    let b = bytes[i] ?? 0;
    let mirrored = 0;
    for (let bit = 0; bit < 8; bit++) {
      mirrored = (mirrored << 1) | (b & 1);
      b >>= 1;
    }
    return mirrored;
  });
}

/** RFC 6143 §7.2.2: the 16-byte challenge encrypted with DES-ECB under the mirrored password. */
export function vncAuthResponse(password: string, challenge: Uint8Array): Buffer {
  const cipher = des.DES.create({ type: 'encrypt', key: vncKey(password), padding: false });
  return Buffer.from([...cipher.update(challenge), ...cipher.final()]);
}

export class RfbError extends Error {}

/**
 * The binary messages of a WebSocket as one byte stream, read a number of bytes at a time, until the
 * handshake is done; `release()` then hands back what arrived beyond it and stops listening.
 */
export class WsByteReader {
  private buffer = Buffer.alloc(0);
  private wanted: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;
  private ended: Error | null = null;
  private readonly onMessage = (data: WebSocket.RawData) => {
    const chunk = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data);
    this.buffer = Buffer.concat([this.buffer, chunk]);
    this.settle();
  };
  private readonly onClose = () => this.fail(new RfbError('the connection closed during the handshake'));

  constructor(private readonly ws: WebSocket) {
    ws.on('message', this.onMessage);
    ws.on('close', this.onClose);
  }

  read(n: number): Promise<Buffer> {
    if (this.wanted) return Promise.reject(new RfbError('one read at a time'));
    return new Promise((resolve, reject) => {
      this.wanted = { n, resolve, reject };
      this.settle();
    });
  }

  async readU8(): Promise<number> {
    return (await this.read(1))[0]!;
  }

  async readU32(): Promise<number> {
    return (await this.read(4)).readUInt32BE(0);
  }

  /** A U32-length-prefixed string (a failure reason), capped so a hostile peer cannot make Keel buffer much. */
  async readReason(): Promise<string> {
    const length = await this.readU32();
    if (length > 4096) throw new RfbError(`a reason of ${length} bytes`);
    return (await this.read(length)).toString('latin1');
  }

  fail(err: Error): void {
    this.ended ??= err;
    this.settle();
  }

  release(): Buffer {
    this.ws.off('message', this.onMessage);
    this.ws.off('close', this.onClose);
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    return rest;
  }

  private settle(): void {
    const wanted = this.wanted;
    if (!wanted) return;
    if (this.buffer.length >= wanted.n) {
      this.wanted = null;
      const head = this.buffer.subarray(0, wanted.n);
      this.buffer = this.buffer.subarray(wanted.n);
      wanted.resolve(head);
    } else if (this.ended) {
      this.wanted = null;
      wanted.reject(this.ended);
    }
  }
}

/**
 * The client side of the handshake with PVE's VNC server, up to and including SecurityResult:
 * afterwards the server waits for ClientInit, which the browser sends. Returns the version agreed, the
 * version the browser must then be offered at most.
 */
export async function authenticateToServer(
  ws: WebSocket,
  reader: WsByteReader,
  password: string,
): Promise<RfbVersion> {
  const offered = parseRfbVersion(await reader.read(12));
  if (!offered) throw new RfbError('the VNC server did not speak RFB 3.x');
  ws.send(rfbVersionBytes(offered));
  let type: number | null;
  if (offered === '3.3') {
    type = await reader.readU32();
    if (type === 0) throw new RfbError(`the VNC server refused: ${await reader.readReason()}`);
  } else {
    const count = await reader.readU8();
    if (count === 0) throw new RfbError(`the VNC server refused: ${await reader.readReason()}`);
    type = chooseSecurity([...(await reader.read(count))]);
    if (type === null) throw new RfbError('the VNC server offers no security type Keel speaks');
    ws.send(Buffer.from([type]));
  }
  if (type === securityVncAuth) {
    ws.send(vncAuthResponse(password, await reader.read(16)));
  } else if (type !== securityNone) {
    throw new RfbError(`the VNC server chose security type ${type}`);
  }
  // Version 3.3 and 3.7 send no SecurityResult after None; 3.8 does, and every version after VNC auth.
  if (type === securityVncAuth || offered === '3.8') {
    const result = await reader.readU32();
    if (result !== 0) {
      const reason = offered === '3.8' ? await reader.readReason() : 'authentication failed';
      throw new RfbError(`the VNC server refused the password: ${reason}`);
    }
  }
  return offered;
}

/**
 * The server side of the handshake with the browser: Keel's version, then security type None. After it
 * the browser sends ClientInit, which goes to PVE as it is.
 */
export async function acceptClient(ws: WebSocket, reader: WsByteReader, atMost: RfbVersion): Promise<void> {
  ws.send(rfbVersionBytes(atMost));
  const asked = parseRfbVersion(await reader.read(12));
  if (!asked) throw new RfbError('the browser did not speak RFB 3.x');
  const version = asked < atMost ? asked : atMost;
  if (version === '3.3') {
    ws.send(Buffer.from([0, 0, 0, securityNone]));
    return;
  }
  ws.send(Buffer.from([1, securityNone]));
  const chosen = await reader.readU8();
  if (chosen !== securityNone) throw new RfbError(`the browser chose security type ${chosen}`);
  if (version === '3.8') ws.send(Buffer.from([0, 0, 0, 0]));
}
