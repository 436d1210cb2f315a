import { describe, expect, it } from 'vitest';
import { checkPool, poolFamily, rangesOverlap, type PoolSpec } from './ip-pool.ts';

const base: PoolSpec = {
  cidr: '203.0.113.0/24',
  gateway: '203.0.113.1',
  rangeStart: '203.0.113.10',
  rangeEnd: '203.0.113.20',
  dns: ['1.1.1.1', '2606:4700:4700::1111'],
};

describe('checkPool', () => {
  it('gives the range without the gateway', () => {
    const check = checkPool({ ...base, gateway: '203.0.113.12', rangeEnd: '203.0.113.13' });
    expect(check).toEqual({
      ok: true,
      first: 3405803786,
      last: 3405803789,
      addresses: ['203.0.113.10', '203.0.113.11', '203.0.113.13'],
    });
  });

  it.each<[string, Partial<PoolSpec>, Record<string, string>]>([
    ['gateway outside', { gateway: '198.51.100.1' }, { gateway: '198.51.100.1 is outside 203.0.113.0/24' }],
    ['start outside', { rangeStart: '203.0.114.2' }, { rangeStart: '203.0.114.2 is outside 203.0.113.0/24' }],
    [
      'end before start',
      { rangeEnd: '203.0.113.5' },
      { rangeEnd: '203.0.113.5 comes before rangeStart 203.0.113.10' },
    ],
    [
      'network address',
      { rangeStart: '203.0.113.0' },
      { rangeStart: '203.0.113.0 is the network address of 203.0.113.0/24' },
    ],
    [
      'broadcast',
      { rangeEnd: '203.0.113.255' },
      { rangeEnd: '203.0.113.255 is the broadcast address of 203.0.113.0/24' },
    ],
    ['host bits', { cidr: '203.0.113.7/24' }, { cidr: 'has host bits set; the network is 203.0.113.0/24' }],
    ['not a cidr', { cidr: 'lan' }, { cidr: 'is not an IPv4 network in CIDR form, e.g. 203.0.113.0/24' }],
    [
      'ipv6 cidr',
      { cidr: '2001:db8::/64' },
      { cidr: 'is an IPv6 network; IPv6 pools are not supported yet' },
    ],
    ['bad address', { gateway: '203.0.113.300' }, { gateway: 'is not an IPv4 address' }],
    ['bad dns', { dns: ['1.1.1.1', 'dns.google'] }, { 'dns.1': 'is not an IP address' }],
    [
      'too large',
      { cidr: '10.0.0.0/8', gateway: '10.0.0.1', rangeStart: '10.0.0.2', rangeEnd: '10.2.0.0' },
      {
        rangeEnd: 'the range holds 131071 addresses; a pool holds at most 65536',
      },
    ],
    [
      'only the gateway',
      { rangeStart: '203.0.113.1', rangeEnd: '203.0.113.1' },
      {
        rangeEnd: 'the range holds only the gateway, so no address is left for servers',
      },
    ],
  ])('refuses %s', (_, change, fields) => {
    expect(checkPool({ ...base, ...change })).toEqual({ ok: false, fields });
  });
});

describe('rangesOverlap', () => {
  it.each([
    [{ first: 1, last: 5 }, { first: 5, last: 9 }, true],
    [{ first: 1, last: 5 }, { first: 6, last: 9 }, false],
    [{ first: 3, last: 4 }, { first: 1, last: 9 }, true],
    [{ first: 10, last: 12 }, { first: 1, last: 9 }, false],
  ])('%o and %o: %s', (a, b, expected) => expect(rangesOverlap(a, b)).toBe(expected));
});

it('poolFamily tells IPv6 networks apart', () => {
  expect(poolFamily('10.0.0.0/24')).toBe('ipv4');
  expect(poolFamily('2001:db8::/64')).toBe('ipv6');
});
