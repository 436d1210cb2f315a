/**
 * The operators' catalogue: plans, images, locations and IP pools, each with list, get, create (201),
 * update and delete. Administrators only; every change is in the audit log with the operator.
 */
import {
  catalogueIdInputSchema,
  catalogueListInputSchema,
  deletedSchema,
  imageInputSchema,
  imageListSchema,
  imageResultSchema,
  locationInputSchema,
  locationListSchema,
  locationResultSchema,
  planInputSchema,
  planListSchema,
  planResultSchema,
  poolInputSchema,
  poolListSchema,
  poolResultSchema,
  updateImageInputSchema,
  updateLocationInputSchema,
  updatePlanInputSchema,
  updatePoolInputSchema,
} from '../../shared/catalogue.ts';
import {
  createImage,
  createPlan,
  deleteImage,
  deletePlan,
  getImageById,
  getPlanById,
  listImages,
  listPlans,
  updateImage,
  updatePlan,
  type Actor,
} from '../services/admin/catalogue.ts';
import {
  createIpPool,
  createLocation,
  deleteIpPool,
  deleteLocation,
  getLocationById,
  getPoolById,
  listLocations,
  listPools,
  updateIpPool,
  updateLocation,
} from '../services/admin/catalogue-locations.ts';
import { adminProcedure, createTRPCRouter } from '../trpc.ts';

const actorOf = (ctx: { user: { id: string }; requestId: string }): Actor => ({
  userId: ctx.user.id,
  requestId: ctx.requestId,
});

