/**
 * The IP addresses a migrated service holds, as IPAM registers them (load-addresses.ts): its primary address
 * (servers.ip_address: tblhosting.dedicatedip, else the module's VM row) first, then every tblhosting.assignedips
 * entry, each in one canonical spelling so the same address written two ways is one address. Pure.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface ServiceAddress {
  address: string;
  /** The server's own address (servers.ip_address); the others are additional addresses. */
  primary: boolean;
}

/** An address in the one spelling IPAM stores: IPv4 dotted decimal without leading zeros, IPv6 compressed. */
export function canonicalAddress(text: string): string | null {
  const t = text.trim();
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(t)) {
    const parts = t.split('.').map(Number);
    return parts.every((p) => p <= 255) ? parts.join('.') : null;
  }
  if (isIPv4(t)) return t;
  const bare = t.replace(/^\[|\]$/g, '');
  if (!isIPv6(bare)) return null;
  // The URL parser prints an IPv6 host in its compressed, lower-case form (RFC 5952).
  return new URL(`http://[${bare}]/`).hostname.replace(/^\[|\]$/g, '');
}

/**
 * The addresses of one service, primary first, each once; what is not an address (a CIDR, a note, a typo) is
 * returned in `invalid` to be reported, never registered.
 */
export function serviceAddresses(
  ipAddress: string | null,
  assignedIps: readonly string[],
): { addresses: ServiceAddress[]; invalid: string[] } {
  const addresses: ServiceAddress[] = [];
  const invalid: string[] = [];
  const seen = new Set<string>();
  const add = (text: string, primary: boolean) => {
    const address = canonicalAddress(text);
    if (address === null) {
      invalid.push(text);
      return;
    }
    if (seen.has(address)) return;
    seen.add(address);
    addresses.push({ address, primary });
  };
  if (ipAddress) add(ipAddress, true);
  for (const ip of assignedIps) add(ip, false);
  return { addresses, invalid };
}
