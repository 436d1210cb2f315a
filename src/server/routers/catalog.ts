import { catalogSchema } from '../../shared/api.ts';
import { getCatalog } from '../services/catalog.ts';
import { createTRPCRouter, protectedProcedure } from '../trpc.ts';

export const catalogRouter = createTRPCRouter({
  get: protectedProcedure.output(catalogSchema).query(({ ctx }) => getCatalog(ctx.db)),
});
