// Request parameters as pveproxy decodes them (pve-http-server AnyEvent.pm extract_params,
// decode_urlencoded): form values are strings and a repeated key becomes an array; a JSON body keeps
// JSON's own kinds, so `true` reaches the schema check as a JSON::PP::Boolean, not as 1.
import type { RawParam } from './schema.ts';

export type RawParams = Record<string, RawParam>;

/** decode_urlencoded: `+` is a space, %XX is unescaped, and a repeated key collects an ARRAY. */
export function decodeUrlencoded(text: string): RawParams {
  const out: RawParams = {};
  if (!text) return out;
  for (const pair of text.split(/[&;]/)) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const decode = (s: string): string => {
      const bytes = s
        .replace(/\+/g, ' ')
        .replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8');
    };
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    if (eq < 0) continue; // `key` without `=` is undef: as if absent
    const value = decode(pair.slice(eq + 1));
    const old = out[key];
    if (old === undefined) out[key] = value;
    else if (typeof old === 'object' && old.ref === 'ARRAY') old.items.push(value);
    else out[key] = { ref: 'ARRAY', items: [typeof old === 'string' ? old : perlString(old), value] };
  }
  return out;
}

/** How Perl prints a decoded JSON value when a handler stringifies it. */
function perlString(value: RawParam): string {
  if (typeof value === 'string') return value;
  if (value.ref === 'JSON::PP::Boolean') return value.value ? '1' : '0';
  return `${value.ref}(0x55d5c0ffee00)`;
}

function fromJson(value: unknown): RawParam | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'boolean') return { ref: 'JSON::PP::Boolean', value };
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    return {
      ref: 'ARRAY',
      items: value.map((item) => {
        const v = fromJson(item);
        return v === undefined ? '' : perlString(v);
      }),
    };
  }
  return { ref: 'HASH' };
}

/** A JSON body that PVE cannot take: decode_json or the hash access after it dies, so pveproxy answers 500. */
export class MalformedBody extends Error {}

/** decode_json, then the handler's `delete $params->{_dc}`, which dies on anything but an object. */
export function decodeJsonBody(text: string): RawParams {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // JSON::XS names the offset where parsing stopped and what follows it.
    const offset = Number(/position (\d+)/.exec((err as Error).message)?.[1] ?? text.length);
    const rest = text.slice(offset);
    const before = rest === '' ? '(end of string)' : rest.slice(0, 20);
    throw new MalformedBody(
      `malformed JSON string, neither tag, array, object, number, string or atom, at character offset ${offset} (before "${before}") at /usr/share/perl5/PVE/APIServer/AnyEvent.pm line 918.`,
    );
  }
  if (Array.isArray(parsed))
    throw new MalformedBody('Not a HASH reference at /usr/share/perl5/PVE/APIServer/AnyEvent.pm line 953.');
  if (parsed === null || typeof parsed !== 'object') {
    throw new MalformedBody(
      `Can't use string ("${String(parsed)}") as a HASH ref while "strict refs" in use at /usr/share/perl5/PVE/APIServer/AnyEvent.pm line 953.`,
    );
  }
  const out: RawParams = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    const raw = fromJson(value);
    if (raw !== undefined) out[key] = raw;
  }
  return out;
}

/** parse_content_type: the media type before any `;` or `,` parameters. */
export function mediaType(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return header.split(/\s*[;,]\s*/)[0];
}
