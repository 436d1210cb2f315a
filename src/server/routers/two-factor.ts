import { okSchema } from '../../shared/api.ts';
import {
  recoveryCodesSchema,
  twoFactorConfirmInputSchema,
  twoFactorDisableInputSchema,
  twoFactorEnrolmentSchema,
  twoFactorStatusSchema,
} from '../../shared/two-factor.ts';
import {
  confirmTwoFactor,
  disableTwoFactor,
  enrolTwoFactor,
  getTwoFactorStatus,
} from '../services/two-factor.ts';
import { createTRPCRouter, protectedProcedure } from '../trpc.ts';

export const twoFactorRouter = createTRPCRouter({
  status: protectedProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/auth/two-factor',
        operationId: 'getTwoFactorStatus',
        summary: 'Whether two-factor sign-in is on, and how many recovery codes are left',
        errors: [],
      },
    })
    .output(twoFactorStatusSchema)
    .query(({ ctx }) => getTwoFactorStatus(ctx)),
  enrol: protectedProcedure
    // The answer is the secret, shown once: never kept for an Idempotency-Key replay.
    .meta({
      idempotent: false,
      rest: {
        method: 'POST',
        path: '/auth/two-factor/enrol',
        operationId: 'enrolTwoFactor',
        summary:
          'Start two-factor enrolment: a new TOTP secret, its otpauth URI and QR code (not in force until confirmed)',
        errors: ['INVALID_STATE'],
      },
    })
    .output(twoFactorEnrolmentSchema)
    .mutation(({ ctx }) => enrolTwoFactor(ctx)),
  confirm: protectedProcedure
    .meta({
      idempotent: false,
      rest: {
        method: 'POST',
        path: '/auth/two-factor/confirm',
        operationId: 'confirmTwoFactor',
        summary: 'Turn two-factor sign-in on with a first code; answers the one-time recovery codes, once',
        errors: ['INVALID_STATE'],
      },
    })
    .input(twoFactorConfirmInputSchema)
    .output(recoveryCodesSchema)
    .mutation(({ ctx, input }) => confirmTwoFactor(ctx, input)),
  disable: protectedProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/auth/two-factor/disable',
        operationId: 'disableTwoFactor',
        summary: 'Turn two-factor sign-in off, with the password and a code or recovery code',
        errors: ['INVALID_STATE', 'INVALID_CREDENTIALS', 'TOO_MANY_REQUESTS'],
      },
    })
    .input(twoFactorDisableInputSchema)
    .output(okSchema)
    .mutation(({ ctx, input }) => disableTwoFactor(ctx, input)),
});
