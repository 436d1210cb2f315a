// The vendored official PVE API schema subset (pve-api-subset.json) and lookups into it.
import { readFileSync } from 'node:fs';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface PropertySchema {
  type?: 'string' | 'integer' | 'boolean' | 'number' | 'object' | 'array' | 'null';
  optional?: number;
  format?: string | Record<string, PropertySchema>;
  pattern?: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minLength?: number;
  requires?: string;
  default_key?: number;
  alias?: string;
  keyAlias?: string;
  description?: string;
}

export interface EndpointSchema {
  path: string;
  method: HttpMethod;
  allowtoken?: number;
  name: string;
  parameters?: { additionalProperties?: number; properties?: Record<string, PropertySchema> };
  returns?: {
    type?: string;
    properties?: Record<string, unknown>;
    items?: { properties?: Record<string, unknown> };
  };
}

interface SubsetFile {
  endpoints: EndpointSchema[];
  extras: EndpointSchema[];
}

let cachedSubset: SubsetFile | undefined;

/** The vendored copy of /work/shared/reference/pve-api-subset.json (official PVE 9 schema extract). */
export function loadApiSubset(): SubsetFile {
  cachedSubset ??= JSON.parse(
    readFileSync(new URL('./pve-api-subset.json', import.meta.url), 'utf8'),
  ) as SubsetFile;
  return cachedSubset;
}

export function allEndpointSchemas(): EndpointSchema[] {
  const subset = loadApiSubset();
  return [...subset.endpoints, ...subset.extras];
}

export function findEndpointSchema(method: string, path: string): EndpointSchema | undefined {
  return allEndpointSchemas().find((e) => e.method === method && e.path === path);
}

// Upper bounds of the `name[n]` keys (qemu-server: MAX_NETS, MAX_SCSI_DISKS, ...).
const INDEXED_KEY_LIMITS: Record<string, number> = {
  ide: 3,
  sata: 5,
  scsi: 30,
  virtio: 15,
  net: 31,
  ipconfig: 31,
  hostpci: 15,
  usb: 13,
  serial: 3,
  parallel: 2,
  numa: 7,
  unused: 255,
  virtiofs: 9,
};

/** Resolves a concrete parameter name (`scsi0`, `ipconfig3`) to its schema entry (`scsi[n]`). */
export function lookupProperty(
  properties: Record<string, PropertySchema>,
  name: string,
): PropertySchema | undefined {
  const direct = properties[name];
  if (direct) return direct;
  const indexed = /^([a-z]+)(\d+)$/.exec(name);
  if (!indexed) return undefined;
  const [, base = '', digits = ''] = indexed;
  const schema = properties[`${base}[n]`];
  const limit = INDEXED_KEY_LIMITS[base];
  if (!schema || limit === undefined) return undefined;
  if (digits.length > 1 && digits.startsWith('0')) return undefined;
  return Number(digits) <= limit ? schema : undefined;
}
