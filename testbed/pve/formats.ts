// Pure PVE value formats: UPIDs, disk sizes, drive/memory/ipconfig property strings, SSH keys.
import { createHash } from 'node:crypto';
import type { Upid } from '../../src/server/pve/upid.ts';

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

/** `UPID:$node:%08X:%08X:%08X:$type:$id:$user:` (pve-common UPID.pm), trailing colon included; Keel's parseUpid reads it. */
export function encodeUpid(u: Upid): string {
  return `UPID:${u.node}:${hex(u.pid, 8)}:${hex(u.pstart, 8)}:${hex(u.starttime, 8)}:${u.type}:${u.id}:${u.user}:`;
}

const UNITS: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** PVE parse_size: bytes without a unit, powers of 1024 with K/M/G/T. */
export function parseSize(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT])?$/.exec(value);
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * (m[2] ? (UNITS[m[2]] ?? 1) : 1));
}

/** PVE format_size: the largest unit that divides the size exactly. */
export function formatSize(bytes: number): string {
  const units = ['', 'K', 'M', 'G', 'T'];
  let size = Math.floor(bytes);
  let unit = 0;
  while (unit < units.length - 1 && size !== 0 && size % 1024 === 0) {
    size /= 1024;
    unit += 1;
  }
  return `${size}${units[unit]}`;
}

export type ResizeResult = { ok: true; bytes: number } | { ok: false; error: string };

/** Resolves a resize request (`+10G` or absolute `32G`) against the current disk size. */
export function resolveResize(currentBytes: number, request: string): ResizeResult {
  const m = /^(\+)?(\d+(?:\.\d+)?[KMGT]?)$/.exec(request);
  const delta = m ? parseSize(m[2] ?? '') : undefined;
  if (!m || delta === undefined) return { ok: false, error: `invalid size '${request}'` };
  const target = m[1] ? currentBytes + delta : delta;
  if (target < currentBytes) return { ok: false, error: 'shrinking disks is not supported' };
  return { ok: true, bytes: target };
}

/** Splits a property string into ordered `[key, value]` parts; a part without `=` gets `key` = ''. */
export function splitPropertyString(value: string): [string, string][] {
  return value
    .split(',')
    .filter((p) => p !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq < 0 ? ['', part] : [part.slice(0, eq), part.slice(eq + 1)];
    });
}

export interface Drive {
  volume: string; // `storage:volname`, `none` or `cdrom`
  storage: string | undefined;
  volname: string | undefined;
  size: number | undefined;
  media: string | undefined;
  options: [string, string][];
}

export function parseDrive(value: string): Drive {
  const parts = splitPropertyString(value);
  const first = parts.find(([k]) => k === '' || k === 'file' || k === 'volume');
  const volume = first?.[1] ?? '';
  const colon = volume.indexOf(':');
  const sizeText = parts.find(([k]) => k === 'size')?.[1];
  return {
    volume,
    storage: colon > 0 ? volume.slice(0, colon) : undefined,
    volname: colon > 0 ? volume.slice(colon + 1) : undefined,
    size: sizeText === undefined ? undefined : parseSize(sizeText),
    media: parts.find(([k]) => k === 'media')?.[1],
    options: parts.filter(([k]) => k !== '' && k !== 'file' && k !== 'volume'),
  };
}

export function formatDrive(volume: string, options: [string, string][]): string {
  return [volume, ...options.map(([k, v]) => `${k}=${v}`)].join(',');
}

export function withDriveSize(value: string, bytes: number): string {
  const drive = parseDrive(value);
  const options = drive.options.filter(([k]) => k !== 'size');
  return formatDrive(drive.volume, [...options, ['size', formatSize(bytes)]]);
}

export const DISK_KEY_RE = /^(ide|sata|scsi|virtio)\d+$|^efidisk0$|^tpmstate0$/;

export function isCdrom(drive: Drive): boolean {
  return drive.media === 'cdrom' || drive.volume === 'cdrom' || drive.volume === 'none';
}

