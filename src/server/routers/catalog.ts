import { catalogSchema } from '../../shared/api.ts';
import { getCatalog } from '../services/catalog.ts';
import { createTRPCRouter, protectedProcedure } from '../trpc.ts';

export const catalogRouter = createTRPCRouter({
  get: protectedProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/catalog',
        operationId: 'getCatalog',
        summary: 'Plans, images and locations open to new orders',
        errors: [],
      },
    })
    .output(catalogSchema)
    .query(({ ctx }) => getCatalog(ctx.db)),
});
