import { describe, expect, it } from 'vitest';
import { cidrContains, intToIpv4, ipv4ToInt, parseCidr, poolAddresses } from './ipv4.ts';

describe('ipv4', () => {
  it('round-trips addresses', () => {
    for (const a of ['0.0.0.0', '10.50.0.1', '192.168.255.254', '255.255.255.255'])
      expect(intToIpv4(ipv4ToInt(a))).toBe(a);
  });

  it.each(['10.0.0', '10.0.0.256', 'a.b.c.d', '1.2.3.4.5'])('refuses %s', (a) =>
    expect(() => ipv4ToInt(a)).toThrow(),
  );

  it('reads a CIDR and its membership', () => {
    expect(parseCidr('10.50.0.77/24')).toEqual({ network: ipv4ToInt('10.50.0.0'), prefix: 24 });
    expect(cidrContains('10.50.0.0/24', '10.50.0.255')).toBe(true);
    expect(cidrContains('10.50.0.0/24', '10.50.1.0')).toBe(false);
  });

  it('lists a pool range without the gateway', () => {
    expect(poolAddresses('10.0.0.0/29', '10.0.0.2', '10.0.0.1', '10.0.0.4')).toEqual([
      '10.0.0.1',
      '10.0.0.3',
      '10.0.0.4',
    ]);
  });

  it('refuses ranges outside the network or reversed', () => {
    expect(() => poolAddresses('10.0.0.0/29', '10.0.0.1', '10.0.0.2', '10.0.0.9')).toThrow(/outside/);
    expect(() => poolAddresses('10.0.0.0/29', '10.0.0.1', '10.0.0.5', '10.0.0.2')).toThrow(/after/);
  });
});
