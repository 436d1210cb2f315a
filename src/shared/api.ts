/**
 * The API's contract, written once: tRPC inputs and outputs, the REST adapter, the OpenAPI document and
 * the dashboard's forms all use these schemas.
 */
import { z } from 'zod';
import { provisioningSteps, serverActions, serverStatuses } from './server-status.ts';
import { parseSshPublicKey, sshKeyTypes } from './ssh-key.ts';

// Messages a person can act on, for every schema in Keel: "is required" rather than "expected string,
// received undefined". Field names come from the path, so messages never repeat them.
z.config({
  customError: (issue) => {
    if (issue.code === 'invalid_type') {
      if (issue.input === undefined) return 'is required';
      return `must be ${issue.expected === 'array' || issue.expected === 'object' ? 'an' : 'a'} ${issue.expected}`;
    }
    if (issue.code === 'unrecognized_keys') return 'is not a known field';
    return undefined;
  },
});

export { trpcMaxBatchSize } from './trpc-limits.ts';

export const idSchema = z.uuid({ error: 'must be a UUID' });

/**
 * Free text Keel stores or searches for: PostgreSQL's text and jsonb cannot hold a NUL character, so it
 * is refused here, naming the field, instead of failing the query (and logging it) in the database.
 */
export const withoutNul = (text: z.ZodString) =>
  text.regex(/^[^\0]*$/, { error: 'must not contain a NUL character' });

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, { error: 'must be at most 254 characters' })
  .pipe(z.email({ error: 'must be an email address' }));

export const passwordSchema = z
  .string()
  .min(1, { error: 'is required' })
  .max(1024, { error: 'must be at most 1024 characters' });

/** A new password must be long enough to resist guessing; login accepts whatever was set before. */
export const newPasswordSchema = z
  .string()
  .min(10, { error: 'must be at least 10 characters' })
  .max(1024, { error: 'must be at most 1024 characters' });

export const loginInputSchema = z
  .strictObject({
    email: emailSchema,
    password: passwordSchema,
    /** With two-factor sign-in on: a 6-digit code from the authenticator app, or a recovery code. */
    code: z
      .string()
      .trim()
      .max(32, { error: 'must be a 6-digit code or a recovery code' })
      .optional()
      .describe(
        'With two-factor sign-in on: the 6-digit code from the authenticator app, or a recovery code',
      ),
  })
  .meta({ id: 'LoginRequest' });

export const userRoles = ['customer', 'admin'] as const;
export type UserRole = (typeof userRoles)[number];

