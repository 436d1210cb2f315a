/** IPv4 arithmetic for address pools. Pure. */

export function ipv4ToInt(address: string): number {
  const parts = address.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${address}`);
  return parts.reduce((acc, part) => {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) throw new Error(`not an IPv4 address: ${address}`);
    return acc * 256 + Number(part);
  }, 0);
}

export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function parseCidr(cidr: string): { network: number; prefix: number } {
  const [address, prefixText] = cidr.split('/');
  const prefix = Number(prefixText);
  if (!address || !Number.isInteger(prefix) || prefix < 0 || prefix > 32)
    throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const size = 2 ** (32 - prefix);
  return { network: Math.floor(ipv4ToInt(address) / size) * size, prefix };
}

export function cidrContains(cidr: string, address: string): boolean {
  const { network, prefix } = parseCidr(cidr);
  const n = ipv4ToInt(address);
  return n >= network && n < network + 2 ** (32 - prefix);
}

/** Every address from `start` to `end` inclusive, all inside `cidr` and excluding the gateway. */
export function poolAddresses(cidr: string, gateway: string, start: string, end: string): string[] {
  const [first, last] = [ipv4ToInt(start), ipv4ToInt(end)];
  if (first > last) throw new Error(`range start ${start} is after its end ${end}`);
  if (last - first > 65_535) throw new Error('a pool range holds at most 65536 addresses');
  for (const a of [start, end, gateway]) {
    if (!cidrContains(cidr, a)) throw new Error(`${a} is outside ${cidr}`);
  }
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const address = intToIpv4(n);
    if (address !== gateway) out.push(address);
  }
  return out;
}