/** `memory` is `[current=]<MiB>`; unset means the schema default of 512. */
export function memoryMiB(value: string | number | undefined): number {
  if (value === undefined) return 512;
  const text = String(value);
  const m = /(?:^|,)(?:current=)?(\d+)(?:,|$)/.exec(text);
  return m ? Number(m[1]) : 512;
}

/** `agent` is `[enabled=]1|0[,...]`; unset means disabled. */
export function agentEnabled(value: string | number | undefined): boolean {
  if (value === undefined) return false;
  const first = splitPropertyString(String(value)).find(([k]) => k === '' || k === 'enabled');
  return first !== undefined && /^(1|on|yes|true)$/i.test(first[1]);
}

export interface IpConfig {
  ip?: string;
  gw?: string;
  ip6?: string;
  gw6?: string;
}

export function parseIpConfig(value: string | number | undefined): IpConfig {
  const result: IpConfig = {};
  if (value === undefined) return result;
  for (const [k, v] of splitPropertyString(String(value))) {
    if (k === 'ip' || k === 'gw' || k === 'ip6' || k === 'gw6') result[k] = v;
  }
  return result;
}

const SSH_KEY_TYPES = new Set([
  'ssh-rsa',
  'ssh-dss',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

/**
 * What `ssh-keygen -l` accepts for one authorized_keys line, minus option prefixes: a known type
 * whose base64 blob starts with the same type name as an SSH string.
 */
export function isValidSshPublicKey(line: string): boolean {
  const fields = line.trim().split(/\s+/);
  const typeIndex = fields.findIndex((f) => SSH_KEY_TYPES.has(f));
  if (typeIndex < 0) return false;
  const type = fields[typeIndex] ?? '';
  const blob = fields[typeIndex + 1];
  if (!blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return false;
  const bytes = Buffer.from(blob, 'base64');
  if (bytes.length < 4 + type.length + 4) return false;
  const nameLength = bytes.readUInt32BE(0);
  return nameLength === type.length && bytes.subarray(4, 4 + nameLength).toString('latin1') === type;
}

/** Validates the URL-decoded `sshkeys` value line by line; returns false on the first bad key. */
export function validateSshKeys(decoded: string): boolean {
  return decoded
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .every(isValidSshPublicKey);
}

/** perl's uri_unescape: %XX only, `+` stays a plus. */
export function uriUnescape(value: string): string {
  return value.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export function sha1Hex(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** The ordered config file text PVE hashes for `digest`. */
export function configDigest(
  config: Record<string, string | number>,
  pending: Record<string, string | number>,
  pendingDelete: string[],
): string {
  const lines = Object.keys(config)
    .sort()
    .map((k) => `${k}: ${config[k]}`);
  const pendingLines = Object.keys(pending)
    .sort()
    .map((k) => `${k}: ${pending[k]}`);
  if (pendingDelete.length > 0) pendingLines.push(`delete: ${pendingDelete.join(',')}`);
  const text =
    pendingLines.length > 0
      ? `${lines.join('\n')}\n\n[PENDING]\n${pendingLines.join('\n')}\n`
      : `${lines.join('\n')}\n`;
  return sha1Hex(text);
}

/** Formats bytes as PVE's task log does (`3.5 GiB`). */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * GuestHelpers.pm get_unique_tags with datacenter.cfg's default tag-style: split as split_list does,
 * sorted case-insensitively, lowercased, duplicates dropped, joined by `;`.
 */
export function uniqueTags(value: string): string {
  const tags = value.includes('\0') ? value.split('\0') : value.replace(/[,;]/g, ' ').trim().split(/\s+/);
  const sorted = tags
    .filter((t) => t !== '')
    .sort((a, b) => {
      const [x, y] = [a.toLowerCase(), b.toLowerCase()];
      return x < y ? -1 : x > y ? 1 : 0;
    });
  return [...new Set(sorted.map((t) => t.toLowerCase()))].join(';');
}
