/**
 * Password hashes carried over from WHMCS (whmcs-model.md §1: detect by shape, never by version).
 * bcrypt is self-describing and is stored as WHMCS wrote it. The hex shapes are not: a bare 32-hex string
 * could be any unsalted digest, so the migrator stores them behind an explicit Keel prefix:
 *
 *   $whmcs-md5-salted$<md5(salt . password)>:<salt>     (WHMCS 4.2.1–6.2 clients)
 *   $whmcs-hmac-sha256$<hex(HMAC-SHA256(secret, password))>:<secret>   (PHP < 5.3.7)
 *   $whmcs-md5$<md5(password)>                          (very old installs)
 *
 * Everything else (including a bare WHMCS hex hash without the prefix) is unknown and fails closed.
 * Every legacy match asks the caller to rehash to scrypt.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { runKdf } from './kdf.ts';

export type LegacyHashShape = 'bcrypt' | 'md5-salted' | 'hmac-sha256' | 'md5';

export const legacyHashPrefixes = {
  'md5-salted': '$whmcs-md5-salted$',
  'hmac-sha256': '$whmcs-hmac-sha256$',
  md5: '$whmcs-md5$',
} as const;

const bcryptPattern = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
const saltedMd5Pattern = /^([a-f0-9]{32}):(.+)$/s;
const hmacPattern = /^([a-f0-9]{64}):(.+)$/s;
const md5Pattern = /^[a-f0-9]{32}$/;

/** Shape of a hash as WHMCS stored it (tblusers.password / tblclients.password), or null when unknown. */
export function detectWhmcsHashShape(whmcsHash: string): LegacyHashShape | null {
  if (bcryptPattern.test(whmcsHash)) return 'bcrypt';
  if (hmacPattern.test(whmcsHash)) return 'hmac-sha256';
  if (saltedMd5Pattern.test(whmcsHash)) return 'md5-salted';
  if (md5Pattern.test(whmcsHash)) return 'md5';
  return null;
}

/** What the migrator stores in users.password_hash for a WHMCS hash; null when the shape is unknown. */
export function keelHashForWhmcs(whmcsHash: string): { shape: LegacyHashShape; stored: string } | null {
  const shape = detectWhmcsHashShape(whmcsHash);
  if (!shape) return null;
  return { shape, stored: shape === 'bcrypt' ? whmcsHash : legacyHashPrefixes[shape] + whmcsHash };
}

/** Shape of a stored Keel column value that holds a WHMCS hash, or null for anything else. */
export function legacyShapeOfStored(stored: string): LegacyHashShape | null {
  if (bcryptPattern.test(stored)) return 'bcrypt';
  for (const [shape, prefix] of Object.entries(legacyHashPrefixes) as [LegacyHashShape, string][]) {
    if (stored.startsWith(prefix) && detectWhmcsHashShape(stored.slice(prefix.length)) === shape)
      return shape;
  }
  return null;
}

function sameHex(actualHex: string, expectedHex: string): boolean {
  const a = Buffer.from(actualHex, 'hex');
  const b = Buffer.from(expectedHex, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Verifies a password against a stored legacy hash. Returns null when `stored` is not a legacy hash, so the
 * caller can try its own schemes. PHP hashes the password's UTF-8 bytes, as Node does here.
 */
export async function verifyLegacyPassword(stored: string, password: string): Promise<boolean | null> {
  const shape = legacyShapeOfStored(stored);
  if (!shape) return null;
  if (shape === 'bcrypt') {
    const cost = Number(bcryptPattern.exec(stored)![1]);
    // A stored hash is data: refuse costs that would pin the CPU for minutes.
    if (cost < 4 || cost > 15) return false;
    // PHP's $2y$ is the same algorithm as $2a$/$2b$; normalise so any bcrypt library accepts it.
    return runKdf(() => bcrypt.compare(password, `$2b$${stored.slice(4)}`));
  }
  const whmcsHash = stored.slice(legacyHashPrefixes[shape].length);
  if (shape === 'md5') return sameHex(createHash('md5').update(password, 'utf8').digest('hex'), whmcsHash);
  if (shape === 'md5-salted') {
    const [, digest, salt] = saltedMd5Pattern.exec(whmcsHash)!;
    return sameHex(
      createHash('md5')
        .update(salt! + password, 'utf8')
        .digest('hex'),
      digest!,
    );
  }
  const [, digest, secret] = hmacPattern.exec(whmcsHash)!;
  return sameHex(createHmac('sha256', secret!).update(password, 'utf8').digest('hex'), digest!);
}
