import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { User } from '../../../../shared/api.ts';
import { Button } from '../../../components/Button.tsx';
import { InputField } from '../../../components/InputField.tsx';
import { LoadError } from '../../../components/LoadError.tsx';
import { Skeleton } from '../../../components/Skeleton.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { describeError } from '../../../lib/errors.ts';
import { userUpdated } from '../../../lib/session.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { Panel } from './Panel.tsx';

/** Each field is named as the API names it, so its error comes back under that name. */
const profileFields = [
  { key: 'name', autoComplete: 'name', label: 'Name' },
  {
    key: 'email',
    type: 'email',
    autoComplete: 'email',
    label: 'Email',
    hint: 'You sign in with this address.',
  },
] as const;

const roleLabels = { customer: 'Customer', admin: 'Administrator' } as const;

export function ProfileSection() {
  const trpc = useTRPC();
  const me = useQuery(trpc.users.me.queryOptions());
  if (me.isPending) {
    return (
      <div aria-busy="true" aria-label="Loading your profile" className="max-w-xl space-y-3">
        <Skeleton className="h-5 w-48" />
        <Skeleton className="h-5 w-64" />
      </div>
    );
  }
  if (me.isError) {
    return (
      <LoadError
        title="Your profile could not be loaded."
        error={me.error}
        onRetry={() => void me.refetch()}
      />
    );
  }
  return <ProfileForm key={`${me.data.user.name}|${me.data.user.email}`} user={me.data.user} />;
}

function ProfileForm({ user }: { user: User }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useToast();
  const [name, setName] = useState(user.name);
  const [email, setEmail] = useState(user.email);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const update = useMutation(trpc.users.updateProfile.mutationOptions());
  const changed = name.trim() !== user.name || email.trim().toLowerCase() !== user.email;

  async function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (!changed || update.isPending) return;
    setFields({});
    setError(null);
    try {
      const result = await update.mutateAsync({ name, email });
      queryClient.setQueryData(trpc.users.me.queryKey(), result);
      userUpdated(result.user);
      notify('success', 'Your profile is saved.');
    } catch (err) {
      const described = describeError(err);
      setFields(described.fields);
      if (!Object.keys(described.fields).length) setError(described.message);
    }
  }

  const states = { name: [name, setName], email: [email, setEmail] } as const;

  return (
    <Panel id="profile" title="Profile" description="Your name and the address you sign in with.">
      <form onSubmit={handleSubmit} noValidate className="max-w-md space-y-4">
        {error && (
          <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
            {error}
          </p>
        )}
        {profileFields.map(({ key, ...field }) => (
          <InputField key={key} name={key} {...field} error={fields[key]} state={states[key]} />
        ))}
        <p className="text-sm text-slate-600">
          Role: <span className="text-slate-900">{roleLabels[user.role]}</span>
        </p>
        <Button type="submit" disabled={!changed || update.isPending}>
          {update.isPending && <Spinner />}
          {update.isPending ? 'Saving…' : 'Save profile'}
        </Button>
      </form>
    </Panel>
  );
}
