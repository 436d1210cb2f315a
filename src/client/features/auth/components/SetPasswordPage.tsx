/**
 * Where a one-time password link lands (`/set-password#token=…`, from a reset mail or an operator). The
 * token is in the fragment, so it never reaches a server log; it is sent once, in the request body.
 */
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/Button.tsx';
import { FormNotice } from '../../../components/FormNotice.tsx';
import { PasswordField } from '../../../components/PasswordField.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { AuthShell } from './AuthShell.tsx';

/** The link's token from a location hash like `#token=abc`. */
export function tokenFromHash(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') || null;
}

export function SetPasswordPage() {
  const trpc = useTRPC();
  const setPassword = useMutation(trpc.auth.setPassword.mutationOptions());
  const [token] = useState(() => tokenFromHash(window.location.hash));
  const [password, setPasswordValue] = useState('');
  const [repeat, setRepeat] = useState('');
  const [errors, setErrors] = useState<{ password?: string; repeat?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  async function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (setPassword.isPending || !token) return;
    const next: typeof errors = {};
    if (password.length < 10) next.password = 'Use at least 10 characters.';
    else if (password !== repeat) next.repeat = 'The two passwords differ.';
    setErrors(next);
    setError(null);
    if (next.password || next.repeat) return;
    try {
      await setPassword.mutateAsync({ token, password });
      // The token is spent; keep it out of the address bar and history.
      window.history.replaceState(null, '', window.location.pathname);
      setDone(true);
    } catch (err) {
      const described = describeError(err);
      setError(
        described.fields.token
          ? 'This link has expired or was already used. Ask for a new one.'
          : described.message,
      );
    }
  }

  return (
    <AuthShell>
      <h1 className="text-xl font-semibold text-slate-900">Set a new password</h1>
      {!token ? (
        <p role="alert" className="mt-4 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          This page needs the link from your mail. Open it again, or ask for a new one on the sign-in page.
        </p>
      ) : done ? (
        <div className="mt-4 space-y-4">
          <p role="status" className="rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
            Your password is set. Every earlier session of your account was signed out.
          </p>
          <a href="/login" className="block text-center text-sm font-medium text-sky-700 hover:underline">
            Sign in
          </a>
        </div>
      ) : (
        <form onSubmit={handleSubmit} noValidate className="mt-4 space-y-5">
          <FormNotice tone="error">{error}</FormNotice>
          <PasswordField
            autoFocus
            label="New password"
            hint="At least 10 characters."
            error={errors.password}
            state={[password, setPasswordValue]}
          />
          <PasswordField label="Repeat the new password" error={errors.repeat} state={[repeat, setRepeat]} />
          <Button type="submit" disabled={setPassword.isPending} className="w-full">
            {setPassword.isPending && <Spinner />}
            Set password
          </Button>
        </form>
      )}
    </AuthShell>
  );
}
