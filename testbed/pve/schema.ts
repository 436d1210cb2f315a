// Parameter verification as PVE's JSONSchema.pm does it (pve-common check_prop / check_type /
// check_format / parse_property_string), driven by the vendored official API subset.
import { lookupProperty, type EndpointSchema, type PropertySchema } from './api-subset.ts';

const NOT_IN_SCHEMA = 'property is not defined in schema and the schema does not allow additional properties';
const MISSING = 'property is missing and it is not optional';

const isInteger = (v: string): boolean => /^[+-]?\d+$/.test(v);
const isNumber = (v: string): boolean => /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/.test(v);

const IPV4 = String.raw`(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const IPV6 =
  String.raw`(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?:%\w+)?|(?:[0-9a-fA-F]{0,4}:){2,6}` + IPV4;
const ipv4Re = new RegExp(`^(?:${IPV4})$`);
const ipv6Re = new RegExp(`^(?:${IPV6})$`);
const dnsNameRe = /^(([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)\.)*([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)$/;

export const isIpv4 = (v: string): boolean => ipv4Re.test(v);
export const isIpv6 = (v: string): boolean => v.includes(':') && ipv6Re.test(v);

function cidrPrefixOk(value: string, ipTest: (s: string) => boolean, maxPrefix: number): boolean {
  const m = /^(.+)\/(\d+)$/.exec(value);
  if (!m) return false;
  const prefix = Number(m[2]);
  return ipTest(m[1] ?? '') && prefix > 7 && prefix <= maxPrefix;
}
export const isCidrV4 = (v: string): boolean => cidrPrefixOk(v, isIpv4, 32);
export const isCidrV6 = (v: string): boolean => cidrPrefixOk(v, isIpv6, 128);

/** PVE's split_list: separators are any run of `,`, `;`, spaces or NULs. */
export function splitList(value: string): string[] {
  return value.split(/[\s,;\0]+/).filter((s) => s !== '');
}

class FormatError extends Error {}
const fail = (msg: string): never => {
  throw new FormatError(msg);
};

// Named formats of the subset; an unlisted format is accepted as PVE would for a format it
// checks only deeper in the handler.
const NAMED_FORMATS: Record<string, (v: string) => void> = {
  'pve-vmid': (v) => {
    if (!/^[1-9][0-9]{2,8}$/.test(v)) fail('value does not look like a valid VM ID');
  },
  'pve-node': (v) => {
    if (!/^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)$/.test(v))
      fail('value does not look like a valid node name');
  },
  'dns-name': (v) => {
    if (!dnsNameRe.test(v)) fail('value does not look like a valid DNS name');
  },
  'pve-storage-id': (v) => {
    if (!/^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(v)) fail(`storage ID '${v}' contains illegal characters`);
  },
  urlencoded: (v) => {
    if (!/^[-%a-zA-Z0-9_.!~*'()]*$/.test(v)) fail(`invalid urlencoded string: ${v}`);
  },
  'pve-configid': (v) => {
    if (!/^[a-z][a-z0-9_-]+$/i.test(v)) fail(`invalid configuration ID '${v}'`);
  },
  'pve-poolid': (v) => {
    if (!/^[A-Za-z0-9_\-/]+$/.test(v)) fail(`invalid pool ID '${v}'`);
  },
  'pve-realm': (v) => {
    if (!/^[A-Za-z][A-Za-z0-9.\-_]+$/.test(v)) fail(`realm ID '${v}' contains illegal characters`);
  },
  'pve-tag': (v) => {
    if (!/^[a-z0-9_][a-z0-9_\-+.]*$/i.test(v)) fail(`invalid tag '${v}'`);
  },
  address: (v) => {
    if (!(isIpv4(v) || isIpv6(v) || dnsNameRe.test(v)))
      fail(`value does not look like a valid address: ${v}`);
  },
  CIDR: (v) => {
    if (!(isCidrV4(v) || isCidrV6(v))) fail('value does not look like a valid CIDR network');
  },
  'pve-storage-content': (v) => {
    if (!['images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'import', 'none'].includes(v)) {
      fail(`invalid content type '${v}'`);
    }
  },
  'pve-task-status-type': (v) => {
    if (!['ok', 'warning', 'error', 'unknown'].includes(v)) fail(`invalid task status type '${v}'`);
  },
  'pve-qm-ipconfig': (v) => {
    checkPropertyString(IPCONFIG_FORMAT, v, '');
  },
};

const IPCONFIG_FORMAT: Record<string, PropertySchema> = {
  ip: { type: 'string', optional: 1, format: 'pve-ipv4-config' },
  gw: { type: 'string', optional: 1, format: 'ipv4' },
  ip6: { type: 'string', optional: 1, format: 'pve-ipv6-config' },
  gw6: { type: 'string', optional: 1, format: 'ipv6' },
};
NAMED_FORMATS['pve-ipv4-config'] = (v) => {
  if (!(/^(?:dhcp|manual)$/.test(v) || isCidrV4(v)))
    fail('value does not look like a valid ipv4 network configuration');
};
NAMED_FORMATS['pve-ipv6-config'] = (v) => {
  if (!(/^(?:auto|dhcp|manual)$/.test(v) || isCidrV6(v)))
    fail('value does not look like a valid ipv6 network configuration');
};
NAMED_FORMATS.ipv4 = (v) => {
  if (!isIpv4(v)) fail('value does not look like a valid IPv4 address');
};
NAMED_FORMATS.ipv6 = (v) => {
  if (!isIpv6(v)) fail('value does not look like a valid IPv6 address');
};
NAMED_FORMATS['pve-priv'] = () => undefined;

function checkFormat(format: string | Record<string, PropertySchema>, value: string, path: string): void {
  if (typeof format !== 'string') {
    checkPropertyString(format, value, path);
    return;
  }
  const list = /^(.*)-a?list$/.exec(format);
  if (list) {
    const code = NAMED_FORMATS[list[1] ?? ''];
    if (code) for (const item of splitList(value)) code(item);
    return;
  }
  NAMED_FORMATS[format]?.(value);
}

/** Parses `k=v,k2=v2` with default-key and alias handling, as parse_property_string does. */
export function parsePropertyString(
  format: Record<string, PropertySchema>,
  data: string,
): Record<string, string> {
  const result: Record<string, string> = {};
  let defaultKey: string | undefined;
  for (const part of data.split(',')) {
    if (/^\s*$/.test(part)) continue;
    const kv = /^([^=]+)=(.+)$/.exec(part);
    if (kv) {
      let key = kv[1] ?? '';
      let value = kv[2] ?? '';
      if (result[key] !== undefined) fail(`duplicate key in comma-separated list property: ${key}`);
      let schema = format[key];
      if (schema?.alias) {
        if (schema.keyAlias) {
          if (result[schema.keyAlias] !== undefined)
            fail(`key alias '${schema.keyAlias}' is already defined`);
          result[schema.keyAlias] = key;
        }
        key = schema.alias;
        schema = format[key];
      }
      if (!schema) fail(`invalid key in comma-separated list property: ${key}`);
      if (schema?.type === 'boolean') {
        if (/^(1|on|yes|true)$/i.test(value)) value = '1';
        else if (/^(0|off|no|false)$/i.test(value)) value = '0';
      }
      result[key] = value;
    } else if (!part.includes('=')) {
      if (defaultKey) fail(`duplicate key in comma-separated list property: ${defaultKey}`);
      defaultKey = Object.keys(format).find((k) => format[k]?.default_key);
      if (!defaultKey) fail('value without key, but schema does not define a default key');
      if (defaultKey !== undefined) {
        if (result[defaultKey] !== undefined)
          fail(`duplicate key in comma-separated list property: ${defaultKey}`);
        result[defaultKey] = part;
      }
    } else {
      fail('missing key in comma-separated list property');
    }
  }
  return result;
}

function checkPropertyString(format: Record<string, PropertySchema>, data: string, path: string): void {
  const parsed = parsePropertyString(format, data);
  const errors: Record<string, string> = {};
  for (const [key, schema] of Object.entries(format)) {
    if (schema.alias) continue;
    checkProp(parsed[key], schema, path ? `${path}.${key}` : key, errors);
  }
  if (Object.keys(errors).length > 0) {
    // PVE::Exception stringifies as the message followed by one "path: msg" line per error.
    fail(
      `format error\n${Object.entries(errors)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n')}`,
    );
  }
}

