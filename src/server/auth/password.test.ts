import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password.ts';

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$/);
    expect(await verifyPassword(hash, 'correct horse battery staple')).toEqual({
      ok: true,
      needsRehash: false,
    });
    expect((await verifyPassword(hash, 'correct horse battery stapler')).ok).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('asks for a rehash when the stored cost is older', async () => {
    const weak = (await hashPassword('pw')).replace('ln=15', 'ln=10');
    // Same salt and a different cost gives a different key, so rebuild a genuine ln=10 hash:
    const { scryptSync } = await import('node:crypto');
    const salt = Buffer.from('0123456789abcdef');
    const key = scryptSync('pw', salt, 32, { N: 1024, r: 8, p: 1 });
    const stored = `$scrypt$ln=10,r=8,p=1$${salt.toString('base64url')}$${key.toString('base64url')}`;
    expect(weak).not.toBe(stored);
    expect(await verifyPassword(stored, 'pw')).toEqual({ ok: true, needsRehash: true });
  });

  it.each(['', 'plain', '$2y$10$abc', '$scrypt$ln=99,r=8,p=1$x$y'])(
    'refuses the unknown or broken hash %j',
    async (stored) => {
      await expect(verifyPassword(stored, 'pw').then((r) => r.ok)).resolves.toBe(false);
    },
  );
});