export const userSchema = z
  .object({
    id: idSchema,
    email: z.string(),
    name: z.string(),
    role: z.enum(userRoles),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof userSchema>;
export const currentUserSchema = z.object({ user: userSchema }).meta({ id: 'CurrentUser' });

export const loginResultSchema = z
  .object({
    accessToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().describe('Seconds until the access token expires'),
    user: userSchema,
  })
  .meta({ id: 'LoginResponse' });
export type LoginResult = z.infer<typeof loginResultSchema>;

/**
 * A hostname as PVE accepts for a VM name and as DNS accepts for a host: dot-separated labels of
 * letters, digits and inner hyphens, at most 63 characters each.
 */
const hostnamePattern =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export const hostnameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, { error: 'is required' })
  .max(253, { error: 'must be at most 253 characters' })
  .regex(hostnamePattern, {
    error:
      'must be a hostname: letters, digits and hyphens, in dot-separated labels of at most 63 characters',
  });

/** The outline of a key line, for the API document; parseSshPublicKey checks the rest. */
const sshKeyOutline = new RegExp(
  `^(${sshKeyTypes.join('|').replace(/\./g, '\\.')}) [A-Za-z0-9+/]+={0,2}( [ -~]*)?$`,
);

/** An OpenSSH public key, checked as `ssh-keygen -l` would (ssh-key.ts); stored in its canonical form. */
export const sshKeySchema = z
  .string()
  .trim()
  .max(16_384, { error: 'must be at most 16384 characters' })
  .transform((value, ctx) => {
    const parsed = parseSshPublicKey(value);
    if (parsed.ok) return parsed.key.canonical;
    ctx.addIssue({ code: 'custom', message: parsed.problem, input: value });
    return z.NEVER;
  })
  .meta({ pattern: sshKeyOutline.source });

export const createServerInputSchema = z
  .strictObject({
    name: hostnameSchema,
    planId: idSchema,
    imageId: idSchema,
    locationId: idSchema,
    sshKeys: z.array(sshKeySchema).max(10, { error: 'must hold at most 10 keys' }).optional(),
    /** Keys from the account's keychain (GET /ssh-keys), by id; added to `sshKeys`. */
    sshKeyIds: z
      .array(idSchema)
      .max(10, { error: 'must hold at most 10 keys' })
      .refine((ids) => new Set(ids).size === ids.length, { error: 'must not name a key twice' })
      .optional(),
  })
  .meta({ id: 'CreateServerRequest' });
export type CreateServerInput = z.infer<typeof createServerInputSchema>;

export const serverActionInputSchema = z
  .strictObject({ action: z.enum(serverActions, { error: `must be one of ${serverActions.join(', ')}` }) })
  .meta({ id: 'ServerActionRequest' });

/** A path id: anything that is not a UUID cannot name a server, so it is simply not found. */
export const serverIdInputSchema = z.strictObject({ id: z.string().max(200) });

/** An action on a server: its id (the REST path) and the action (the REST body). */
export const actOnServerInputSchema = serverIdInputSchema.extend(serverActionInputSchema.shape);

const catalogRefSchema = z.object({ id: idSchema, slug: z.string(), name: z.string() });

export const serverSchema = z
  .object({
    id: idSchema,
    name: z.string(),
    status: z.enum(serverStatuses),
    statusReason: z.string().nullable(),
    cpuCores: z.number().int(),
    memoryMb: z.number().int(),
    diskGb: z.number().int(),
    ipAddress: z.string().nullable(),
    image: catalogRefSchema.nullable(),
    location: catalogRefSchema.nullable(),
    /** While provisioning: the step under way (steps done so far = stepIndex). */
    progress: z
      .object({
        step: z.enum(provisioningSteps),
        stepIndex: z.number().int(),
        stepCount: z.number().int(),
      })
      .nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'Server' });
export type Server = z.infer<typeof serverSchema>;

export const serverEventSchema = z
  .object({ id: z.number().int(), at: z.date(), kind: z.string(), message: z.string() })
  .meta({ id: 'ServerEvent' });
export type ServerEvent = z.infer<typeof serverEventSchema>;

export const serverResultSchema = z
  .object({
    server: serverSchema,
    events: z
      .array(serverEventSchema)
      .optional()
      .describe('Recent audit events, newest first, with include=events'),
  })
  .meta({ id: 'ServerResponse' });

export const getServerInputSchema = z
  .strictObject({
    id: z.string().max(200),
    include: z.enum(['events'], { error: 'must be "events"' }).optional(),
  })
  .meta({ id: 'GetServerQuery' });
// Paging: a list answers `limit` items from `cursor` on, and the cursor of the page after them.

/** How many items a page holds: 1 to 500, 100 unless asked. */
export const pageLimitSchema = z.coerce
  .number()
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be between 1 and 500' })
  .max(500, { error: 'must be between 1 and 500' })
  .default(100);
/** Where a page starts: the `nextCursor` of the page before it. */
export const pageCursorSchema = z.string().max(200, { error: 'is not one this API returned' }).optional();
/** In a page: the cursor of the next one, or null on the last. */
export const nextCursorSchema = z
  .string()
  .nullable()
  .describe('Pass as `cursor` to get the next page; null on the last page');

export const listServersInputSchema = z
  .strictObject({
    limit: pageLimitSchema,
    cursor: pageCursorSchema,
    includeTerminated: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .transform((v) => v === 'true')
      .or(z.boolean())
      .optional(),
  })
  .meta({ id: 'ListServersQuery' });

export const serverListSchema = z
  .object({ servers: z.array(serverSchema), nextCursor: nextCursorSchema })
  .meta({ id: 'ServerList' });

export const planSchema = z
  .object({
    id: idSchema,
    slug: z.string(),
    name: z.string(),
    cpuCores: z.number().int(),
    memoryMb: z.number().int(),
    diskGb: z.number().int(),
    priceMonthlyCents: z.number().int().nullable(),
  })
  .meta({ id: 'Plan' });
export const imageSchema = z
  .object({ id: idSchema, slug: z.string(), name: z.string(), osFamily: z.string() })
  .meta({ id: 'Image' });
export const locationSchema = z
  .object({ id: idSchema, slug: z.string(), name: z.string(), country: z.string().nullable() })
  .meta({ id: 'Location' });

export const catalogSchema = z
  .object({ plans: z.array(planSchema), images: z.array(imageSchema), locations: z.array(locationSchema) })
  .meta({ id: 'Catalog' });
export type Catalog = z.infer<typeof catalogSchema>;

export const okSchema = z.object({ ok: z.literal(true) }).meta({ id: 'Ok' });
