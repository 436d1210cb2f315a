import { useRef, useState, type FormEvent } from 'react';
import { emailSchema } from '../../../../shared/api.ts';
import { Button } from '../../../components/Button.tsx';
import { FormNotice } from '../../../components/FormNotice.tsx';
import { Field, inputClass } from '../../../components/Field.tsx';
import { PasswordField } from '../../../components/PasswordField.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { EmailField } from './EmailField.tsx';

/**
 * What `onSubmit` throws when the password was right and the account has two-factor sign-in on: the
 * form then asks for the code and sends email, password and code again.
 */
export class SecondFactorRequired extends Error {}

export interface LoginFormProps {
  /**
   * Resolves when signed in; rejects with an Error whose message is shown to the user, or with
   * SecondFactorRequired to ask for the code.
   */
  onSubmit: (email: string, password: string, code?: string) => Promise<void>;
  /** A notice above the form, e.g. that the session ended. */
  notice?: string | undefined;
  /** Shows "Forgot password?", which calls this. */
  onForgotPassword?: (() => void) | undefined;
}

interface FieldErrors {
  email?: string;
  password?: string;
  code?: string;
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

export function LoginForm({ onSubmit, notice, onForgotPassword }: LoginFormProps) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [step, setStep] = useState<'password' | 'code'>('password');
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const codeRef = useRef<HTMLInputElement>(null);

  async function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (submitting) return;
    setError(null);
    if (step === 'code') {
      if (!code.trim()) {
        setFieldErrors({ code: 'Enter the code from your authenticator app, or a recovery code.' });
        return codeRef.current?.focus();
      }
      setFieldErrors({});
    } else {
      const errors = validateCredentials(email, password);
      setFieldErrors(errors);
      if (errors.email) return emailRef.current?.focus();
      if (errors.password) return passwordRef.current?.focus();
    }
    setSubmitting(true);
    try {
      if (step === 'code') await onSubmit(email.trim(), password, code.trim());
      else await onSubmit(email.trim(), password);
    } catch (err) {
      if (err instanceof SecondFactorRequired) {
        setStep('code');
        // After render: the code field exists only now.
        setTimeout(() => codeRef.current?.focus());
      } else {
        setError(err instanceof Error ? err.message : 'Sign-in failed. Try again.');
        if (step === 'code') {
          setCode('');
          setTimeout(() => codeRef.current?.focus());
        } else passwordRef.current?.select();
      }
    } finally {
      setSubmitting(false);
    }
  }

  function backToPassword() {
    setStep('password');
    setCode('');
    setError(null);
    setFieldErrors({});
  }

  return (
    <form onSubmit={handleSubmit} noValidate aria-labelledby="login-title" className="space-y-5">
      <div>
        <h1 id="login-title" className="text-xl font-semibold text-slate-900">
          {step === 'code' ? 'Two-factor sign-in' : 'Sign in'}
        </h1>
        <p className="mt-1 text-sm text-slate-600">
          {step === 'code'
            ? `Enter the 6-digit code your authenticator app shows for ${email.trim()}.`
            : 'Manage your servers with Keel.'}
        </p>
      </div>
      <FormNotice tone="info">{!error && step === 'password' && notice}</FormNotice>
      <FormNotice tone="error">{error}</FormNotice>
      {step === 'code' ? (
        <Field
          label="Authentication code"
          hint="Lost your authenticator? Enter one of your recovery codes instead."
          error={fieldErrors.code}
        >
          {(props) => (
            <input
              {...props}
              ref={codeRef}
              type="text"
              name="code"
              inputMode="text"
              autoComplete="one-time-code"
              autoCapitalize="none"
              spellCheck={false}
              maxLength={32}
              value={code}
              disabled={submitting}
              onChange={(e) => setCode(e.target.value)}
              className={`${inputClass} font-mono tracking-widest`}
            />
          )}
        </Field>
      ) : (
        <>
          <EmailField
            state={[email, setEmail]}
            error={fieldErrors.email}
            disabled={submitting}
            inputRef={emailRef}
          />
          <PasswordField
            inputRef={passwordRef}
            name="password"
            autoComplete="current-password"
            disabled={submitting}
            label="Password"
            error={fieldErrors.password}
            state={[password, setPassword]}
          />
        </>
      )}
      <Button type="submit" disabled={submitting} className="w-full">
        {submitting && <Spinner />}
        {submitting
          ? step === 'code'
            ? 'Verifying…'
            : 'Signing in…'
          : step === 'code'
            ? 'Verify'
            : 'Sign in'}
      </Button>
      {step === 'code' ? (
        <button
          type="button"
          onClick={backToPassword}
          className="w-full text-center text-sm text-slate-600 underline-offset-2 hover:text-slate-900 hover:underline"
        >
          Use another account
        </button>
      ) : (
        onForgotPassword && (
          <button
            type="button"
            onClick={onForgotPassword}
            className="w-full text-center text-sm text-slate-600 underline-offset-2 hover:text-slate-900 hover:underline"
          >
            Forgot password?
          </button>
        )
      )}
    </form>
  );
}
