/** Two-factor sign-in (TOTP) and the forgotten-password request: the API's schemas, written once. */
import { z } from 'zod';
import { emailSchema, passwordSchema } from './api.ts';

/** A code from an authenticator app (six digits) or a recovery code (`xxxxx-xxxxx`). */
export const secondFactorCodeSchema = z
  .string()
  .trim()
  .min(1, { error: 'is required' })
  .max(32, { error: 'must be a 6-digit code or a recovery code' });

/** What the sign-in form shows when the server answers TWO_FACTOR_REQUIRED. */
export const twoFactorRequiredMessage =
  'Enter the 6-digit code from your authenticator app, or a recovery code.';

/** What an administrator hears on the administrators' routes while REQUIRE_ADMIN_2FA is set and 2FA is off. */
export const adminTwoFactorRequiredMessage =
  'Your provider requires two-factor sign-in for administrators. Turn it on under Account → Security first.';

export const twoFactorStatusSchema = z
  .object({
    enabled: z.boolean(),
    enabledAt: z.date().nullable(),
    recoveryCodesLeft: z.number().int().describe('Unused recovery codes; 0 while two-factor sign-in is off'),
    required: z
      .boolean()
      .describe(
        'The operator requires two-factor sign-in for this account (REQUIRE_ADMIN_2FA, administrators)',
      ),
  })
  .meta({ id: 'TwoFactorStatus' });
export type TwoFactorStatus = z.infer<typeof twoFactorStatusSchema>;

export const twoFactorEnrolmentSchema = z
  .object({
    secret: z.string().describe('Base32 secret, for typing into an app that cannot scan; shown only now'),
    otpauthUri: z.string().describe('otpauth://totp/… URI, what the QR code holds'),
    qrCodeDataUrl: z.string().describe('The URI as a QR code: a data:image/png URL'),
  })
  .meta({ id: 'TwoFactorEnrolment' });
export type TwoFactorEnrolment = z.infer<typeof twoFactorEnrolmentSchema>;

export const twoFactorConfirmInputSchema = z
  .strictObject({
    code: z
      .string()
      .trim()
      .regex(/^\d{3} ?\d{3}$/, { error: 'must be the 6-digit code from your authenticator app' })
      .transform((v) => v.replace(' ', '')),
  })
  .meta({ id: 'TwoFactorConfirmRequest' });

export const recoveryCodesSchema = z
  .object({
    recoveryCodes: z
      .array(z.string())
      .describe('One-time codes for when the authenticator is lost; shown only now, each works once'),
  })
  .meta({ id: 'RecoveryCodes' });

export const twoFactorDisableInputSchema = z
  .strictObject({ password: passwordSchema, code: secondFactorCodeSchema })
  .meta({ id: 'TwoFactorDisableRequest' });

export const forgotPasswordInputSchema = z
  .strictObject({ email: emailSchema })
  .meta({ id: 'ForgotPasswordRequest' });

/** The one answer to every forgotten-password request, whether or not the email has an account. */
export const forgotPasswordMessage =
  'If an account uses that email, a link to set a new password is on its way. It works once, for an hour.';
export const forgotPasswordResultSchema = z
  .object({ ok: z.literal(true), message: z.string() })
  .meta({ id: 'ForgotPasswordResponse' });