function addError(errors: Record<string, string>, path: string, msg: string): void {
  const key = path || '_root';
  errors[key] = errors[key] ? `${errors[key]}\n${msg}` : msg;
}

function checkProp(
  value: string | undefined,
  schema: PropertySchema,
  path: string,
  errors: Record<string, string>,
): void {
  if (value === undefined) {
    if (!schema.optional && !schema.alias) addError(errors, path, MISSING);
    return;
  }
  const type = schema.type;
  if (type === 'boolean' && value !== '1' && value !== '0') {
    addError(errors, path, `type check ('boolean') failed - got '${value}'`);
    return;
  }
  if (type === 'integer' && !isInteger(value)) {
    addError(errors, path, `type check ('integer') failed - got '${value}'`);
    return;
  }
  if (type === 'number' && !isNumber(value)) {
    addError(errors, path, `type check ('number') failed - got '${value}'`);
    return;
  }
  if (schema.format) {
    try {
      checkFormat(schema.format, value, path);
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      addError(errors, path, `invalid format - ${err.message}\n`);
      return;
    }
  }
  if (schema.pattern) {
    const pattern = schema.pattern.replace(/\(\?\^:/g, '(?:');
    if (!new RegExp(`^(?:${pattern})$`).test(value)) {
      addError(errors, path, 'value does not match the regex pattern');
      return;
    }
  }
  if (schema.maxLength !== undefined && value.length > schema.maxLength) {
    addError(errors, path, `value may only be ${schema.maxLength} characters long`);
    return;
  }
  if (schema.minLength !== undefined && value.length < schema.minLength) {
    addError(errors, path, `value must be at least ${schema.minLength} characters long`);
    return;
  }
  if (isNumber(value)) {
    const numeric = Number(value);
    if (schema.maximum !== undefined && numeric > Number(schema.maximum)) {
      addError(errors, path, `value must have a maximum value of ${schema.maximum}`);
      return;
    }
    if (schema.minimum !== undefined && numeric < Number(schema.minimum)) {
      addError(errors, path, `value must have a minimum value of ${schema.minimum}`);
      return;
    }
  }
  if (schema.enum && !schema.enum.includes(value)) {
    addError(
      errors,
      path,
      `value '${value}' does not have a value in the enumeration '${schema.enum.join(', ')}'`,
    );
  }
}

export type ParamValue = string | number;

/**
 * A request value as Perl holds it after decoding: a plain scalar, or a reference: a JSON boolean,
 * an array (a JSON array, or a form key given twice) or an object.
 */
export type RawParam =
  string | { ref: 'JSON::PP::Boolean'; value: boolean } | { ref: 'ARRAY'; items: string[] } | { ref: 'HASH' };

export type ValidationResult =
  { ok: true; params: Record<string, ParamValue> } | { ok: false; errors: Record<string, string> };

/** RESTHandler normalize_legacy_param_formats: an array for a `-list` string format becomes `a,b`. */
function normaliseLegacyFormats(
  properties: Record<string, PropertySchema>,
  raw: Record<string, RawParam>,
): Record<string, RawParam> {
  const out = { ...raw };
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === 'string' || value.ref !== 'ARRAY') continue;
    const schema = lookupProperty(properties, name);
    if (schema?.type === 'string' && typeof schema.format === 'string' && /-list$/.test(schema.format))
      out[name] = value.items.join(',');
  }
  return out;
}

