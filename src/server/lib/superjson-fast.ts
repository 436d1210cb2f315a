/**
 * superjson.serialize for the answers Keel's procedures give, without superjson's cost. Those answers are
 * plain objects, arrays, strings, finite numbers, booleans, nulls and valid Dates; superjson walks every
 * value of them, copies the tree and asks each value which of its dozen types it is. Here one walk checks
 * that the value holds nothing else and notes where the Dates are, and the value itself is the `json`:
 * JSON.stringify writes a Date as its toISOString(), which is what superjson would have put there. The
 * written bytes are superjson's own (the tests compare them); anything outside that subset (undefined,
 * NaN, -0, a Map, a class instance, a key superjson escapes or refuses, an object met twice, which
 * superjson records as a referential equality) returns null, and the caller uses superjson.
 */

type Annotations = Record<string, ['Date']>;

/** Keys superjson escapes in its paths (`.`, `\`) or refuses to write (prototype pollution guard). */
const unusualKey = /[.\\]|^(?:__proto__|prototype|constructor)$/;

/** `{ json, meta? }` as superjson.serialize would write it, or null when superjson must do it. */
export function serializeCommon(
  value: unknown,
): { json: unknown; meta?: { values: Annotations; v: 1 } } | null {
  // superjson annotates a top-level Date differently (`values: ['Date']`); only trees are handled here.
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'string' || typeof value === 'boolean') return { json: value };
    if (typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0)) return { json: value };
    return null;
  }
  const state: Walk = { values: undefined, seen: new Set(), path: [] };
  if (!walkTree(value, state)) return null;
  return state.values ? { json: value, meta: { values: state.values, v: 1 } } : { json: value };
}

interface Walk {
  values: Annotations | undefined;
  seen: Set<object>;
  path: string[];
}

/** Whether `value` (an object) and all it holds are in the subset; notes the Dates' paths. */
function walkTree(value: object, state: Walk): boolean {
  if (state.seen.has(value)) return false;
  state.seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return false;
      if (!walkValue(value[i] as unknown, String(i), state)) return false;
    }
    return true;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  // Symbol keys and non-enumerable properties superjson would skip too, but they are not worth a path.
  if (Object.getOwnPropertySymbols(value).length) return false;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) return false;
    if (unusualKey.test(key)) return false;
    if (!walkValue((value as Record<string, unknown>)[key], key, state)) return false;
  }
  return true;
}

function walkValue(value: unknown, key: string, state: Walk): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (value instanceof Date) {
        if (Object.getPrototypeOf(value) !== Date.prototype || Number.isNaN(value.getTime())) return false;
        if (Object.keys(value).length || state.seen.has(value)) return false;
        state.seen.add(value);
        (state.values ??= {})[[...state.path, key].join('.')] = ['Date'];
        return true;
      }
      state.path.push(key);
      const ok = walkTree(value, state);
      state.path.pop();
      return ok;
    }
    default:
      return false;
  }
}
