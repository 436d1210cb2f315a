/**
 * Account → Security: two-factor sign-in. Turning it on shows a QR code (and the secret, for apps that
 * cannot scan), asks for a first code, then shows the recovery codes once. Turning it off takes the
 * password and a code.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { TwoFactorEnrolment } from '../../../../shared/two-factor.ts';
import { Button } from '../../../components/Button.tsx';
import { CopyButton } from '../../../components/CopyButton.tsx';
import { Field, inputClass } from '../../../components/Field.tsx';
import { LoadError } from '../../../components/LoadError.tsx';
import { Skeleton } from '../../../components/Skeleton.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';

const card = 'max-w-xl rounded-2xl border border-slate-200 bg-white p-5 shadow-xs';

export function SecuritySection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const status = useQuery(trpc.twoFactor.status.queryOptions());
  const [enrolment, setEnrolment] = useState<TwoFactorEnrolment | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.twoFactor.status.queryKey() });

  if (status.isPending)
    return (
      <div aria-busy="true" aria-label="Loading your security settings" className="max-w-xl space-y-3">
        <Skeleton className="h-5 w-64" />
        <Skeleton className="h-9 w-48" />
      </div>
    );
  if (status.isError)
    return (
      <LoadError
        title="Your security settings could not be loaded."
        error={status.error}
        onRetry={() => void status.refetch()}
      />
    );

  return (
    <section aria-labelledby="two-factor-title" className={card}>
      <h2 id="two-factor-title" className="text-sm font-semibold text-slate-900">
        Two-factor sign-in
      </h2>
      {recoveryCodes ? (
        <RecoveryCodes codes={recoveryCodes} onDone={() => setRecoveryCodes(null)} />
      ) : enrolment ? (
        <Enrol
          enrolment={enrolment}
          onCancel={() => setEnrolment(null)}
          onConfirmed={(codes) => {
            setEnrolment(null);
            setRecoveryCodes(codes);
            void refresh();
          }}
        />
      ) : status.data.enabled ? (
        <Disable recoveryCodesLeft={status.data.recoveryCodesLeft} onDisabled={() => void refresh()} />
      ) : (
        <Off required={status.data.required} onEnrolment={setEnrolment} />
      )}
    </section>
  );
}

function Off({ required, onEnrolment }: { required: boolean; onEnrolment: (e: TwoFactorEnrolment) => void }) {
  const trpc = useTRPC();
  const enrol = useMutation(trpc.twoFactor.enrol.mutationOptions());
  return (
    <div className="mt-3 space-y-4 text-sm text-slate-700">
      {required && (
        <p role="alert" className="rounded-lg bg-amber-50 px-3 py-2 text-amber-900">
          Your provider requires two-factor sign-in for administrators. Turn it on to use the admin console.
        </p>
      )}
      <p>
        Off. With it on, signing in also needs a code from an authenticator app on your phone, so a stolen
        password alone is not enough.
      </p>
      {enrol.isError && (
        <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-red-800">
          {describeError(enrol.error).message}
        </p>
      )}
      <Button disabled={enrol.isPending} onClick={() => enrol.mutate(undefined, { onSuccess: onEnrolment })}>
        {enrol.isPending && <Spinner />}
        Turn on two-factor sign-in
      </Button>
    </div>
  );
}

function Enrol({
  enrolment,
  onCancel,
  onConfirmed,
}: {
  enrolment: TwoFactorEnrolment;
  onCancel: () => void;
  onConfirmed: (codes: string[]) => void;
}) {
  const trpc = useTRPC();
  const confirm = useMutation(trpc.twoFactor.confirm.mutationOptions());
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | undefined>();

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!/^\d{3} ?\d{3}$/.test(code.trim())) {
      setCodeError('Enter the 6-digit code the app shows.');
      return;
    }
    setCodeError(undefined);
    confirm.mutate(
      { code: code.trim() },
      {
        onSuccess: (result) => onConfirmed(result.recoveryCodes),
        onError: (err) => {
          const described = describeError(err);
          setCodeError(
            described.fields.code
              ? 'That code is not right. Enter the one the app shows now.'
              : described.message,
          );
        },
      },
    );
  }

  return (
    <div className="mt-3 space-y-4 text-sm text-slate-700">
      <p>
        Scan this QR code with your authenticator app (for example Aegis, Google Authenticator or 1Password).
      </p>
      <img
        src={enrolment.qrCodeDataUrl}
        alt="QR code to add Keel to your authenticator app"
        width={200}
        height={200}
        className="rounded-lg border border-slate-200"
      />
      <div>
        <p className="text-xs text-slate-500">Cannot scan? Type this key into the app instead:</p>
        <p className="mt-1 flex items-center gap-2">
          <code
            aria-label="Secret key"
            className="rounded bg-slate-100 px-2 py-1 font-mono text-xs break-all"
          >
            {enrolment.secret}
          </code>
          <CopyButton value={enrolment.secret} label="Copy the secret key" />
        </p>
      </div>
      <form onSubmit={submit} noValidate className="space-y-3">
        <Field label="Code from the app" error={codeError}>
          {(props) => (
            <input
              {...props}
              type="text"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={7}
              value={code}
              disabled={confirm.isPending}
              onChange={(e) => setCode(e.target.value)}
              className={`${inputClass} max-w-40 font-mono tracking-widest`}
            />
          )}
        </Field>
        <div className="flex gap-2">
          <Button type="submit" disabled={confirm.isPending}>
            {confirm.isPending && <Spinner />}
            Confirm and turn on
          </Button>
          <Button type="button" variant="ghost" onClick={onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </div>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <div className="mt-3 space-y-4 text-sm text-slate-700">
      <p role="status" className="rounded-lg bg-emerald-50 px-3 py-2 text-emerald-900">
        Two-factor sign-in is on.
      </p>
      <p>
        Keep these recovery codes somewhere safe. Each one signs you in once if you lose your phone. They are
        shown only now.
      </p>
      <ul aria-label="Recovery codes" className="grid grid-cols-2 gap-2 rounded-lg bg-slate-50 p-3 font-mono">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <div className="flex items-center gap-3">
        <span className="flex items-center gap-1 text-slate-600">
          <CopyButton value={codes.join('\n')} label="Copy the recovery codes" /> Copy all
        </span>
        <Button onClick={onDone}>I have saved them</Button>
      </div>
    </div>
  );
}

function Disable({ recoveryCodesLeft, onDisabled }: { recoveryCodesLeft: number; onDisabled: () => void }) {
  const trpc = useTRPC();
  const disable = useMutation(trpc.twoFactor.disable.mutationOptions());
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');

  function submit(event: FormEvent) {
    event.preventDefault();
    disable.mutate({ password, code: code.trim() }, { onSuccess: onDisabled });
  }

  return (
    <div className="mt-3 space-y-4 text-sm text-slate-700">
      <p>
        On. Signing in needs a code from your authenticator app. {recoveryCodesLeft} recovery{' '}
        {recoveryCodesLeft === 1 ? 'code' : 'codes'} left.
      </p>
      {!open ? (
        <Button variant="secondary" onClick={() => setOpen(true)}>
          Turn off two-factor sign-in
        </Button>
      ) : (
        <form onSubmit={submit} noValidate className="space-y-3">
          {disable.isError && (
            <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-red-800">
              {describeError(disable.error).message}
            </p>
          )}
          <Field label="Current password">
            {(props) => (
              <input
                {...props}
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                className={inputClass}
              />
            )}
          </Field>
          <Field label="Code from the app, or a recovery code">
            {(props) => (
              <input
                {...props}
                type="text"
                autoComplete="one-time-code"
                value={code}
                onChange={(e) => setCode(e.target.value)}
                className={`${inputClass} font-mono`}
              />
            )}
          </Field>
          <div className="flex gap-2">
            <Button type="submit" variant="danger" disabled={disable.isPending || !password || !code.trim()}>
              {disable.isPending && <Spinner />}
              Turn off
            </Button>
            <Button type="button" variant="ghost" onClick={() => setOpen(false)}>
              Cancel
            </Button>
          </div>
        </form>
      )}
    </div>
  );
}
