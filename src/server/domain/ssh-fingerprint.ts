/** What `ssh-keygen -l` prints for a public key: its size and its SHA256 fingerprint. Pure. */
import { createHash } from 'node:crypto';
import type { SshKeyType } from '../../shared/ssh-key.ts';

/** `SHA256:` and the unpadded base64 of the SHA-256 of the key blob, as OpenSSH prints it. */
export function sshFingerprint(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The size `ssh-keygen -l` prints: the RSA modulus in bits, the curve's size, 256 for Ed25519. */
export function sshKeyBits(type: SshKeyType, blob: Uint8Array): number {
  switch (type) {
    case 'ssh-ed25519':
    case 'sk-ssh-ed25519@openssh.com':
    case 'ecdsa-sha2-nistp256':
    case 'sk-ecdsa-sha2-nistp256@openssh.com':
      return 256;
    case 'ecdsa-sha2-nistp384':
      return 384;
    case 'ecdsa-sha2-nistp521':
      return 521;
    case 'ssh-rsa':
      return rsaModulusBits(blob);
  }
}

/** The blob is `string type, mpint e, mpint n`; the modulus's bit length, leading zero bytes aside. */
function rsaModulusBits(blob: Uint8Array): number {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  let at = 0;
  const field = () => {
    const length = view.getUint32(at);
    const start = at + 4;
    at = start + length;
    return blob.subarray(start, at);
  };
  field(); // type
  field(); // e
  const n = field();
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  if (i === n.length) return 0;
  return (n.length - i - 1) * 8 + (32 - Math.clz32(n[i]!));
}
