/** The administrators' side of the API contract: views across customers. */
import { z } from 'zod';
import { serverSchema } from './api.ts';

export const adminServerSchema = serverSchema
  .extend({ owner: z.object({ id: z.string(), email: z.string() }) })
  .meta({ id: 'AdminServer' });
export type AdminServer = z.infer<typeof adminServerSchema>;

export const adminServerListSchema = z
  .object({
    servers: z.array(adminServerSchema),
    nextCursor: z
      .string()
      .nullable()
      .describe('Pass as `cursor` to get the next page; null on the last page'),
  })
  .meta({ id: 'AdminServerList' });
