// RFB "VNC Authentication" (RFC 6143 §7.2.2): DES-ECB of the 16-byte challenge, keyed with the
// password's first 8 bytes, each byte's bits mirrored (as every VNC implementation, QEMU's included).
import des from 'des.js';

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

/** The response a client with `password` sends for `challenge`. */
export function vncAuthResponse(password: string, challenge: Uint8Array): Buffer {
  const cipher = des.DES.create({ type: 'encrypt', key: vncKey(password), padding: false });
  return Buffer.from([...cipher.update(challenge), ...cipher.final()]);
}
