/**
 * Password hash shapes WHMCS has used over the years (whmcs-model.md §1, "detect by shape, never by version").
 * The seeder stores these with known plaintexts so a migrator's legacy-login verification can be tested.
 */
import { createHash, createHmac } from 'node:crypto';
import bcrypt from 'bcryptjs';

export type HashShape = 'bcrypt' | 'md5-salted' | 'hmac-sha256' | 'md5' | 'unknown';

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** WHMCS 4.2.1–6.2.x clients: md5(salt . password) . ':' . salt, with a 5-character salt. */
export function saltedMd5Hash(password: string, salt: string): string {
  return `${md5Hex(salt + password)}:${salt}`;
}

/** WHMCS on PHP < 5.3.7: hex(HMAC-SHA256(key = secret, message = password)) . ':' . secret. */
export function hmacSha256Hash(password: string, secret: string): string {
  return `${createHmac('sha256', secret).update(password, 'utf8').digest('hex')}:${secret}`;
}

/** Very old installs: bare md5 of the password. */
export function plainMd5Hash(password: string): string {
  return md5Hex(password);
}

/**
 * PHP password_hash() output ($2y$). The salt comes from the caller's seeded bytes so the hash is reproducible;
 * bcryptjs accepts the $2y$ prefix and keeps it in its output.
 */
export function bcryptYHash(password: string, saltBytes: readonly number[], cost = 10): string {
  if (saltBytes.length !== 16) throw new RangeError('bcrypt needs a 16-byte salt');
  const costText = String(cost).padStart(2, '0');
  const salt = `$2y$${costText}$${bcrypt.encodeBase64(saltBytes, 16)}`;
  return bcrypt.hashSync(password, salt);
}

export function detectHashShape(hash: string): HashShape {
  if (/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(hash)) return 'bcrypt';
  if (/^[a-f0-9]{32}:.+$/.test(hash)) return 'md5-salted';
  if (/^[a-f0-9]{64}:.+$/.test(hash)) return 'hmac-sha256';
  if (/^[a-f0-9]{32}$/.test(hash)) return 'md5';
  return 'unknown';
}

/** Reference verifier for every shape; lets tests prove each stored hash really matches its plaintext. */
export function verifyPassword(hash: string, password: string): boolean {
  switch (detectHashShape(hash)) {
    case 'bcrypt':
      return bcrypt.compareSync(password, hash);
    case 'md5-salted': {
      const salt = hash.slice(33);
      return saltedMd5Hash(password, salt) === hash;
    }
    case 'hmac-sha256': {
      const secret = hash.slice(65);
      return hmacSha256Hash(password, secret) === hash;
    }
    case 'md5':
      return plainMd5Hash(password) === hash;
    case 'unknown':
      return false;
  }
}
