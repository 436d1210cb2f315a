import { useState, type FormEvent } from 'react';
import { emailSchema } from '../../../../shared/api.ts';
import { Button } from '../../../components/Button.tsx';
import { FormNotice } from '../../../components/FormNotice.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { EmailField } from './EmailField.tsx';

export interface ForgotPasswordFormProps {
  /** Resolves with the server's answer (the same for every email); rejects with a message to show. */
  onSubmit: (email: string) => Promise<string>;
  onBack: () => void;
}

/** Asks for a reset link by mail. The answer never says whether the email has an account. */
export function ForgotPasswordForm({ onSubmit, onBack }: ForgotPasswordFormProps) {
  const [email, setEmail] = useState('');
  const [emailError, setEmailError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  async function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (submitting) return;
    setError(null);
    const problem = !email.trim()
      ? 'Enter your email address.'
      : !emailSchema.safeParse(email).success
        ? 'Enter an email address like name@example.com.'
        : undefined;
    setEmailError(problem);
    if (problem) return;
    setSubmitting(true);
    try {
      setSent(await onSubmit(email.trim()));
    } catch (err) {
      setError(err instanceof Error ? err.message : 'The request failed. Try again.');
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <form onSubmit={handleSubmit} noValidate aria-labelledby="forgot-title" className="space-y-5">
      <div>
        <h1 id="forgot-title" className="text-xl font-semibold text-slate-900">
          Reset your password
        </h1>
        <p className="mt-1 text-sm text-slate-600">We mail a link to set a new one.</p>
      </div>
      <FormNotice tone="success">{sent}</FormNotice>
      <FormNotice tone="error">{error}</FormNotice>
      {!sent && (
        <>
          <EmailField state={[email, setEmail]} error={emailError} disabled={submitting} />
          <Button type="submit" disabled={submitting} className="w-full">
            {submitting && <Spinner />}
            {submitting ? 'Sending…' : 'Send link'}
          </Button>
        </>
      )}
      <button
        type="button"
        onClick={onBack}
        className="w-full text-center text-sm text-slate-600 underline-offset-2 hover:text-slate-900 hover:underline"
      >
        Back to sign in
      </button>
    </form>
  );
}
