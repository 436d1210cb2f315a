/**
 * OpenSSH public keys, checked the way `ssh-keygen -l` checks them (Proxmox VE runs exactly that on
 * every key it is given) and then some: the type is one OpenSSH still accepts, the base64 body decodes
 * canonically, the body's own type name matches the declared one, its fields are complete and sane
 * (key sizes, curve points) with nothing after them, and the comment is printable ASCII only.
 *
 * The comment rule matters beyond tidiness: PVE writes each key as it is into the guest's cloud-init
 * user-data, where YAML takes U+2028, U+0085 and other separators as line breaks, so a comment could
 * otherwise add cloud-config of its own to the customer's VM.
 *
 * Pure and isomorphic (no Buffer, no node:crypto): the dashboard checks keys with the same code.
 */

export const sshKeyTypes = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
] as const;
export type SshKeyType = (typeof sshKeyTypes)[number];

export interface SshPublicKey {
  type: SshKeyType;
  /** The decoded key blob: what OpenSSH's SHA256 fingerprint hashes. */
  blob: Uint8Array<ArrayBuffer>;
  comment: string;
  /** `type base64 [comment]`, single spaces: the form Keel stores and hands to PVE. */
  canonical: string;
}

export type SshKeyParse = { ok: true; key: SshPublicKey } | { ok: false; problem: string };

const shapeProblem = 'must be an OpenSSH public key (for example "ssh-ed25519 AAAA… user@host")';
const fail = (problem: string): SshKeyParse => ({ ok: false, problem });

/** RSA moduli OpenSSH accepts (SSH_RSA_MINIMUM_MODULUS_SIZE … OPENSSL_RSA_MAX_MODULUS_BITS). */
const rsaMinBits = 1024;
const rsaMaxBits = 16_384;

const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const base64Value = new Map([...base64Alphabet].map((c, i) => [c, i]));

/** Strict base64: padded to a multiple of 4, no stray characters, unused bits zero; null otherwise. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> | null {
  if (text.length === 0 || text.length % 4 !== 0) return null;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const body = text.slice(0, text.length - padding);
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const char of body) {
    const v = base64Value.get(char);
    if (v === undefined) return null;
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
    }
  }
  // Bits left over after the last byte must be zero, or two texts would decode to the same key.
  if ((value & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

/** Reads SSH wire-format fields (RFC 4251: uint32 length, then that many bytes). */
class WireReader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}

  string(): Uint8Array | null {
    if (this.at + 4 > this.bytes.length) return null;
    const b = this.bytes;
    const length =
      ((b[this.at]! << 24) | (b[this.at + 1]! << 16) | (b[this.at + 2]! << 8) | b[this.at + 3]!) >>> 0;
    this.at += 4;
    if (length > this.bytes.length - this.at) return null;
    const field = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return field;
  }

  text(): string | null {
    const field = this.string();
    return field && [...field].every((c) => c >= 0x20 && c <= 0x7e) ? String.fromCharCode(...field) : null;
  }

  get done(): boolean {
    return this.at === this.bytes.length;
  }
}

const bigintOf = (bytes: Uint8Array): bigint => bytes.reduce((n, byte) => (n << 8n) | BigInt(byte), 0n);

/** An mpint as OpenSSH reads it: not negative, no needless leading zero; null otherwise. */
function positiveMpint(field: Uint8Array | null): bigint | null {
  if (!field || field.length === 0) return null;
  if (field[0]! & 0x80) return null;
  if (field[0] === 0 && (field.length === 1 || !(field[1]! & 0x80))) return null;
  return bigintOf(field);
}

/** NIST curves as OpenSSH names them: field prime, curve constant b (a = -3), coordinate bytes. */
const curves = {
  nistp256: {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    bytes: 32,
  },
  nistp384: {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    bytes: 48,
  },
  nistp521: {
    p: (1n << 521n) - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
    bytes: 66,
  },
} as const;
type CurveName = keyof typeof curves;

