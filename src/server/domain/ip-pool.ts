/**
 * What makes an IP pool valid, as field errors an operator can act on, and the addresses it hands
 * out. IPv4 today; the checks name IPv6 as not yet supported rather than as malformed. Pure.
 */
import ipaddr from 'ipaddr.js';
import { cidrContains, intToIpv4, ipv4ToInt, parseCidr } from './ipv4.ts';

export interface PoolSpec {
  cidr: string;
  gateway: string;
  rangeStart: string;
  rangeEnd: string;
  dns: readonly string[];
}

export type PoolCheck =
  | { ok: true; first: number; last: number; addresses: string[] }
  | { ok: false; fields: Record<string, string> };

/** The largest range one pool may hold (a /16). */
export const maxPoolAddresses = 65_536;

const dotted = /^\d{1,3}(?:\.\d{1,3}){3}$/;

function ipv4(text: string): number | null {
  if (!dotted.test(text)) return null;
  try {
    return ipv4ToInt(text);
  } catch {
    return null;
  }
}

const isIpv6 = (text: string) => text.includes(':') && ipaddr.IPv6.isValid(text.split('/')[0]!);

export function checkPool(spec: PoolSpec): PoolCheck {
  const fields: Record<string, string> = {};
  let network: { network: number; prefix: number } | null = null;
  if (isIpv6(spec.cidr)) fields.cidr = 'is an IPv6 network; IPv6 pools are not supported yet';
  else {
    const [address = '', prefix = ''] = spec.cidr.split('/');
    if (ipv4(address) === null || !/^\d{1,2}$/.test(prefix) || Number(prefix) > 32)
      fields.cidr = 'is not an IPv4 network in CIDR form, e.g. 203.0.113.0/24';
    else {
      network = parseCidr(spec.cidr);
      if (network.network !== ipv4ToInt(address))
        fields.cidr = `has host bits set; the network is ${intToIpv4(network.network)}/${network.prefix}`;
      else if (network.prefix > 30) fields.cidr = 'must be a /30 or larger to hold a gateway and a server';
    }
  }
  const parsed: Record<'gateway' | 'rangeStart' | 'rangeEnd', number | null> = {
    gateway: null,
    rangeStart: null,
    rangeEnd: null,
  };
  for (const key of ['gateway', 'rangeStart', 'rangeEnd'] as const) {
    const value = ipv4(spec[key]);
    if (value === null) {
      fields[key] = isIpv6(spec[key]) ? 'is an IPv6 address; this pool is IPv4' : 'is not an IPv4 address';
      continue;
    }
    parsed[key] = value;
    if (network && !fields.cidr) {
      if (!cidrContains(spec.cidr, spec[key])) fields[key] = `${spec[key]} is outside ${spec.cidr}`;
      else if (key !== 'gateway') {
        const size = 2 ** (32 - network.prefix);
        if (value === network.network) fields[key] = `${spec[key]} is the network address of ${spec.cidr}`;
        else if (value === network.network + size - 1)
          fields[key] = `${spec[key]} is the broadcast address of ${spec.cidr}`;
      }
    }
  }
  const { rangeStart: first, rangeEnd: last, gateway } = parsed;
  if (first !== null && last !== null && !fields.rangeStart && !fields.rangeEnd) {
    if (first > last) fields.rangeEnd = `${spec.rangeEnd} comes before rangeStart ${spec.rangeStart}`;
    else if (last - first + 1 > maxPoolAddresses)
      fields.rangeEnd = `the range holds ${last - first + 1} addresses; a pool holds at most ${maxPoolAddresses}`;
    else if (first === last && first === gateway)
      fields.rangeEnd = 'the range holds only the gateway, so no address is left for servers';
  }
  spec.dns.forEach((server, i) => {
    if (!ipaddr.isValid(server) || !(dotted.test(server) || server.includes(':')))
      fields[`dns.${i}`] = 'is not an IP address';
  });
  if (Object.keys(fields).length > 0 || first === null || last === null) return { ok: false, fields };
  const addresses: string[] = [];
  for (let n = first; n <= last; n++) if (n !== gateway) addresses.push(intToIpv4(n));
  return { ok: true, first, last, addresses };
}

/** Whether two ranges of integers share an address. */
export function rangesOverlap(
  a: { first: number; last: number },
  b: { first: number; last: number },
): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** The family of a pool's network: what the schema keeps for each pool, so IPv6 can join later. */
export function poolFamily(cidr: string): 'ipv4' | 'ipv6' {
  return cidr.includes(':') ? 'ipv6' : 'ipv4';
}
