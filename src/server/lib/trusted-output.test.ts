import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { serverListSchema } from '../../shared/api.ts';
import { documentedSchema, trustedOutput } from './trusted-output.ts';

const schema = z.object({ id: z.string(), at: z.date(), n: z.number().int() });

describe('trustedOutput', () => {
  it('is still the schema for tRPC, REST and the API document', () => {
    const trusted = trustedOutput(serverListSchema);
    expect(trusted).toBeInstanceOf(z.ZodType);
    expect(documentedSchema(trusted)).toBe(serverListSchema);
    expect(documentedSchema(serverListSchema)).toBe(serverListSchema);
    expect(z.globalRegistry.get(documentedSchema(trusted))?.id).toBe('ServerList');
  });

  it('under the test runner, passes an exact answer through as the same object', async () => {
    const answer = { id: 'a', at: new Date(0), n: 1 };
    await expect(trustedOutput(schema).parseAsync(answer)).resolves.toBe(answer);
  });

  it.each([
    ['a field the schema does not have (it would leak)', { id: 'a', at: new Date(0), n: 1, pveVmid: 100 }],
    ['a wrong type', { id: 'a', at: '1970-01-01T00:00:00.000Z', n: 1 }],
    ['a refinement the type cannot express', { id: 'a', at: new Date(0), n: 1.5 }],
  ])('under the test runner, refuses %s', async (_label, answer) => {
    await expect(trustedOutput(schema).parseAsync(answer)).rejects.toThrow();
  });
});
