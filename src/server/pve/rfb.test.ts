import { describe, expect, it } from 'vitest';
import { vncAuthResponse as simulatorResponse } from '../../../testbed/pve/vnc/vnc-auth.ts';
import { chooseSecurity, parseRfbVersion, rfbVersionBytes, vncAuthResponse } from './rfb.ts';

describe('parseRfbVersion', () => {
  it.each([
    ['RFB 003.008\n', '3.8'],
    ['RFB 003.007\n', '3.7'],
    ['RFB 003.003\n', '3.3'],
    // RFC 6143 §7.1.1: an unknown minor number is taken as 3.3; a later one as the highest known.
    ['RFB 003.005\n', '3.3'],
    ['RFB 003.889\n', '3.8'],
    ['RFB 004.000\n', null],
    ['RFB 003.008', null],
    ['HTTP/1.1 200', null],
  ])('%j → %s', (text, version) => {
    expect(parseRfbVersion(Buffer.from(text, 'latin1'))).toBe(version);
  });

  it('writes the version it reads', () => {
    for (const v of ['3.3', '3.7', '3.8'] as const) expect(parseRfbVersion(rfbVersionBytes(v))).toBe(v);
  });
});

describe('chooseSecurity', () => {
  it.each([
    [[2], 2],
    [[1, 2], 1],
    [[2, 1], 1],
    [[16, 2], 2],
    [[16, 19], null],
    [[], null],
  ])('%j → %s', (types, chosen) => {
    expect(chooseSecurity(types)).toBe(chosen);
  });
});

describe('vncAuthResponse', () => {
  const challenge = Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 0xff);

  it('agrees with the simulator’s VNC server for PVE’s generated passwords', () => {
    for (const password of ['!"#$%&\'(', 'ABCDEFGH', '`_^]\\[ZY'])
      expect(vncAuthResponse(password, challenge)).toEqual(simulatorResponse(password, challenge));
  });

  it('uses only the first 8 characters, as every VNC server does', () => {
    expect(vncAuthResponse('abcdefgh-and-more', challenge)).toEqual(vncAuthResponse('abcdefgh', challenge));
    expect(vncAuthResponse('abcdefgi', challenge)).not.toEqual(vncAuthResponse('abcdefgh', challenge));
  });

  it('matches a known answer (key "password", zero challenge)', () => {
    // DES-ECB of 16 zero bytes under the bit-mirrored key of "password" (0e 86 ce ce ee f6 4e 26), as
    // `openssl enc -des-ecb -K 0e86ceceeef64e26 -nopad -provider legacy` computes it.
    expect(vncAuthResponse('password', new Uint8Array(16)).toString('hex')).toBe(
      'ff97502e9422f089ff97502e9422f089',
    );
  });
});
