/** Accounts: what a disabled account hears, the operator's customer routes, one-time password links. */
import { z } from 'zod';
import {
  emailSchema,
  idSchema,
  newPasswordSchema,
  pageCursorSchema,
  pageLimitSchema,
  serverSchema,
  userRoles,
  withoutNul,
} from './api.ts';

export const accountDisabledMessage = 'This account is disabled. Contact your provider to have it enabled.';

const nameSchema = withoutNul(z.string().trim().max(200, { error: 'must be at most 200 characters' }));

/** A per-user limit: a whole number above 0, or null for the configured default. */
const limitSchema = (max: number) =>
  z
    .number()
    .int({ error: 'must be a whole number' })
    .min(1, { error: `must be between 1 and ${max}` })
    .max(max, { error: `must be between 1 and ${max}` })
    .nullable();

export const quotaOverridesSchema = z
  .strictObject({
    maxServers: limitSchema(100_000).optional(),
    maxCores: limitSchema(1_000_000).optional(),
    maxMemoryMb: limitSchema(1_000_000_000).optional(),
  })
  .meta({ id: 'QuotaOverrides' });

const quotaSchema = z.object({
  maxServers: z.number().int(),
  maxCores: z.number().int(),
  maxMemoryMb: z.number().int(),
});

export const adminUserSchema = z
  .object({
    id: idSchema,
    email: z.string(),
    name: z.string(),
    role: z.enum(userRoles),
    disabled: z.boolean(),
    disabledAt: z.date().nullable(),
    quota: z
      .object({
        maxServers: z.number().int().nullable(),
        maxCores: z.number().int().nullable(),
        maxMemoryMb: z.number().int().nullable(),
      })
      .describe("The user's own limits; null where the configured default applies"),
    effectiveQuota: quotaSchema.describe('What applies: own limits, else the defaults'),
    createdAt: z.date(),
  })
  .meta({ id: 'AdminUser' });
export type AdminUser = z.infer<typeof adminUserSchema>;

export const oneTimeLinkSchema = z
  .object({
    url: z.string().describe('Open it to set a password; works once'),
    expiresAt: z.date(),
  })
  .meta({ id: 'OneTimeLink' });
export type OneTimeLink = z.infer<typeof oneTimeLinkSchema>;

export const adminListUsersInputSchema = z
  .strictObject({
    query: withoutNul(z.string().trim().max(200, { error: 'must be at most 200 characters' })).optional(),
    role: z.enum(userRoles, { error: `must be one of ${userRoles.join(', ')}` }).optional(),
    cursor: pageCursorSchema,
    limit: pageLimitSchema,
  })
  .meta({ id: 'AdminListUsersQuery' });

export const adminUserListSchema = z
  .object({
    users: z.array(adminUserSchema),
    nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last'),
  })
  .meta({ id: 'AdminUserList' });

export const adminCreateUserInputSchema = z
  .strictObject({
    email: emailSchema,
    name: nameSchema.default(''),
    password: newPasswordSchema.optional(),
    role: z.enum(userRoles, { error: `must be one of ${userRoles.join(', ')}` }).default('customer'),
  })
  .meta({ id: 'AdminCreateUserRequest' });

export const adminCreatedUserSchema = z
  .object({
    user: adminUserSchema,
    setPasswordLink: oneTimeLinkSchema
      .optional()
      .describe('Without a password: the link for the new user to set one (shown once)'),
  })
  .meta({ id: 'AdminCreatedUser' });

export const adminUserIdInputSchema = z.strictObject({ id: z.string().max(200) });

export const adminUpdateUserInputSchema = z
  .strictObject({
    id: z.string().max(200),
    name: nameSchema.optional(),
    email: emailSchema.optional(),
    role: z.enum(userRoles, { error: `must be one of ${userRoles.join(', ')}` }).optional(),
    disabled: z.boolean({ error: 'must be true or false' }).optional(),
    quota: quotaOverridesSchema.optional(),
    suspendServers: z
      .boolean({ error: 'must be true or false' })
      .optional()
      .describe('Suspend every live server of the account in the same request (a customer who has not paid)'),
    suspensionReason: z.string().trim().max(500, 'must be at most 500 characters').optional(),
  })
  .meta({ id: 'AdminUpdateUserRequest' });
export type AdminUpdateUserInput = z.infer<typeof adminUpdateUserInputSchema>;

export const adminUserResultSchema = z.object({ user: adminUserSchema }).meta({ id: 'AdminUserResponse' });

/** What `suspendServers` did: the servers suspended now, and those left as they were, each with why. */
export const userSuspensionSchema = z
  .object({
    suspended: z.array(idSchema).describe('The servers suspended by this request'),
    skipped: z
      .array(z.object({ serverId: idSchema, reason: z.string() }))
      .describe('Live servers that could not be suspended now (already suspended, still provisioning, …)'),
  })
  .meta({ id: 'UserSuspension' });
export type UserSuspensionResult = z.infer<typeof userSuspensionSchema>;

export const adminUpdatedUserSchema = z
  .object({
    user: adminUserSchema,
    suspension: userSuspensionSchema
      .optional()
      .describe('With `suspendServers: true`: which servers were suspended and which were skipped'),
  })
  .meta({ id: 'AdminUpdatedUser' });

export const adminUserDetailSchema = z
  .object({ user: adminUserSchema, servers: z.array(serverSchema) })
  .meta({ id: 'AdminUserDetail' });

export const passwordLinkResultSchema = z
  .object({ link: oneTimeLinkSchema })
  .meta({ id: 'PasswordLinkResponse' });

export const setPasswordInputSchema = z
  .strictObject({
    token: z.string().min(1, { error: 'is required' }).max(200, { error: 'is not a link Keel made' }),
    password: newPasswordSchema,
  })
  .meta({ id: 'SetPasswordRequest' });
