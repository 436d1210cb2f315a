/** Pure value formatting shared by the SQL writer, the generator and the manifest. */

export type SqlValue = string | number | null;

// eslint-disable-next-line no-control-regex -- Ctrl-Z (\x1a) is one of the characters MariaDB escapes
const NEEDS_ESCAPE = /['\\\n\r\0\x1a]/;

/** Quotes a value as a MariaDB literal (default sql_mode, so backslash escapes apply). */
export function sqlLiteral(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`cannot store ${value} in SQL`);
    return String(value);
  }
  // Most values need no escaping; building them char by char made the 250k-client seed CPU-bound here.
  if (!NEEDS_ESCAPE.test(value)) return `'${value}'`;
  let out = "'";
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    switch (ch) {
      case "'":
        out += "\\'";
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\0':
        out += '\\0';
        break;
      case '\x1a':
        out += '\\Z';
        break;
      default:
        out += ch;
    }
  }
  return `${out}'`;
}

const TSV_SPECIAL = /[\\\t\n\r\0]/;
const TSV_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
};

/**
 * One field of a `LOAD DATA` file with the default FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES
 * TERMINATED BY '\n': NULL is `\N`; backslash, tab, newline, carriage return and NUL are escaped.
 */
export function tsvField(value: SqlValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`cannot store ${value} in SQL`);
    return String(value);
  }
  if (!TSV_SPECIAL.test(value)) return value;
  return value.replace(/[\\\t\n\r\0]/g, (ch) => TSV_ESCAPES[ch]!);
}

const SQL_UNESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '0': '\0', Z: '\x1a' };

/** The `LOAD DATA` field for a simple SQL literal (`NULL`, a number, a quoted string) such as a column default. */
export function tsvFromSqlLiteral(literal: string): string {
  if (/^NULL$/i.test(literal)) return tsvField(null);
  if (/^-?\d+(\.\d+)?$/.test(literal)) return literal;
  const quoted = /^'((?:[^'\\]|''|\\.)*)'$/s.exec(literal);
  if (!quoted) throw new Error(`cannot convert SQL literal ${literal} to a LOAD DATA field`);
  const text = quoted[1]!.replace(/''|\\(.)/gs, (_match, escaped: string | undefined) =>
    escaped === undefined ? "'" : (SQL_UNESCAPES[escaped] ?? escaped),
  );
  return tsvField(text);
}

/** What PHP's htmlspecialchars($s, ENT_QUOTES) does — how WHMCS stores user input. */
export function htmlEncode(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#039;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  quot: '"',
  apos: "'",
  lt: '<',
  gt: '>',
  nbsp: '\u00a0',
};

/** One pass of html_entity_decode(ENT_QUOTES): `&amp;amp;` becomes `&amp;`, never `&` (decode once). */
export function htmlDecodeOnce(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (whole, body: string) => {
    if (body.startsWith('#x') || body.startsWith('#X'))
      return String.fromCodePoint(parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(parseInt(body.slice(1), 10));
    return NAMED_ENTITIES[body] ?? whole;
  });
}

/**
 * WHMCS's `key|Label` rule (whmcs-model.md §5): split at the first `|` only when it is not the first character
 * (PHP `strpos(...)` is falsy at 0); both sides trimmed. Without a usable pipe the whole text is key and label.
 */
export function splitKeyLabel(name: string): { key: string; label: string } {
  const at = name.indexOf('|');
  if (at <= 0) return { key: name.trim(), label: name.trim() };
  return { key: name.slice(0, at).trim(), label: name.slice(at + 1).trim() };
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 → `YYYY-MM-DD` (UTC, so the output never depends on the machine's zone). */
export function dayToDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function dateToDay(date: string): number {
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new RangeError(`not a date: ${date}`);
  return Math.round(ms / DAY_MS);
}

/** Seconds since the epoch → `YYYY-MM-DD HH:MM:SS` (UTC). */
export function secondsToDateTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** Decimal(16,2) as WHMCS prints it: two decimals, no grouping. */
export function money(amount: number): string {
  return (Math.round(amount * 100) / 100).toFixed(2);
}

/** WHMCS writes zero dates for "unset"; the manifest states those as null. */
export function dateOrNull(value: string | null): string | null {
  if (value === null || value === '' || value.startsWith('0000-00-00')) return null;
  return value;
}
