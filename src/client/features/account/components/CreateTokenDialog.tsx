/**
 * Creating an API token: name, scopes and expiry, then the secret — shown once, with a copy button and a
 * warning. The secret lives only in this dialog's state and the mutation is garbage-collected at once
 * (`gcTime: 0`), so once the dialog closes it is nowhere in the page.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import type { UserRole } from '../../../../shared/api.ts';
import { tokenScopes, type TokenScope } from '../../../../shared/tokens.ts';
import { CopyButton } from '../../../components/CopyButton.tsx';
import { Dialog } from '../../../components/Dialog.tsx';
import { DialogActions, DialogDoneAction } from '../../../components/DialogActions.tsx';
import { FormNotice } from '../../../components/FormNotice.tsx';
import { Field, inputClass } from '../../../components/Field.tsx';
import { Select } from '../../../components/Select.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import {
  expiryChoices,
  expiryInDays,
  scopeDescriptions,
  toggleScope,
  type ExpiryChoice,
} from '../lib/tokens.ts';

export function CreateTokenDialog({ trigger, role }: { trigger: ReactNode; role: UserRole }) {
  const [open, setOpen] = useState(false);
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);
  function onOpenChange(next: boolean) {
    setOpen(next);
    // Closing forgets the secret; the next opening starts with an empty form.
    if (!next) setSecret(null);
  }
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      trigger={trigger}
      title={secret ? `Token ${secret.name} created` : 'Create an API token'}
      description={
        secret ? undefined : 'A token lets a script use the API as you, with the scopes you give it.'
      }
    >
      {secret ? (
        <SecretOnce secret={secret.value} />
      ) : (
        <CreateTokenForm role={role} onCreated={(name, value) => setSecret({ name, value })} />
      )}
    </Dialog>
  );
}

function SecretOnce({ secret }: { secret: string }) {
  return (
    <div className="space-y-4">
      <p role="alert" className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900">
        Copy this token now. It is shown only this once: Keel keeps a hash of it, not the token.
      </p>
      <div className="flex items-center gap-2 rounded-lg border border-slate-300 bg-slate-50 px-3 py-2">
        <code aria-label="Token secret" className="min-w-0 flex-1 font-mono text-sm break-all text-slate-900">
          {secret}
        </code>
        <CopyButton value={secret} label="Copy the token" />
      </div>
      <p className="text-xs text-slate-500">
        Send it as <code className="font-mono">Authorization: Bearer keel_…</code>.
      </p>
      <DialogDoneAction />
    </div>
  );
}

function CreateTokenForm({
  role,
  onCreated,
}: {
  role: UserRole;
  onCreated(name: string, secret: string): void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<TokenScope[]>(['read']);
  const [expiry, setExpiry] = useState<ExpiryChoice>('90');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const create = useMutation({ ...trpc.tokens.create.mutationOptions(), gcTime: 0 });
  const offered = tokenScopes.filter((scope) => scope !== 'admin' || role === 'admin');

  async function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (create.isPending) return;
    setError(null);
    if (!name.trim()) return setFields({ name: 'Give the token a name.' });
    setFields({});
    try {
      const days = expiryInDays(expiry);
      const result = await create.mutateAsync({
        name,
        scopes,
        ...(days === undefined ? {} : { expiresInDays: days }),
      });
      void queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
      onCreated(result.token.name, result.secret);
    } catch (err) {
      const described = describeError(err);
      setFields(Object.fromEntries(Object.entries(described.fields).map(([k, v]) => [k, `This ${v}.`])));
      if (!Object.keys(described.fields).length) setError(described.message);
    }
  }

  return (
    <form onSubmit={handleSubmit} noValidate className="space-y-4">
      <FormNotice tone="error">{error}</FormNotice>
      <Field label="Name" hint="Say what uses it, e.g. “backup script”." error={fields.name}>
        {(props) => (
          <input
            {...props}
            name="token-name"
            autoComplete="off"
            autoFocus
            value={name}
            maxLength={100}
            onChange={(e) => setName(e.target.value)}
            className={inputClass}
          />
        )}
      </Field>
      <fieldset className="space-y-2" aria-describedby={fields.scopes ? 'token-scopes-error' : undefined}>
        <legend className="text-sm font-medium text-slate-800">Scopes</legend>
        {offered.map((scope) => (
          <label key={scope} className="flex items-center gap-2 text-sm text-slate-800">
            <input
              type="checkbox"
              name="scopes"
              value={scope}
              checked={scopes.includes(scope)}
              // Every token reads; write and admin build on it.
              disabled={scope === 'read'}
              onChange={(e) => setScopes(toggleScope(scopes, scope, e.target.checked))}
              className="size-4 rounded border-slate-300 accent-slate-900"
            />
            {scopeDescriptions[scope]}
          </label>
        ))}
        {fields.scopes && (
          <p id="token-scopes-error" className="text-sm text-red-700">
            {fields.scopes}
          </p>
        )}
      </fieldset>
      <Field label="Expires after" error={fields.expiresInDays}>
        {(props) => (
          <Select
            {...props}
            value={expiry}
            onValueChange={(value) => setExpiry(value as ExpiryChoice)}
            options={expiryChoices}
          />
        )}
      </Field>
      <DialogActions
        within="dialog"
        label={create.isPending ? 'Creating…' : 'Create token'}
        pending={create.isPending}
        className="flex justify-end gap-2 pt-1"
      />
    </form>
  );
}
