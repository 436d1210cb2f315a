// A minimal RFB server (RFC 6143) as QEMU's VNC server answers PVE's `qm vncproxy`: protocol 3.8
// (3.7 and 3.3 too), the one security type "VNC Authentication" with the password vncproxy set,
// ServerInit with QEMU's pixel format and `QEMU (<name>)`, Raw framebuffer updates in the client's
// pixel format, and key, pointer and clipboard events read and counted, never acted on.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Framebuffer } from './screen.ts';
import { vncAuthResponse } from './vnc-auth.ts';

export interface PixelFormat {
  bpp: number;
  depth: number;
  bigEndian: boolean;
  trueColour: boolean;
  redMax: number;
  greenMax: number;
  blueMax: number;
  redShift: number;
  greenShift: number;
  blueShift: number;
}

/** QEMU's format for a 32-bit display surface: little-endian xRGB. */
export const QEMU_PIXEL_FORMAT: PixelFormat = {
  bpp: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 16,
  greenShift: 8,
  blueShift: 0,
};

const AUTH_FAILED = 'Authentication failed';
const SECURITY_VNC_AUTH = 2;

export interface RfbEvents {
  keyEvents: number;
  pointerEvents: number;
  clipboardEvents: number;
  updatesSent: number;
}

export interface RfbServerOptions {
  password: string;
  desktopName: string;
  screen: () => Framebuffer;
  send: (bytes: Buffer) => void;
  close: (reason: string) => void;
  /** ClientInit's shared flag: false asks the server to drop the VM's other clients. */
  onClientInit?: (shared: boolean) => void;
}

type Phase = 'version' | 'security' | 'auth' | 'init' | 'normal' | 'closed';

/** PIXEL_FORMAT: 16 bytes, the last 3 padding. */
export function encodePixelFormat(pf: PixelFormat): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(pf.bpp, 0);
  b.writeUInt8(pf.depth, 1);
  b.writeUInt8(pf.bigEndian ? 1 : 0, 2);
  b.writeUInt8(pf.trueColour ? 1 : 0, 3);
  b.writeUInt16BE(pf.redMax, 4);
  b.writeUInt16BE(pf.greenMax, 6);
  b.writeUInt16BE(pf.blueMax, 8);
  b.writeUInt8(pf.redShift, 10);
  b.writeUInt8(pf.greenShift, 11);
  b.writeUInt8(pf.blueShift, 12);
  return b;
}

export function decodePixelFormat(b: Buffer, offset = 0): PixelFormat {
  return {
    bpp: b.readUInt8(offset),
    depth: b.readUInt8(offset + 1),
    bigEndian: b.readUInt8(offset + 2) !== 0,
    trueColour: b.readUInt8(offset + 3) !== 0,
    redMax: b.readUInt16BE(offset + 4),
    greenMax: b.readUInt16BE(offset + 6),
    blueMax: b.readUInt16BE(offset + 8),
    redShift: b.readUInt8(offset + 10),
    greenShift: b.readUInt8(offset + 11),
    blueShift: b.readUInt8(offset + 12),
  };
}

/** The pixels of a rectangle in the client's pixel format (Raw encoding). */
export function encodeRaw(
  fb: Framebuffer,
  pf: PixelFormat,
  x: number,
  y: number,
  w: number,
  h: number,
): Buffer {
  const bytes = pf.bpp / 8;
  const out = Buffer.alloc(w * h * bytes);
  const scale = (v: number, max: number): number => Math.round((v * max) / 255);
  let o = 0;
  for (let row = y; row < y + h; row++) {
    for (let col = x; col < x + w; col++) {
      const i = (row * fb.width + col) * 3;
      const value =
        ((scale(fb.rgb[i] ?? 0, pf.redMax) << pf.redShift) |
          (scale(fb.rgb[i + 1] ?? 0, pf.greenMax) << pf.greenShift) |
          (scale(fb.rgb[i + 2] ?? 0, pf.blueMax) << pf.blueShift)) >>>
        0;
      if (bytes === 4) {
        if (pf.bigEndian) out.writeUInt32BE(value, o);
        else out.writeUInt32LE(value, o);
      } else if (bytes === 2) {
        if (pf.bigEndian) out.writeUInt16BE(value & 0xffff, o);
        else out.writeUInt16LE(value & 0xffff, o);
      } else {
        out.writeUInt8(value & 0xff, o);
      }
      o += bytes;
    }
  }
  return out;
}

export class RfbServer {
  readonly events: RfbEvents = { keyEvents: 0, pointerEvents: 0, clipboardEvents: 0, updatesSent: 0 };
  private phase: Phase = 'version';
  private minor = 8;
  private buffer = Buffer.alloc(0);
  private challenge = randomBytes(16);
  private format: PixelFormat = QEMU_PIXEL_FORMAT;

  constructor(private readonly opts: RfbServerOptions) {}

  /** Sends the server's ProtocolVersion: the first bytes of every RFB session. */
  start(): void {
    this.opts.send(Buffer.from('RFB 003.008\n', 'latin1'));
  }

  get authenticated(): boolean {
    return this.phase === 'init' || this.phase === 'normal';
  }

