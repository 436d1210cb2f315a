/**
 * Two-factor sign-in with TOTP (RFC 6238, through `otpauth`): SHA-1, 6 digits, 30-second steps, the
 * parameters every authenticator app understands. A code is accepted for the step before and after the
 * current one (clocks drift); which step it matched is returned so the caller can refuse a replay.
 *
 * Secrets are stored encrypted with AES-256-GCM under a key derived (HKDF-SHA256) from the JWT secret,
 * so a copy of the database alone does not let anyone compute codes.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

export const totpPeriodSeconds = 30;
const totpDigits = 6;
/** Steps either side of now that still count: ±30 s of clock drift. */
const totpWindow = 1;
export const totpIssuer = 'Keel';

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secretBase32: string, label = ''): TOTP {
  return new TOTP({
    issuer: totpIssuer,
    label,
    algorithm: 'SHA1',
    digits: totpDigits,
    period: totpPeriodSeconds,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** The `otpauth://totp/…` URI an authenticator app scans (as a QR code) or imports. */
export function totpUri(secretBase32: string, accountName: string): string {
  return totpFor(secretBase32, accountName).toString();
}

/** The 30-second step a moment falls in. */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / totpPeriodSeconds);
}

/** The step a code is valid for around `nowMs`, or null when it is not a valid code now. */
export function matchTotp(secretBase32: string, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpFor(secretBase32).validate({ token: code, timestamp: nowMs, window: totpWindow });
  return delta === null ? null : totpStep(nowMs) + delta;
}

/** What a person types: spaces and dashes are ignored, letters in either case. */
export function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}

/** A six-digit code from an authenticator app, rather than a recovery code. */
export function isTotpCode(code: string): boolean {
  return /^\d{6}$/.test(normalizeCode(code));
}

/** Crockford-like alphabet without 0/o, 1/l/i: codes are read off paper and typed back. */
const recoveryAlphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
export const recoveryCodeCount = 10;

/** Ten codes of ten characters (≈ 50 bits each), written `xxxxx-xxxxx`. */
export function newRecoveryCodes(count = recoveryCodeCount): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: 10 }, () => recoveryAlphabet[randomInt(recoveryAlphabet.length)]);
    return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
  });
}

export function hashRecoveryCode(code: string): string {
  return createHash('sha256')
    .update(`keel-recovery\0${normalizeCode(code)}`)
    .digest('hex');
}

function secretKey(jwtSecret: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', jwtSecret, 'keel', 'keel:totp-secret', 32));
}

/** `v1.<iv>.<ciphertext>.<tag>`, base64url parts. */
export function encryptTotpSecret(jwtSecret: Uint8Array, secretBase32: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', secretKey(jwtSecret), iv);
  const body = Buffer.concat([cipher.update(secretBase32, 'utf8'), cipher.final()]);
  return ['v1', iv, body, cipher.getAuthTag()]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** The secret, or null when it cannot be read (made under another JWT secret, or altered). */
export function decryptTotpSecret(jwtSecret: Uint8Array, stored: string): string | null {
  const [version, iv, body, tag] = stored.split('.');
  if (version !== 'v1' || !iv || !body || !tag) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', secretKey(jwtSecret), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return null;
  }
}
