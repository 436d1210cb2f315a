import { useMutation } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Button } from '../../../components/Button.tsx';
import { FormNotice } from '../../../components/FormNotice.tsx';
import { PasswordField } from '../../../components/PasswordField.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { Panel } from './Panel.tsx';

const minLength = 10;

/** What is wrong before asking the server; the server checks the same and more (the current password). */
export function validatePasswordChange(input: {
  currentPassword: string;
  newPassword: string;
  confirmPassword: string;
}): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!input.currentPassword) errors.currentPassword = 'Enter your current password.';
  if (input.newPassword.length < minLength) errors.newPassword = `Use at least ${minLength} characters.`;
  else if (input.newPassword === input.currentPassword)
    errors.newPassword = 'Choose a password other than your current one.';
  if (!errors.newPassword && input.confirmPassword !== input.newPassword)
    errors.confirmPassword = 'The two new passwords differ.';
  return errors;
}

/** The API names its fields `currentPassword` and `newPassword`, in words of its own. */
const serverFieldWords: Record<string, Record<string, string>> = {
  currentPassword: { 'is not correct': 'This is not your current password.' },
  newPassword: { 'must differ from the current password': 'Choose a password other than your current one.' },
};

/** The form's three fields, each under the name its error comes back with. */
const passwordFields = [
  {
    key: 'currentPassword',
    name: 'current-password',
    autoComplete: 'current-password',
    label: 'Current password',
  },
  {
    key: 'newPassword',
    name: 'new-password',
    label: 'New password',
    hint: `At least ${minLength} characters.`,
  },
  { key: 'confirmPassword', name: 'confirm-password', label: 'Repeat the new password' },
] as const;

export function PasswordSection() {
  const trpc = useTRPC();
  const notify = useToast();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [confirmPassword, setConfirm] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const currentRef = useRef<HTMLInputElement>(null);
  const change = useMutation(trpc.users.changePassword.mutationOptions());

  async function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (change.isPending) return;
    setError(null);
    setDone(null);
    const errors = validatePasswordChange({ currentPassword, newPassword, confirmPassword });
    setFields(errors);
    if (Object.keys(errors).length) return;
    try {
      const result = await change.mutateAsync({ currentPassword, newPassword });
      setCurrent('');
      setNew('');
      setConfirm('');
      const others =
        result.endedSessions === 0
          ? 'You were signed in nowhere else.'
          : `${result.endedSessions} other sign-in${result.endedSessions === 1 ? '' : 's'} ended.`;
      setDone(`Your password is changed. ${others}`);
      notify('success', 'Your password is changed.');
    } catch (err) {
      const described = describeError(err);
      const worded = Object.fromEntries(
        Object.entries(described.fields).map(([field, message]) => [
          field,
          serverFieldWords[field]?.[message] ?? `This ${message}.`,
        ]),
      );
      setFields(worded);
      if (!Object.keys(worded).length) setError(described.message);
      if (worded.currentPassword) currentRef.current?.select();
    }
  }

  const bound = {
    currentPassword: { state: [currentPassword, setCurrent], inputRef: currentRef },
    newPassword: { state: [newPassword, setNew] },
    confirmPassword: { state: [confirmPassword, setConfirm] },
  } as const;

  return (
    <Panel
      id="password"
      title="Password"
      description="A new password ends your sign-ins on every other browser and device; this one stays signed in. API tokens keep working: revoke any you do not recognise under API tokens."
    >
      <form onSubmit={handleSubmit} noValidate className="max-w-md space-y-4">
        <FormNotice tone="error">{error}</FormNotice>
        <FormNotice tone="success">{done}</FormNotice>
        {passwordFields.map(({ key, ...field }) => (
          <PasswordField key={key} {...field} {...bound[key]} error={fields[key]} />
        ))}
        <Button type="submit" disabled={change.isPending}>
          {change.isPending && <Spinner />}
          {change.isPending ? 'Changing…' : 'Change password'}
        </Button>
      </form>
    </Panel>
  );
}
