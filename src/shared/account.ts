/** The signed-in person's own account: profile changes and a new password. */
import { z } from 'zod';
import { emailSchema, newPasswordSchema, passwordSchema, withoutNul } from './api.ts';

export const updateProfileInputSchema = z
  .strictObject({
    name: withoutNul(z.string().trim().max(200, { error: 'must be at most 200 characters' })).optional(),
    email: emailSchema.optional(),
  })
  .meta({ id: 'UpdateProfileRequest' });
export type UpdateProfileInput = z.infer<typeof updateProfileInputSchema>;

export const changePasswordInputSchema = z
  .strictObject({
    currentPassword: passwordSchema,
    newPassword: newPasswordSchema,
  })
  .meta({ id: 'ChangePasswordRequest' });
export type ChangePasswordInput = z.infer<typeof changePasswordInputSchema>;

export const passwordChangedSchema = z
  .object({
    ok: z.literal(true),
    endedSessions: z
      .number()
      .int()
      .describe('Sign-ins on other browsers and devices that ended; this one stays signed in'),
  })
  .meta({ id: 'PasswordChanged' });
export type PasswordChanged = z.infer<typeof passwordChangedSchema>;