export const adminCatalogueRouter = createTRPCRouter({
  plans: createTRPCRouter({
    list: adminProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/admin/plans',
          operationId: 'adminListPlans',
          summary: 'Every plan, oldest first, `limit` at a time',
          errors: [],
        },
      })
      .input(catalogueListInputSchema.optional())
      .output(planListSchema)
      .query(({ ctx, input }) => listPlans(ctx.db, input ?? { limit: 100 })),
    byId: adminProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/admin/plans/{id}',
          operationId: 'adminGetPlan',
          summary: 'One plan',
          errors: ['NOT_FOUND'],
        },
      })
      .input(catalogueIdInputSchema)
      .output(planResultSchema)
      .query(async ({ ctx, input }) => ({ plan: await getPlanById(ctx.db, input.id) })),
    create: adminProcedure
      .meta({
        rest: {
          method: 'POST',
          path: '/admin/plans',
          operationId: 'adminCreatePlan',
          summary: 'Create a plan',
          status: 201,
          location: '/admin/plans/{plan.id}',
          errors: ['CONFLICT'],
        },
      })
      .input(planInputSchema)
      .output(planResultSchema)
      .mutation(({ ctx, input }) => createPlan(ctx, actorOf(ctx), input)),
    update: adminProcedure
      .meta({
        rest: {
          method: 'PATCH',
          path: '/admin/plans/{id}',
          operationId: 'adminUpdatePlan',
          summary: 'Change a plan; only the fields sent change',
          errors: ['NOT_FOUND', 'CONFLICT'],
        },
      })
      .input(updatePlanInputSchema)
      .output(planResultSchema)
      .mutation(({ ctx, input: { id, ...patch } }) => updatePlan(ctx, actorOf(ctx), id, patch)),
    delete: adminProcedure
      .meta({
        rest: {
          method: 'DELETE',
          path: '/admin/plans/{id}',
          operationId: 'adminDeletePlan',
          summary: 'Delete a plan nothing uses (retire one in use with active: false)',
          errors: ['NOT_FOUND', 'CONFLICT'],
        },
      })
      .input(catalogueIdInputSchema)
      .output(deletedSchema)
      .mutation(({ ctx, input }) => deletePlan(ctx, actorOf(ctx), input.id)),
  }),
  images: createTRPCRouter({
    list: adminProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/admin/images',
          operationId: 'adminListImages',
          summary: 'Every image, oldest first, `limit` at a time',
          errors: [],
        },
      })
      .input(catalogueListInputSchema.optional())
      .output(imageListSchema)
      .query(({ ctx, input }) => listImages(ctx.db, input ?? { limit: 100 })),
    byId: adminProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/admin/images/{id}',
          operationId: 'adminGetImage',
          summary: 'One image',
          errors: ['NOT_FOUND'],
        },
      })
      .input(catalogueIdInputSchema)
      .output(imageResultSchema)
      .query(async ({ ctx, input }) => ({ image: await getImageById(ctx.db, input.id) })),
    create: adminProcedure
      .meta({
        rest: {
          method: 'POST',
          path: '/admin/images',
          operationId: 'adminCreateImage',
          summary: 'Create a image',
          status: 201,
          location: '/admin/images/{image.id}',
          errors: ['CONFLICT'],
        },
      })
      .input(imageInputSchema)
      .output(imageResultSchema)
      .mutation(({ ctx, input }) => createImage(ctx, actorOf(ctx), input)),
    update: adminProcedure
      .meta({
        rest: {
          method: 'PATCH',
          path: '/admin/images/{id}',
          operationId: 'adminUpdateImage',
          summary: 'Change a image; only the fields sent change',
          errors: ['NOT_FOUND', 'CONFLICT'],
        },
      })
      .input(updateImageInputSchema)
      .output(imageResultSchema)
      .mutation(({ ctx, input: { id, ...patch } }) => updateImage(ctx, actorOf(ctx), id, patch)),
    delete: adminProcedure
      .meta({
        rest: {
          method: 'DELETE',
          path: '/admin/images/{id}',
          operationId: 'adminDeleteImage',
          summary: 'Delete a image nothing uses (retire one in use with active: false)',
          errors: ['NOT_FOUND', 'CONFLICT'],
        },
      })
      .input(catalogueIdInputSchema)
      .output(deletedSchema)
      .mutation(({ ctx, input }) => deleteImage(ctx, actorOf(ctx), input.id)),
  }),
  locations: createTRPCRouter({
    list: adminProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/admin/locations',
          operationId: 'adminListLocations',
          summary: 'Every location, oldest first, `limit` at a time',
          errors: [],
        },
      })
      .input(catalogueListInputSchema.optional())
      .output(locationListSchema)
      .query(({ ctx, input }) => listLocations(ctx.db, input ?? { limit: 100 })),
    byId: adminProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/admin/locations/{id}',
          operationId: 'adminGetLocation',
          summary: 'One location',
          errors: ['NOT_FOUND'],
        },
      })
      .input(catalogueIdInputSchema)
      .output(locationResultSchema)
      .query(async ({ ctx, input }) => ({ location: await getLocationById(ctx.db, input.id) })),
    create: adminProcedure
      .meta({
        rest: {
          method: 'POST',
          path: '/admin/locations',
          operationId: 'adminCreateLocation',
          summary: 'Create a location',
          status: 201,
          location: '/admin/locations/{location.id}',
          errors: ['CONFLICT'],
        },
      })
      .input(locationInputSchema)
      .output(locationResultSchema)
      .mutation(({ ctx, input }) => createLocation(ctx, actorOf(ctx), input)),
    update: adminProcedure
      .meta({
        rest: {
          method: 'PATCH',
          path: '/admin/locations/{id}',
          operationId: 'adminUpdateLocation',
          summary: 'Change a location; only the fields sent change',
          errors: ['NOT_FOUND', 'CONFLICT'],
        },
      })
      .input(updateLocationInputSchema)
      .output(locationResultSchema)
      .mutation(({ ctx, input: { id, ...patch } }) => updateLocation(ctx, actorOf(ctx), id, patch)),
    delete: adminProcedure
      .meta({
        rest: {
          method: 'DELETE',
          path: '/admin/locations/{id}',
          operationId: 'adminDeleteLocation',
          summary: 'Delete a location nothing uses (retire one in use with active: false)',
          errors: ['NOT_FOUND', 'CONFLICT'],
        },
      })
      .input(catalogueIdInputSchema)
      .output(deletedSchema)
      .mutation(({ ctx, input }) => deleteLocation(ctx, actorOf(ctx), input.id)),
  }),
  ipPools: createTRPCRouter({
    list: adminProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/admin/ip-pools',
          operationId: 'adminListIpPools',
          summary: 'Every IP pool, oldest first, `limit` at a time',
          errors: [],
        },
      })
      .input(catalogueListInputSchema.optional())
      .output(poolListSchema)
      .query(({ ctx, input }) => listPools(ctx.db, input ?? { limit: 100 })),
    byId: adminProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/admin/ip-pools/{id}',
          operationId: 'adminGetIpPool',
          summary: 'One IP pool',
          errors: ['NOT_FOUND'],
        },
      })
      .input(catalogueIdInputSchema)
      .output(poolResultSchema)
      .query(async ({ ctx, input }) => ({ pool: await getPoolById(ctx.db, input.id) })),
    create: adminProcedure
      .meta({
        rest: {
          method: 'POST',
          path: '/admin/ip-pools',
          operationId: 'adminCreateIpPool',
          summary: 'Create a IP pool',
          status: 201,
          location: '/admin/ip-pools/{pool.id}',
          errors: ['CONFLICT'],
        },
      })
      .input(poolInputSchema)
      .output(poolResultSchema)
      .mutation(({ ctx, input }) => createIpPool(ctx, actorOf(ctx), input)),
    update: adminProcedure
      .meta({
        rest: {
          method: 'PATCH',
          path: '/admin/ip-pools/{id}',
          operationId: 'adminUpdateIpPool',
          summary: 'Change a IP pool; only the fields sent change',
          errors: ['NOT_FOUND', 'CONFLICT'],
        },
      })
      .input(updatePoolInputSchema)
      .output(poolResultSchema)
      .mutation(({ ctx, input: { id, ...patch } }) => updateIpPool(ctx, actorOf(ctx), id, patch)),
    delete: adminProcedure
      .meta({
        rest: {
          method: 'DELETE',
          path: '/admin/ip-pools/{id}',
          operationId: 'adminDeleteIpPool',
          summary: 'Delete a IP pool nothing uses (retire one in use with active: false)',
          errors: ['NOT_FOUND', 'CONFLICT'],
        },
      })
      .input(catalogueIdInputSchema)
      .output(deletedSchema)
      .mutation(({ ctx, input }) => deleteIpPool(ctx, actorOf(ctx), input.id)),
  }),
});
