import { createHash, createHmac } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { detectWhmcsHashShape, keelHashForWhmcs, verifyLegacyPassword } from './legacy-passwords.ts';
import { verifyPassword } from './password.ts';

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
const pw = 'ñandú-secret パス';
const bcryptY = bcrypt.hashSync(pw, 4).replace(/^\$2b\$/, '$2y$');
const bcryptA = bcrypt.hashSync(pw, 4).replace(/^\$2b\$/, '$2a$');
const bcryptB = bcrypt.hashSync(pw, 4);
const salted = `${md5(`e93h2${pw}`)}:e93h2`;
const hmac = `${createHmac('sha256', 'Sec:ret$1').update(pw, 'utf8').digest('hex')}:Sec:ret$1`;
const plain = md5(pw);

describe('WHMCS hash shapes', () => {
  it.each([
    [bcryptY, 'bcrypt', bcryptY],
    [bcryptA, 'bcrypt', bcryptA],
    [bcryptB, 'bcrypt', bcryptB],
    [salted, 'md5-salted', `$whmcs-md5-salted$${salted}`],
    [hmac, 'hmac-sha256', `$whmcs-hmac-sha256$${hmac}`],
    [plain, 'md5', `$whmcs-md5$${plain}`],
  ] as const)('%s is %s and is stored as %s', (hash, shape, stored) => {
    expect(detectWhmcsHashShape(hash)).toBe(shape);
    expect(keelHashForWhmcs(hash)).toEqual({ shape, stored });
  });

  it.each(['', 'plain', '$2y$10$abc', 'ABCDEF0123456789ABCDEF0123456789', 'ZmFrZWNpcGhlcg=='])(
    'does not recognise %j',
    (hash) => {
      expect(keelHashForWhmcs(hash)).toBeNull();
    },
  );
});

describe('verifying migrated hashes', () => {
  it.each([
    ['bcrypt $2y$', bcryptY],
    ['bcrypt $2a$', bcryptA],
    ['bcrypt $2b$', bcryptB],
    ['md5(salt.password):salt', salted],
    ['HMAC-SHA256 hex:secret', hmac],
    ['plain md5', plain],
  ])('%s: right password passes and asks for a rehash, wrong one fails', async (_label, whmcsHash) => {
    const stored = keelHashForWhmcs(whmcsHash)!.stored;
    expect(await verifyPassword(stored, pw)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword(stored, `${pw}x`)).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword(stored, '')).toEqual({ ok: false, needsRehash: false });
  });

  it('fails closed on unprefixed hex hashes and unknown shapes', async () => {
    expect(await verifyLegacyPassword(plain, pw)).toBeNull();
    expect(await verifyLegacyPassword(salted, pw)).toBeNull();
    expect((await verifyPassword(plain, pw)).ok).toBe(false);
    expect((await verifyPassword('$whmcs-md5$nothex', pw)).ok).toBe(false);
    expect((await verifyPassword(`$whmcs-md5$${salted}`, pw)).ok).toBe(false);
  });

  it('refuses a bcrypt cost it would not spend', async () => {
    const costly = bcryptB.replace(/^\$2b\$04\$/, '$2b$31$');
    expect(await verifyLegacyPassword(costly, pw)).toBe(false);
  });
});
