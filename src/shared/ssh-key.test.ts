import { describe, expect, it } from 'vitest';
import { decodeBase64, parseSshPublicKey, sshKeyBlob } from './ssh-key.ts';

/** Keys made with ssh-keygen (OpenSSH 9.2), with the fingerprints `ssh-keygen -l` printed for them. */
const generated: [label: string, line: string, fingerprint: string][] = [
  [
    'ed25519',
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM++uflIRBCouiM+O0JXnmYTo6jN2r5mMYZP7rj3GUou user@host-ed25519',
    'SHA256:TiNOjFLzWFQslHp2B/U28RTI64qNe3AyvToZCvIyXWE',
  ],
  [
    'rsa_2048',
    'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDw8rLrpjpaGVR800HYbdEHcGkHb8ECoruoVPjPVk/DMW1RdteeItDTicuoXV2socfZhdiKFnQKDPu4oTdSm5sR5Gc41QDMBY9NQQb4fUJNXooJ+tXQysd2vAOnpfFHrKiKetTIsnvljsyfnzU44oquN/Yg7vLvXjWTE6rRaFRzpooqRVJx1yoUw3wCBqwSS/ZwVjHygiKx6Aq5glknM8tdSD1dAEwTNQOWVvTRghe9QcEBmFky97a5gLayoIMx294PVwmDrdl7pJNG4cUKC8tuWPihRLV9CUc39byu8rZXN78YKI9P/u0w0Jsfbem6ILf3phScpkUWtmBCjnp7ADed user@host-rsa2048',
    'SHA256:xcm1LOvGjzrHU5VkfmwEvxjVmCoygfVfxXJIMC+CDIs',
  ],
  [
    'rsa_1024',
    'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDnFahPzOaZC3PimwyfJcoBcYANzM12fhwTEybJAqP3KtemBZRhEcdARiVOFAxqBJWpwD+olV7oYP5g1tGQU251DehrY1JcQMLNgwJqlFeO2WRbcM+NCqcbDjnau/tFVFiGb+Pjtge5kyclT4x0bgliidQCQVX6CiOERGR4p7yEBQ== user@host-rsa1024',
    'SHA256:fvqIIDlXoCXufkug20NyadelNkfd38ujw4KcDY6X2zk',
  ],
  [
    'ecdsa_256',
    'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBH5R6aD3n6i4DT2H/2oF/MyOvCKyWrTYdPP09138qRpCS89WkTikJdRoQ1H3MlUEWwSxt59ErJqaAEworiuePtg= user@host-ecdsa256',
    'SHA256:lqhif8dQSXvoAuhiX3WXB0Nb1BVErLjgWE9mNsZBMzw',
  ],
  [
    'ecdsa_384',
    'ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBNovwAboSNARlgteFyjmvNWOdXihqPuSHhoddvqDN9cTfhq45fT+PuNi6CApr+Ejb1Zj4UHhELpF15oR/MHqy58u3Z8XPjVvlxDdXgogPJjmMc07ugZAc1NvONd4MXd8XQ== user@host-ecdsa384',
    'SHA256:K7belk4Oqq5ITU/JaKygghHiH2oXdo2zKwNSWfb2ukg',
  ],
  [
    'ecdsa_521',
    'ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAHcEM0f09KKM+v+75F0+LjbO8x0Pc++NnRnkhJRsK3IVB3D37BWRIshE48I+5c4+AxkuUeAGi/1FW1MdWEfa64nxAFUvbsSQb3gTZJPDg47Ndys3wfq3+0xQgqmQI+0KZAf6nYEaXd1zcQxqCQZFIOVjb83e51MptD/LzT33h6mKhzFyQ== user@host-ecdsa521',
    'SHA256:1yicDofCrb2JOHBogAf5FYT7wHLYsTcbi+VQK8MS+rI',
  ],
  [
    'sk-ssh-ed25519',
    'sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIM++uflIRBCouiM+O0JXnmYTo6jN2r5mMYZP7rj3GUouAAAABHNzaDo= x@y',
    'SHA256:fcA6LL73yO0fupC0I2oMw3hW+KeH4I4bcgplKVSfWpg',
  ],
  [
    'sk-ecdsa',
    'sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAIbmlzdHAyNTYAAABBBH5R6aD3n6i4DT2H/2oF/MyOvCKyWrTYdPP09138qRpCS89WkTikJdRoQ1H3MlUEWwSxt59ErJqaAEworiuePtgAAAAEc3NoOg== x@y',
    'SHA256:x8ldPpQbQFm3WjjS+W2gKtQcC61G0o0te6k6fQMK0U0',
  ],
];

