import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { describeError } from '../../../lib/errors.ts';
import { signedIn, useSession } from '../../../lib/session.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { AuthShell } from './AuthShell.tsx';
import { ForgotPasswordForm } from './ForgotPasswordForm.tsx';
import { LoginForm, SecondFactorRequired } from './LoginForm.tsx';

export function LoginPage() {
  const trpc = useTRPC();
  const session = useSession();
  const login = useMutation(trpc.auth.login.mutationOptions());
  const forgot = useMutation(trpc.auth.forgotPassword.mutationOptions());
  const [mode, setMode] = useState<'sign-in' | 'forgot'>('sign-in');
  const expired = session.status === 'signedOut' && session.reason === 'expired';

  return (
    <AuthShell>
      {mode === 'forgot' ? (
        <ForgotPasswordForm
          onBack={() => setMode('sign-in')}
          onSubmit={async (email) => {
            try {
              return (await forgot.mutateAsync({ email })).message;
            } catch (err) {
              throw new Error(describeError(err).message, { cause: err });
            }
          }}
        />
      ) : (
        <LoginForm
          notice={expired ? 'Your session ended. Sign in again to continue.' : undefined}
          onForgotPassword={() => setMode('forgot')}
          onSubmit={async (email, password, code) => {
            try {
              const result = await login.mutateAsync({ email, password, ...(code ? { code } : {}) });
              // The sign-in route's guard then sends the user on to the page they asked for.
              signedIn(result.accessToken, result.user);
            } catch (err) {
              const described = describeError(err);
              if (described.code === 'TWO_FACTOR_REQUIRED')
                throw new SecondFactorRequired(described.message, { cause: err });
              throw new Error(described.message, { cause: err });
            }
          }}
        />
      )}
    </AuthShell>
  );
}
