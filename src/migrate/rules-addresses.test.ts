import { describe, expect, it } from 'vitest';
import { canonicalAddress, serviceAddresses } from './rules-addresses.ts';

describe('canonicalAddress', () => {
  it.each([
    ['203.0.113.10', '203.0.113.10'],
    [' 203.0.113.10 ', '203.0.113.10'],
    ['203.000.113.010', '203.0.113.10'],
    ['256.1.1.1', null],
    ['203.0.113', null],
    ['203.0.113.0/29', null],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['2001:db8::1/64', null],
    ['n/a', null],
    ['', null],
  ])('%j → %j', (text, expected) => {
    expect(canonicalAddress(text)).toBe(expected);
  });
});

describe('serviceAddresses', () => {
  it.each([
    { ip: null, assigned: [], addresses: [], invalid: [] },
    { ip: '10.0.0.5', assigned: [], addresses: [{ address: '10.0.0.5', primary: true }], invalid: [] },
    {
      ip: '10.0.0.5',
      assigned: ['10.0.0.6', '010.0.0.5', 'none', '2001:DB8::7'],
      addresses: [
        { address: '10.0.0.5', primary: true },
        { address: '10.0.0.6', primary: false },
        { address: '2001:db8::7', primary: false },
      ],
      invalid: ['none'],
    },
    {
      ip: 'pending',
      assigned: ['10.0.0.6', '10.0.0.6'],
      addresses: [{ address: '10.0.0.6', primary: false }],
      invalid: ['pending'],
    },
  ])('$ip + $assigned', ({ ip, assigned, addresses, invalid }) => {
    expect(serviceAddresses(ip, assigned)).toEqual({ addresses, invalid });
  });
});
