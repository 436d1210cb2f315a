/**
 * Password hashing with scrypt (memory-hard, in node:crypto). Hashes are self-describing
 * (`$scrypt$ln=15,r=8,p=1$salt$hash`) so the cost can be raised later and old hashes still verify,
 * and so hashes carried over from WHMCS can live in the same column under their own prefixes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { runKdf } from './kdf.ts';
import { verifyLegacyPassword } from './legacy-passwords.ts';

const params = { ln: 15, r: 8, p: 1 } as const; // N = 32768: 32 MiB and ~60 ms per hash
const keyLength = 32;

/** Every scrypt of the process runs under the KDF concurrency limit (kdf.ts). */
function scryptAsync(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return runKdf(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scrypt(password.normalize('NFKC'), salt, keyLength, options, (err, key) =>
          err ? reject(err) : resolve(key),
        ),
      ),
  );
}

function optionsFor(ln: number, r: number, p: number): ScryptOptions {
  const N = 2 ** ln;
  return { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, optionsFor(params.ln, params.r, params.p));
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export interface VerifyResult {
  ok: boolean;
  /** The hash is of an older scheme or cost; store a fresh one now that the password is known. */
  needsRehash: boolean;
}

const scryptPattern = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

export async function verifyPassword(stored: string, password: string): Promise<VerifyResult> {
  const m = scryptPattern.exec(stored);
  if (!m) {
    // Hashes migrated from WHMCS verify once more under their own scheme, then get replaced by scrypt.
    const legacyOk = await verifyLegacyPassword(stored, password);
    return { ok: legacyOk === true, needsRehash: legacyOk === true };
  }
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // A stored hash is data: parameters outside what Keel ever writes would only burn memory or throw.
  if (ln < 10 || ln > 20 || r < 1 || r > 16 || p < 1 || p > 4) return { ok: false, needsRehash: false };
  const expected = Buffer.from(m[5]!, 'base64url');
  const key = await scryptAsync(password, Buffer.from(m[4]!, 'base64url'), optionsFor(ln, r, p));
  const ok = key.length === expected.length && timingSafeEqual(key, expected);
  return { ok, needsRehash: ok && (ln !== params.ln || r !== params.r || p !== params.p) };
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as verifying a real password, so a login for an unknown email cannot be told
 * from one with a wrong password by its timing.
 */
export async function burnVerifyTime(password: string): Promise<void> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(await dummyHash, password);
}
