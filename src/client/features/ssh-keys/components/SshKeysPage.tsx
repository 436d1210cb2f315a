/**
 * The account's SSH keychain: the keys with their SHA256 fingerprints as `ssh-keygen -l` prints them,
 * adding one (the API checks and fingerprints it; its objections show under the field) and removing
 * one. Keys are chosen from here when ordering or reinstalling a server.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import type { StoredSshKey } from '../../../../shared/self-service.ts';
import { Button } from '../../../components/Button.tsx';
import { FormNotice } from '../../../components/FormNotice.tsx';
import { InputField } from '../../../components/InputField.tsx';
import { ConfirmDialog } from '../../../components/ConfirmDialog.tsx';
import { LoadError } from '../../../components/LoadError.tsx';
import { Skeleton } from '../../../components/Skeleton.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { SshPublicKeyField } from '../../../components/SshPublicKeyField.tsx';
import { TitledCard } from '../../../components/TitledCard.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';

export function SshKeysPage() {
  return (
    <div className="space-y-6">
      <div>
        <Link
          to="/account"
          className="inline-flex items-center gap-1 text-sm text-slate-600 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-600"
        >
          <span aria-hidden="true">←</span> Account
        </Link>
        <h1 className="mt-2 text-2xl font-semibold tracking-tight text-slate-900">SSH keys</h1>
        <p className="mt-1 text-sm text-slate-600">
          Public keys to put on your servers&apos; root account when you order or reinstall one.
        </p>
      </div>
      <div className="grid items-start gap-6 lg:grid-cols-5">
        <div className="lg:col-span-3">
          <KeyList />
        </div>
        <div className="lg:col-span-2">
          <AddKeyForm />
        </div>
      </div>
    </div>
  );
}

function KeyList() {
  const trpc = useTRPC();
  const keys = useQuery(trpc.sshKeys.list.queryOptions());
  return (
    <section
      aria-labelledby="keys-title"
      className="rounded-2xl border border-slate-200 bg-white p-5 shadow-xs"
    >
      <h2 id="keys-title" className="text-sm font-semibold text-slate-900">
        Your keys
      </h2>
      {keys.isPending && (
        <div aria-busy="true" aria-label="Loading your keys" className="mt-4 space-y-2">
          <Skeleton className="h-10" />
          <Skeleton className="h-10" />
        </div>
      )}
      {keys.isError && (
        <div className="mt-4">
          <LoadError
            title="Your keys could not be loaded."
            error={keys.error}
            onRetry={() => void keys.refetch()}
          />
        </div>
      )}
      {keys.data && keys.data.sshKeys.length === 0 && (
        <p className="mt-4 text-sm text-slate-500">No keys yet. Add one to choose it for your servers.</p>
      )}
      {keys.data && keys.data.sshKeys.length > 0 && (
        <ul className="mt-3 divide-y divide-slate-100">
          {keys.data.sshKeys.map((key) => (
            <li key={key.id} className="flex items-center justify-between gap-3 py-3">
              <div className="min-w-0">
                <p className="truncate text-sm font-medium text-slate-900">{key.name}</p>
                <p className="truncate font-mono text-xs text-slate-600" title={key.fingerprint}>
                  {key.fingerprint}
                </p>
                <p className="text-xs text-slate-500">
                  {key.type} · {key.bits} bits
                </p>
              </div>
              <DeleteKey sshKey={key} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

type Errors = Partial<Record<'name' | 'publicKey' | 'form', string>>;

/** The add form's labels and hints, by the field the API names. */
const addKeyWords = {
  name: { label: 'Name', hint: 'To recognise it by, e.g. laptop.' },
  publicKey: { label: 'Public key', hint: 'The contents of your .pub file: ssh-ed25519 AAAA… you@laptop.' },
} as const;

function AddKeyForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useToast();
  const create = useMutation(trpc.sshKeys.create.mutationOptions());
  const [name, setName] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const [errors, setErrors] = useState<Errors>({});

  async function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (create.isPending) return;
    const found: Errors = {};
    if (!name.trim()) found.name = 'Name is required.';
    if (!publicKey.trim()) found.publicKey = 'Public key is required.';
    setErrors(found);
    if (Object.keys(found).length) return;
    try {
      const { sshKey } = await create.mutateAsync({ name: name.trim(), publicKey: publicKey.trim() });
      await queryClient.invalidateQueries({ queryKey: trpc.sshKeys.list.queryKey() });
      notify('success', `Key ${sshKey.name} added (${sshKey.fingerprint}).`);
      setName('');
      setPublicKey('');
    } catch (err) {
      const { message, fields } = describeError(err);
      const next: Errors = {};
      if (fields.name) next.name = `Name ${fields.name}.`;
      if (fields.publicKey) next.publicKey = `Public key ${fields.publicKey}.`;
      setErrors(Object.keys(next).length ? next : { form: message });
    }
  }

  return (
    <TitledCard id="add-key-title" title="Add a key" heading="h2">
      <form onSubmit={handleSubmit} noValidate className="mt-4 space-y-4">
        <InputField autoComplete="off" {...addKeyWords.name} error={errors.name} state={[name, setName]} />
        <SshPublicKeyField
          {...addKeyWords.publicKey}
          error={errors.publicKey}
          state={[publicKey, setPublicKey]}
        />
        <FormNotice tone="error">{errors.form}</FormNotice>
        <div className="flex justify-end">
          <Button type="submit" disabled={create.isPending}>
            {create.isPending && <Spinner />}
            Add key
          </Button>
        </div>
      </form>
    </TitledCard>
  );
}

function DeleteKey({ sshKey }: { sshKey: StoredSshKey }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useToast();
  const remove = useMutation(trpc.sshKeys.delete.mutationOptions());

  return (
    <ConfirmDialog
      title={`Remove ${sshKey.name}?`}
      description="It is no longer offered for new servers and reinstalls. Servers that have it keep it until they are reinstalled."
      confirmLabel="Remove key"
      trigger={
        <Button variant="secondary" size="sm" className="text-red-700" aria-label={`Remove ${sshKey.name}`}>
          Remove
        </Button>
      }
      onConfirm={async () => {
        await remove.mutateAsync({ id: sshKey.id });
        await queryClient.invalidateQueries({ queryKey: trpc.sshKeys.list.queryKey() });
        notify('success', `Key ${sshKey.name} removed.`);
      }}
    />
  );
}