/** check_type on a reference: only a JSON boolean for a boolean (or an untyped) property passes. */
function checkRawProp(
  value: RawParam | undefined,
  schema: PropertySchema,
  path: string,
  errors: Record<string, string>,
): void {
  if (value === undefined || typeof value === 'string') {
    checkProp(value, schema, path, errors);
    return;
  }
  if (value.ref === 'JSON::PP::Boolean' && schema.type === 'boolean') {
    checkProp(value.value ? '1' : '0', schema, path, errors);
    return;
  }
  if (!schema.type) return;
  if (
    (schema.type === 'array' && value.ref === 'ARRAY') ||
    (schema.type === 'object' && value.ref === 'HASH')
  )
    return;
  addError(errors, path, `type check ('${schema.type}') failed - got ${value.ref}`);
}

function scalar(value: RawParam): string {
  if (typeof value === 'string') return value;
  if (value.ref === 'JSON::PP::Boolean') return value.value ? '1' : '0';
  return value.ref === 'ARRAY' ? value.items.join(',') : '';
}

/**
 * Validates decoded parameters against an endpoint schema (JSONSchema.pm validate) and converts
 * integers, numbers and booleans to numbers, as the Perl handlers see them.
 */
export function validateParams(
  endpoint: EndpointSchema,
  decoded: Record<string, RawParam>,
): ValidationResult {
  const properties = endpoint.parameters?.properties ?? {};
  const raw = normaliseLegacyFormats(properties, decoded);
  const errors: Record<string, string> = {};
  for (const [name, schema] of Object.entries(properties)) {
    if (name.endsWith('[n]')) continue;
    checkRawProp(raw[name], schema, name, errors);
  }
  for (const [name, value] of Object.entries(raw)) {
    if (properties[name]) {
      const requires = properties[name]?.requires;
      if (requires && raw[requires] === undefined) {
        addError(errors, requires, `missing property - '${name}' requires this property`);
      }
      continue;
    }
    const indexed = lookupProperty(properties, name);
    if (!indexed) {
      addError(errors, name, NOT_IN_SCHEMA);
      continue;
    }
    checkRawProp(value, indexed, name, errors);
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const params: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(raw)) {
    const type = lookupProperty(properties, name)?.type;
    const text = scalar(value);
    params[name] = type === 'integer' || type === 'number' || type === 'boolean' ? Number(text) : text;
  }
  return { ok: true, params };
}

/** The declared type of a parameter, or undefined if the endpoint does not know it. */
export function parameterType(endpoint: EndpointSchema, name: string): string | undefined {
  return lookupProperty(endpoint.parameters?.properties ?? {}, name)?.type;
}
