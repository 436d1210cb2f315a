import { describe, expect, it } from 'vitest';
import { parseSshPublicKey } from '../../shared/ssh-key.ts';
import { sshFingerprint, sshKeyBits } from './ssh-fingerprint.ts';

/** Keys made with ssh-keygen (OpenSSH 9.2), with the first two fields `ssh-keygen -l` printed for them. */
const keys: [line: string, bits: number, fingerprint: string][] = [
  [
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM++uflIRBCouiM+O0JXnmYTo6jN2r5mMYZP7rj3GUou user@host-ed25519',
    256,
    'SHA256:TiNOjFLzWFQslHp2B/U28RTI64qNe3AyvToZCvIyXWE',
  ],
  [
    'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDw8rLrpjpaGVR800HYbdEHcGkHb8ECoruoVPjPVk/DMW1RdteeItDTicuoXV2socfZhdiKFnQKDPu4oTdSm5sR5Gc41QDMBY9NQQb4fUJNXooJ+tXQysd2vAOnpfFHrKiKetTIsnvljsyfnzU44oquN/Yg7vLvXjWTE6rRaFRzpooqRVJx1yoUw3wCBqwSS/ZwVjHygiKx6Aq5glknM8tdSD1dAEwTNQOWVvTRghe9QcEBmFky97a5gLayoIMx294PVwmDrdl7pJNG4cUKC8tuWPihRLV9CUc39byu8rZXN78YKI9P/u0w0Jsfbem6ILf3phScpkUWtmBCjnp7ADed user@host-rsa2048',
    2048,
    'SHA256:xcm1LOvGjzrHU5VkfmwEvxjVmCoygfVfxXJIMC+CDIs',
  ],
  [
    'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDnFahPzOaZC3PimwyfJcoBcYANzM12fhwTEybJAqP3KtemBZRhEcdARiVOFAxqBJWpwD+olV7oYP5g1tGQU251DehrY1JcQMLNgwJqlFeO2WRbcM+NCqcbDjnau/tFVFiGb+Pjtge5kyclT4x0bgliidQCQVX6CiOERGR4p7yEBQ== user@host-rsa1024',
    1024,
    'SHA256:fvqIIDlXoCXufkug20NyadelNkfd38ujw4KcDY6X2zk',
  ],
  [
    'ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBNovwAboSNARlgteFyjmvNWOdXihqPuSHhoddvqDN9cTfhq45fT+PuNi6CApr+Ejb1Zj4UHhELpF15oR/MHqy58u3Z8XPjVvlxDdXgogPJjmMc07ugZAc1NvONd4MXd8XQ== user@host-ecdsa384',
    384,
    'SHA256:K7belk4Oqq5ITU/JaKygghHiH2oXdo2zKwNSWfb2ukg',
  ],
];

describe('sshFingerprint and sshKeyBits', () => {
  it.each(keys)('%s → %i %s', (line, bits, fingerprint) => {
    const parsed = parseSshPublicKey(line);
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(sshKeyBits(parsed.key.type, parsed.key.blob)).toBe(bits);
    expect(sshFingerprint(parsed.key.blob)).toBe(fingerprint);
  });
});
