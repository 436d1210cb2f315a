/**
 * Output schemas for procedures whose answer is built field by field from typed rows (services/servers/
 * read.ts toServer): the TypeScript types already say the answer has the schema's shape, so running the
 * schema over every row of every answer (50 servers, each a dozen fields, copied) buys nothing in
 * production. The schema still documents the route (REST, OpenAPI) and still types the procedure; under
 * the test runner it is checked on every answer, and more strictly than tRPC would: the answer must be
 * exactly what the schema lets through (nothing stripped, nothing transformed), so a field added to the
 * row but not to the schema, or a value the types cannot rule out, fails the tests instead of leaking.
 */
import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';

const originals = new WeakMap<object, z.ZodType>();

/** Whether answers are checked against their schema: under vitest, or when asked for (KEEL_CHECK_OUTPUT=1). */
const checkAnswers = Boolean(process.env.VITEST) || process.env.KEEL_CHECK_OUTPUT === '1';

async function checked(schema: z.ZodType, value: unknown): Promise<unknown> {
  const parsed = await schema.parseAsync(value);
  if (!isDeepStrictEqual(parsed, value))
    throw new Error('the answer is not exactly what its output schema lets through');
  return value;
}

/** The schema, for `.output()`, passing answers through as they are (checked under the test runner). */
export function trustedOutput<T extends z.ZodType>(schema: T): T {
  const passThrough = Object.create(schema, {
    parseAsync: {
      value: checkAnswers
        ? (value: unknown) => checked(schema, value)
        : (value: unknown) => Promise.resolve(value),
    },
  }) as T;
  originals.set(passThrough, schema);
  return passThrough;
}

/** The schema a trustedOutput stands for (its registered id, for the API document); any other as it is. */
export function documentedSchema(schema: z.ZodType): z.ZodType {
  return originals.get(schema) ?? schema;
}