const ed25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM++uflIRBCouiM+O0JXnmYTo6jN2r5mMYZP7rj3GUou';

/** Each refused by `ssh-keygen -l` (checked when these were made), or by Keel's stricter comment rule. */
const refused: [label: string, line: string, problem: RegExp][] = [
  ['U+2028 in the comment', `${ed25519} me\u2028runcmd: [touch, /pwned]`, /comment .*printable ASCII/],
  ['U+2029 in the comment', `${ed25519} me\u2029x`, /comment .*printable ASCII/],
  ['U+0085 in the comment', `${ed25519} me\u0085runcmd`, /comment .*printable ASCII/],
  ['U+000B in the comment', `${ed25519} me\u000bx`, /comment .*printable ASCII/],
  ['NUL in the comment', `${ed25519} me\u0000x`, /comment .*printable ASCII/],
  ['a tab in the comment', `${ed25519} me\tx`, /comment .*printable ASCII/],
  ['non-ASCII letters in the comment', `${ed25519} zoë@laptop`, /comment .*printable ASCII/],
  ['LF in the comment', `${ed25519} me\nssh-rsa AAAA`, /comment .*printable ASCII/],
  [
    'a body that does not decode',
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM++uflIRBCouiM+O0JXnmYTo6jN2r5mMYZP7rj3G x@y',
    /not valid base64/,
  ],
  [
    'a body without its padding',
    'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBH5R6aD3n6i4DT2H/2oF/MyOvCKyWrTYdPP09138qRpCS89WkTikJdRoQ1H3MlUEWwSxt59ErJqaAEworiuePtg x@y',
    /not valid base64/,
  ],
  [
    'a body with bits past its last byte',
    'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBH5R6aD3n6i4DT2H/2oF/MyOvCKyWrTYdPP09138qRpCS89WkTikJdRoQ1H3MlUEWwSxt59ErJqaAEworiuePth= x@y',
    /not valid base64/,
  ],
  [
    'a declared type its body does not hold',
    'ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIM++uflIRBCouiM+O0JXnmYTo6jN2r5mMYZP7rj3GUou x@y',
    /says ssh-rsa but its body holds a key of type ssh-ed25519/,
  ],
  [
    'an Ed25519 key of 31 bytes',
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAH8++uflIRBCouiM+O0JXnmYTo6jN2r5mMYZP7rj3GUo= x@y',
    /not 32 bytes/,
  ],
  [
    'data after the key',
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM++uflIRBCouiM+O0JXnmYTo6jN2r5mMYZP7rj3GUouAA== x@y',
    /data after the end/,
  ],
  [
    'an ECDSA point off the curve',
    'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBH5R6aD3n6i4DT2H/2oF/MyOvCKyWrTYdPP09138qRpCS89WkTikJdRoQ1H3MlUEWwSxt59ErJqaAEworiuePtk= x@y',
    /not on the curve nistp256/,
  ],
  [
    'an ECDSA body of another curve',
    'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAzODQAAABBBH5R6aD3n6i4DT2H/2oF/MyOvCKyWrTYdPP09138qRpCS89WkTikJdRoQ1H3MlUEWwSxt59ErJqaAEworiuePtg= x@y',
    /curve is not nistp256/,
  ],
  [
    'an RSA key of 768 bits',
    'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAYQDEsqQyWRfwPhar93Mg6JzFylMhU+8ErOvbh+JZRtSmBpKhwHI1i2mTm3cIL1BH2TKfcq8btRJ/O4vKYbFXiI6uQM8X5omyheA/Clifn53UR/Q1mKzAxzA/SD2XE4zHUfc= x@y',
    /768 bits; OpenSSH needs at least 1024/,
  ],
  [
    'an RSA modulus that is negative',
    'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAYYDEsqQyWRfwPhar93Mg6JzFylMhU+8ErOvbh+JZRtSmBpKhwHI1i2mTm3cIL1BH2TKfcq8btRJ/O4vKYbFXiI6uQM8X5omyheA/Clifn53UR/Q1mKzAxzA/SD2XE4zHUfc= x@y',
    /numbers are malformed/,
  ],
  [
    'a security key without its application',
    'sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIM++uflIRBCouiM+O0JXnmYTo6jN2r5mMYZP7rj3GUou x@y',
    /application/,
  ],
  ['a DSA key', 'ssh-dss AAAAB3NzaC1kc3MAAACBAP1 me@old', /DSA key/],
  ['a certificate', 'ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQ me', /certificate/],
  ['an unknown type', 'ssh-foo AAAAB3NzaC1yc2E me', /must be an OpenSSH public key/],
  ['authorized_keys options in front', `command="/bin/sh" ${ed25519}`, /must be an OpenSSH public key/],
  ['two keys on one line', `${ed25519}\n${ed25519}`, /printable ASCII|must be an OpenSSH/],
  ['no body', 'ssh-ed25519', /must be an OpenSSH public key/],
  ['two spaces before the body', ed25519.replace(' ', '  '), /must be an OpenSSH public key/],
  [
    'a body with characters outside base64',
    `${ed25519.slice(0, -4)}-_AA me`,
    /must be an OpenSSH public key/,
  ],
  ['an empty line', '', /must be an OpenSSH public key/],
];