  receive(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.step()) {
      // each step consumed one message
    }
  }

  private take(n: number): Buffer | undefined {
    if (this.buffer.length < n) return undefined;
    const head = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return head;
  }

  private fail(reason: string): false {
    this.phase = 'closed';
    this.opts.close(reason);
    return false;
  }

  private u32(value: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value, 0);
    return b;
  }

  /** SecurityResult failed; RFB 3.8 adds the reason string. */
  private refuse(): false {
    const parts = [this.u32(1)];
    if (this.minor >= 8) parts.push(this.u32(AUTH_FAILED.length), Buffer.from(AUTH_FAILED, 'latin1'));
    this.opts.send(Buffer.concat(parts));
    return this.fail(AUTH_FAILED);
  }

  private step(): boolean {
    switch (this.phase) {
      case 'version': {
        const version = this.take(12);
        if (!version) return false;
        const m = /^RFB 003\.(\d{3})\n$/.exec(version.toString('latin1'));
        const minor = Number(m?.[1]);
        // QEMU's protocol_version: 3.3, 3.7 and 3.8; 3.4 and 3.5 are spoken as 3.3; else "invalid".
        if (![3, 4, 5, 7, 8].includes(minor)) {
          this.opts.send(this.u32(0));
          return this.fail('unsupported protocol version');
        }
        this.minor = minor === 7 || minor === 8 ? minor : 3;
        if (this.minor === 3) {
          this.opts.send(Buffer.concat([this.u32(SECURITY_VNC_AUTH), this.challenge]));
          this.phase = 'auth';
        } else {
          this.opts.send(Buffer.from([1, SECURITY_VNC_AUTH]));
          this.phase = 'security';
        }
        return true;
      }
      case 'security': {
        const type = this.take(1);
        if (!type) return false;
        if (type[0] !== SECURITY_VNC_AUTH) return this.refuse();
        this.opts.send(this.challenge);
        this.phase = 'auth';
        return true;
      }
      case 'auth': {
        const response = this.take(16);
        if (!response) return false;
        const expected = vncAuthResponse(this.opts.password, this.challenge);
        if (!timingSafeEqual(expected, response)) return this.refuse();
        this.opts.send(this.u32(0));
        this.phase = 'init';
        return true;
      }
      case 'init': {
        const shared = this.take(1);
        if (!shared) return false;
        this.opts.onClientInit?.(shared[0] !== 0);
        const fb = this.opts.screen();
        const name = Buffer.from(this.opts.desktopName, 'utf8');
        const head = Buffer.alloc(4);
        head.writeUInt16BE(fb.width, 0);
        head.writeUInt16BE(fb.height, 2);
        this.opts.send(
          Buffer.concat([head, encodePixelFormat(QEMU_PIXEL_FORMAT), this.u32(name.length), name]),
        );
        this.phase = 'normal';
        return true;
      }
      case 'normal':
        return this.clientMessage();
      case 'closed':
        return false;
    }
  }

  /** One client-to-server message (RFC 6143 §7.5); an unknown type ends the session, as in QEMU. */
  private clientMessage(): boolean {
    const type = this.buffer[0];
    if (type === undefined) return false;
    switch (type) {
      case 0: {
        const msg = this.take(20);
        if (!msg) return false;
        const format = decodePixelFormat(msg, 4);
        if (![8, 16, 32].includes(format.bpp) || !format.trueColour)
          return this.fail('unsupported pixel format');
        this.format = format;
        return true;
      }
      case 2: {
        if (this.buffer.length < 4) return false;
        const count = this.buffer.readUInt16BE(2);
        return this.take(4 + 4 * count) !== undefined;
      }
      case 3: {
        const msg = this.take(10);
        if (!msg) return false;
        // An incremental request waits for a change; the boot screen does not change.
        if (msg[1] === 0)
          this.sendUpdate(msg.readUInt16BE(2), msg.readUInt16BE(4), msg.readUInt16BE(6), msg.readUInt16BE(8));
        return true;
      }
      case 4:
        if (!this.take(8)) return false;
        this.events.keyEvents++;
        return true;
      case 5:
        if (!this.take(6)) return false;
        this.events.pointerEvents++;
        return true;
      case 6: {
        if (this.buffer.length < 8) return false;
        const length = this.buffer.readUInt32BE(4);
        if (!this.take(8 + length)) return false;
        this.events.clipboardEvents++;
        return true;
      }
      default:
        return this.fail(`unknown client message type ${type}`);
    }
  }

  private sendUpdate(x: number, y: number, w: number, h: number): void {
    const fb = this.opts.screen();
    const rx = Math.min(x, fb.width);
    const ry = Math.min(y, fb.height);
    const rw = Math.min(w, fb.width - rx);
    const rh = Math.min(h, fb.height - ry);
    const header = Buffer.alloc(16);
    header.writeUInt8(0, 0); // FramebufferUpdate
    header.writeUInt16BE(1, 2); // one rectangle
    header.writeUInt16BE(rx, 4);
    header.writeUInt16BE(ry, 6);
    header.writeUInt16BE(rw, 8);
    header.writeUInt16BE(rh, 10);
    header.writeInt32BE(0, 12); // Raw
    this.opts.send(Buffer.concat([header, encodeRaw(fb, this.format, rx, ry, rw, rh)]));
    this.events.updatesSent++;
  }
}
