/**
 * What Keel reads off an existing VM's config when an operator adopts it (qemu-server's config keys, as
 * `GET /nodes/{node}/qemu/{vmid}/config` returns them): its specs, its boot disk's size, its cloud-init
 * address. Pure.
 */

export type VmConfig = Record<string, string | number | undefined>;

export interface AdoptedSpecs {
  name: string;
  cpuCores: number;
  memoryMb: number;
  /** The boot disk's size in whole GB (rounded up); 0 when the VM has no disk Keel can size. */
  diskGb: number;
  /** The config key of that disk (`scsi0`, `virtio0`, …), or null. */
  disk: string | null;
}

const diskKeys = /^(scsi|virtio|sata|ide)\d+$/;

/** `size=32G`, `size=512M`, `size=1T`, `size=10737418240` (bytes) → GB, rounded up. */
export function sizeToGb(size: string): number | null {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/i.exec(size.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2]!.toUpperCase();
  const gb =
    unit === 'T'
      ? n * 1024
      : unit === 'G'
        ? n
        : unit === 'M'
          ? n / 1024
          : unit === 'K'
            ? n / 1024 ** 2
            : n / 1024 ** 3;
  return Math.ceil(gb);
}

/** The disk the VM boots from: the first of `boot: order=…` that is a disk, else the first disk key. */
export function bootDisk(config: VmConfig): string | null {
  const isDisk = (key: string) => {
    const value = config[key];
    return diskKeys.test(key) && typeof value === 'string' && !/media=cdrom/.test(value);
  };
  const order = /(?:^|,)order=([^,]+)/.exec(String(config.boot ?? ''))?.[1]?.split(';') ?? [];
  const fromOrder = order.find(isDisk);
  if (fromOrder) return fromOrder;
  return Object.keys(config).filter(isDisk).sort()[0] ?? null;
}

export function adoptedSpecs(config: VmConfig, vmid: number): AdoptedSpecs {
  // PVE's defaults when a key is absent: 1 core, 1 socket, 512 MB.
  const cores = Number(config.cores ?? 1) * Number(config.sockets ?? 1);
  const memoryMb = Number.parseInt(String(config.memory ?? 512), 10);
  const disk = bootDisk(config);
  const size = disk ? /(?:^|,)size=([^,]+)/.exec(String(config[disk]))?.[1] : undefined;
  const name = typeof config.name === 'string' && config.name.trim() ? config.name.trim() : `vm-${vmid}`;
  return { name, cpuCores: cores, memoryMb, diskGb: size ? (sizeToGb(size) ?? 0) : 0, disk };
}

/** The static IPv4 of cloud-init's `ipconfig0` (`ip=10.0.0.5/24,gw=10.0.0.1`); null for dhcp or none. */
export function cloudInitAddress(config: VmConfig): string | null {
  const ip = /(?:^|,)ip=([^,/]+)(?:\/\d+)?/.exec(String(config.ipconfig0 ?? ''))?.[1];
  return ip && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) ? ip : null;
}

export interface AgentInterfaceLike {
  name: string;
  'ip-addresses'?: { 'ip-address': string; 'ip-address-type': string }[];
}

/** The first IPv4 the guest agent reports that is not loopback or link-local. */
export function agentAddress(interfaces: readonly AgentInterfaceLike[]): string | null {
  for (const i of interfaces) {
    if (i.name === 'lo') continue;
    for (const a of i['ip-addresses'] ?? [])
      if (a['ip-address-type'] === 'ipv4' && !/^(127\.|169\.254\.)/.test(a['ip-address']))
        return a['ip-address'];
  }
  return null;
}