async function fingerprint(blob: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', blob));
  return `SHA256:${btoa(String.fromCharCode(...digest)).replace(/=+$/, '')}`;
}

describe('parseSshPublicKey', () => {
  it.each(generated)(
    "accepts a real %s key, and its blob gives ssh-keygen's fingerprint",
    async (_label, line, expected) => {
      const parsed = parseSshPublicKey(line);
      expect(parsed).toMatchObject({ ok: true, key: { canonical: line } });
      expect(await fingerprint(sshKeyBlob(line)!)).toBe(expected);
    },
  );

  it('keeps the comment, spaces included, and needs none', () => {
    expect(parseSshPublicKey(`${ed25519} my laptop  (2024)`)).toMatchObject({
      ok: true,
      key: { type: 'ssh-ed25519', comment: 'my laptop  (2024)' },
    });
    expect(parseSshPublicKey(ed25519)).toMatchObject({ ok: true, key: { comment: '', canonical: ed25519 } });
  });

  it.each(refused)('refuses %s', (_label, line, problem) => {
    const parsed = parseSshPublicKey(line);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.problem).toMatch(problem);
    expect(sshKeyBlob(line)).toBeNull();
  });
});

describe('decodeBase64', () => {
  it.each([
    ['', null],
    ['QQ==', [65]],
    ['QUI=', [65, 66]],
    ['QUJD', [65, 66, 67]],
    ['QR==', null], // bits past the last byte
    ['QUJ=', null],
    ['QQ', null], // unpadded
    ['Q===', null],
    ['QQ=A', null],
    ['QU JD', null],
    ['QUJD\n', null],
  ])('%j → %j', (text, bytes) => {
    const decoded = decodeBase64(text);
    expect(decoded === null ? null : [...decoded]).toEqual(bytes);
  });
});