/** An uncompressed point (0x04 ‖ x ‖ y) that lies on the curve: what OpenSSH's EC checks require. */
function isCurvePoint(curve: CurveName, point: Uint8Array | null): boolean {
  const { p, b, bytes } = curves[curve];
  if (!point || point.length !== 1 + 2 * bytes || point[0] !== 0x04) return false;
  const x = bigintOf(point.subarray(1, 1 + bytes));
  const y = bigintOf(point.subarray(1 + bytes));
  if (x >= p || y >= p) return false;
  const mod = (n: bigint) => ((n % p) + p) % p;
  return mod(y * y) === mod(x * x * x - 3n * x + b);
}

/** Why the blob is not a sound key of `type`, or null when it is one. */
function blobProblem(type: SshKeyType, blob: Uint8Array): string | null {
  const wire = new WireReader(blob);
  const inner = wire.text();
  if (inner === null) return 'has a body that is not an SSH public key';
  if (inner !== type) return `says ${type} but its body holds a key of type ${inner.slice(0, 40)}`;
  switch (type) {
    case 'ssh-ed25519':
    case 'sk-ssh-ed25519@openssh.com':
      if (wire.string()?.length !== 32) return 'has an Ed25519 key that is not 32 bytes long';
      break;
    case 'ssh-rsa': {
      const e = positiveMpint(wire.string());
      const n = positiveMpint(wire.string());
      if (e === null || n === null || e < 3n || e % 2n === 0n)
        return 'has an RSA body whose numbers are malformed';
      const bits = n.toString(2).length;
      if (bits < rsaMinBits)
        return `is an RSA key of ${bits} bits; OpenSSH needs at least ${rsaMinBits} (use 3072 or ssh-ed25519)`;
      if (bits > rsaMaxBits) return `is an RSA key of ${bits} bits; OpenSSH accepts at most ${rsaMaxBits}`;
      break;
    }
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521':
    case 'sk-ecdsa-sha2-nistp256@openssh.com': {
      const curve = /nistp(256|384|521)/.exec(type)![0] as CurveName;
      if (wire.text() !== curve) return `has a body whose curve is not ${curve}`;
      if (!isCurvePoint(curve, wire.string())) return `has a point that is not on the curve ${curve}`;
      break;
    }
  }
  if (type.startsWith('sk-') && !wire.text()) return 'has a security-key application that is malformed';
  if (!wire.done) return 'has data after the end of its key';
  return null;
}

const printableAscii = /^[\x20-\x7e]*$/;

/** Parses one public key line: `type base64 [comment]`, with nothing else around it. */
export function parseSshPublicKey(line: string): SshKeyParse {
  const firstSpace = line.indexOf(' ');
  const type = firstSpace < 0 ? line : line.slice(0, firstSpace);
  const rest = firstSpace < 0 ? '' : line.slice(firstSpace + 1);
  const secondSpace = rest.indexOf(' ');
  const body = secondSpace < 0 ? rest : rest.slice(0, secondSpace);
  const comment = secondSpace < 0 ? '' : rest.slice(secondSpace + 1);

  if (type === 'ssh-dss')
    return fail('is a DSA key, which OpenSSH no longer accepts; use an ssh-ed25519 key');
  if (/-cert-v01@openssh\.com$/.test(type)) return fail('is a certificate; give the public key itself');
  if (!(sshKeyTypes as readonly string[]).includes(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(body))
    return fail(shapeProblem);
  if (!printableAscii.test(comment))
    return fail(
      'has a comment with characters other than printable ASCII (letters, digits, punctuation, spaces)',
    );
  const blob = decodeBase64(body);
  if (!blob) return fail('has a body that is not valid base64');
  const problem = blobProblem(type as SshKeyType, blob);
  if (problem) return fail(problem);
  const canonical = comment ? `${type} ${body} ${comment}` : `${type} ${body}`;
  return { ok: true, key: { type: type as SshKeyType, blob, comment, canonical } };
}

/** The key blob OpenSSH's `SHA256:` fingerprint is the base64 (unpadded) SHA-256 of; null if invalid. */
export function sshKeyBlob(line: string): Uint8Array<ArrayBuffer> | null {
  const parsed = parseSshPublicKey(line);
  return parsed.ok ? parsed.key.blob : null;
}
