/** API tokens: the contract for creating, listing and revoking them. */
import { z } from 'zod';
import { idSchema, withoutNul } from './api.ts';

/** What a token may do: `read` for queries, `write` for changes, `admin` for the operator's routes. */
export const tokenScopes = ['read', 'write', 'admin'] as const;
export type TokenScope = (typeof tokenScopes)[number];

/** Every secret starts with this, so a leaked one is recognisable (and scannable) as Keel's. */
export const tokenSecretPrefix = 'keel_';

/** The most days a token may live; without `expiresInDays` it lives until revoked. */
export const maxTokenDays = 3650;

/** The scopes in the order they build on each other: `write` needs `read`, `admin` needs `write`. */
export const tokenScopesSchema = z
  .array(z.enum(tokenScopes, { error: `must each be one of ${tokenScopes.join(', ')}` }))
  .min(1, { error: 'must name at least one scope' })
  .max(tokenScopes.length, { error: 'must not repeat a scope' })
  .superRefine((scopes, ctx) => {
    const set = new Set(scopes);
    if (set.size !== scopes.length) ctx.addIssue({ code: 'custom', message: 'must not repeat a scope' });
    else if (!set.has('read')) ctx.addIssue({ code: 'custom', message: 'must include read' });
    else if (set.has('admin') && !set.has('write'))
      ctx.addIssue({ code: 'custom', message: 'must include write with admin' });
  })
  .transform((scopes) => tokenScopes.filter((s) => scopes.includes(s)));

export const createTokenInputSchema = z
  .strictObject({
    name: withoutNul(
      z
        .string()
        .trim()
        .min(1, { error: 'is required' })
        .max(100, { error: 'must be at most 100 characters' }),
    ),
    scopes: tokenScopesSchema,
    expiresInDays: z
      .number()
      .int({ error: 'must be a whole number' })
      .min(1, { error: `must be between 1 and ${maxTokenDays}` })
      .max(maxTokenDays, { error: `must be between 1 and ${maxTokenDays}` })
      .optional(),
  })
  .meta({ id: 'CreateTokenRequest' });
export type CreateTokenInput = z.infer<typeof createTokenInputSchema>;

export const apiTokenSchema = z
  .object({
    id: idSchema,
    name: z.string(),
    scopes: z.array(z.enum(tokenScopes)),
    prefix: z.string().describe('The first characters of the secret, to tell tokens apart'),
    createdAt: z.date(),
    expiresAt: z.date().nullable(),
    lastUsedAt: z.date().nullable().describe('Kept to the minute'),
    lastUsedIp: z.string().nullable(),
  })
  .meta({ id: 'ApiToken' });
export type ApiToken = z.infer<typeof apiTokenSchema>;

export const createdTokenSchema = z
  .object({
    token: apiTokenSchema,
    secret: z.string().describe('Shown this once; send it as `Authorization: Bearer keel_…`'),
  })
  .meta({ id: 'CreatedToken' });

export const tokenResultSchema = z.object({ token: apiTokenSchema }).meta({ id: 'TokenResponse' });
export const tokenListSchema = z.object({ tokens: z.array(apiTokenSchema) }).meta({ id: 'TokenList' });

/** A path id: anything that is not a UUID names no token, so it is simply not found. */
export const tokenIdInputSchema = z.strictObject({ id: z.string().max(200) });
