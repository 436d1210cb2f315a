/** The operator's customer accounts: search, create, look at, change, reset, delete. */
import { okSchema } from '../../shared/api.ts';
import {
  adminCreateUserInputSchema,
  adminCreatedUserSchema,
  adminListUsersInputSchema,
  adminUpdateUserInputSchema,
  adminUserDetailSchema,
  adminUserIdInputSchema,
  adminUpdatedUserSchema,
  adminUserListSchema,
  passwordLinkResultSchema,
} from '../../shared/users.ts';
import {
  createUserAsAdmin,
  deleteUserAsAdmin,
  getUser,
  listUsers,
  passwordResetLink,
  updateUserAsAdmin,
} from '../services/admin/users.ts';
import { adminProcedure, createTRPCRouter } from '../trpc.ts';

const actorOf = (ctx: { user: { id: string }; requestId: string }) => ({
  userId: ctx.user.id,
  requestId: ctx.requestId,
});

export const adminUsersRouter = createTRPCRouter({
  list: adminProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/admin/users',
        operationId: 'adminListUsers',
        summary: 'Accounts, newest first; `query` searches email and name',
        errors: [],
      },
    })
    .input(adminListUsersInputSchema.optional())
    .output(adminUserListSchema)
    .query(({ ctx, input }) => listUsers(ctx.db, ctx.config.quota, input ?? { limit: 100 })),
  create: adminProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/admin/users',
        operationId: 'adminCreateUser',
        summary: 'Create an account; without a password the answer carries a one-time set-password link',
        status: 201,
        location: '/admin/users/{user.id}',
        errors: ['CONFLICT'],
      },
    })
    .input(adminCreateUserInputSchema)
    .output(adminCreatedUserSchema)
    .mutation(({ ctx, input }) =>
      createUserAsAdmin(
        ctx.db,
        actorOf(ctx),
        { quota: ctx.config.quota, publicUrl: ctx.config.PUBLIC_URL },
        input,
      ),
    ),
  byId: adminProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/admin/users/{id}',
        operationId: 'adminGetUser',
        summary: 'One account with its quota and servers',
        errors: ['NOT_FOUND'],
      },
    })
    .input(adminUserIdInputSchema)
    .output(adminUserDetailSchema)
    .query(({ ctx, input }) => getUser(ctx.db, ctx.config.quota, input.id)),
  update: adminProcedure
    .meta({
      rest: {
        method: 'PATCH',
        path: '/admin/users/{id}',
        operationId: 'adminUpdateUser',
        summary:
          'Change name, email, role, quota; `disabled: true` ends every session and token of the account at once; `suspendServers: true` suspends its live servers and answers which were and which were skipped',
        // Email in use; the last enabled administrator demoted or disabled.
        errors: ['NOT_FOUND', 'CONFLICT'],
      },
    })
    .input(adminUpdateUserInputSchema)
    .output(adminUpdatedUserSchema)
    .mutation(({ ctx, input }) => updateUserAsAdmin(ctx.db, actorOf(ctx), ctx.config.quota, input)),
  passwordReset: adminProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/admin/users/{id}/password-reset',
        operationId: 'adminPasswordReset',
        summary: 'A one-time link, valid for an hour, to set a new password',
        errors: ['NOT_FOUND'],
      },
    })
    .input(adminUserIdInputSchema)
    .output(passwordLinkResultSchema)
    .mutation(async ({ ctx, input }) => ({
      link: await passwordResetLink(ctx.db, actorOf(ctx), ctx.config.PUBLIC_URL, input.id),
    })),
  delete: adminProcedure
    .meta({
      rest: {
        method: 'DELETE',
        path: '/admin/users/{id}',
        operationId: 'adminDeleteUser',
        summary: 'Delete an account without live servers (409 naming them otherwise)',
        errors: ['NOT_FOUND', 'CONFLICT'],
      },
    })
    .input(adminUserIdInputSchema)
    .output(okSchema)
    .mutation(async ({ ctx, input }) => {
      await deleteUserAsAdmin(ctx.db, actorOf(ctx), input.id);
      return { ok: true as const };
    }),
});
