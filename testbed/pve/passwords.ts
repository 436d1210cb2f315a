// Password hashes as the guest and PVE keep them: `$5$salt$hash` strings, never the plaintext.
// (PVE's encrypt_pw is crypt(3) SHA-256; the simulator's hash has the same shape, a salted SHA-256.)
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A crypt(3)-style hash (`$1$`, `$5$`, `$6$`, `$2a$`/`$2y$`, `$y$`) passes through as PVE's regex lets it. */
export const CRYPTED_RE = /^\$(?:[156]|2[ay])(\$.+){2}/;

function digest(salt: string, password: string): string {
  return createHash('sha256').update(`${salt}${password}`).digest('base64').replace(/[+/=]/g, '');
}

/** Qemu.pm update_vm: `cipassword` is stored crypted unless it already looks crypted. */
export function hashPassword(password: string): string {
  if (CRYPTED_RE.test(password)) return password;
  const salt = randomBytes(12).toString('base64').replace(/[+/=]/g, '').slice(0, 16);
  return `$5$${salt}$${digest(salt, password)}`;
}

/** Whether `password` is the one behind a hash made by hashPassword (false for foreign crypt hashes). */
export function verifyPassword(hash: string, password: string): boolean {
  const m = /^\$5\$([^$]+)\$(.+)$/.exec(hash);
  if (!m) return false;
  const expected = Buffer.from(digest(m[1] ?? '', password));
  const given = Buffer.from(m[2] ?? '');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
