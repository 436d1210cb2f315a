import { useRef, useState, type FormEvent } from 'react';
import { emailSchema } from '../../../../shared/api.ts';
import { Button } from '../../../components/Button.tsx';
import { Field, inputClass } from '../../../components/Field.tsx';
import { Spinner } from '../../../components/Spinner.tsx';

export interface LoginFormProps {
  /** Resolves when signed in; rejects with an Error whose message is shown to the user. */
  onSubmit: (email: string, password: string) => Promise<void>;
  /** A notice above the form, e.g. that the session ended. */
  notice?: string | undefined;
}

interface FieldErrors {
  email?: string;
  password?: string;
}

/** What is wrong with the typed credentials before asking the server, in the user's words. */
export function validateCredentials(email: string, password: string): FieldErrors {
  const errors: FieldErrors = {};
  if (!email.trim()) errors.email = 'Enter your email address.';
  else if (!emailSchema.safeParse(email).success)
    errors.email = 'Enter an email address like name@example.com.';
  if (!password) errors.password = 'Enter your password.';
  return errors;
}

export function LoginForm({ onSubmit, notice }: LoginFormProps) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  async function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (submitting) return;
    const errors = validateCredentials(email, password);
    setFieldErrors(errors);
    setError(null);
    if (errors.email) return emailRef.current?.focus();
    if (errors.password) return passwordRef.current?.focus();
    setSubmitting(true);
    try {
      await onSubmit(email.trim(), password);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Sign-in failed. Try again.');
      passwordRef.current?.select();
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <form onSubmit={handleSubmit} noValidate aria-labelledby="login-title" className="space-y-5">
      <div>
        <h1 id="login-title" className="text-xl font-semibold text-slate-900">
          Sign in
        </h1>
        <p className="mt-1 text-sm text-slate-600">Manage your servers with Keel.</p>
      </div>
      {notice && !error && (
        <p role="status" className="rounded-lg bg-sky-50 px-3 py-2 text-sm text-sky-900">
          {notice}
        </p>
      )}
      {error && (
        <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      )}
      <Field label="Email" error={fieldErrors.email}>
        {(props) => (
          <input
            {...props}
            ref={emailRef}
            type="email"
            name="email"
            autoComplete="username"
            autoFocus
            value={email}
            disabled={submitting}
            onChange={(e) => setEmail(e.target.value)}
            className={inputClass}
          />
        )}
      </Field>
      <Field label="Password" error={fieldErrors.password}>
        {(props) => (
          <input
            {...props}
            ref={passwordRef}
            type="password"
            name="password"
            autoComplete="current-password"
            value={password}
            disabled={submitting}
            onChange={(e) => setPassword(e.target.value)}
            className={inputClass}
          />
        )}
      </Field>
      <Button type="submit" disabled={submitting} className="w-full">
        {submitting && <Spinner />}
        {submitting ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}
