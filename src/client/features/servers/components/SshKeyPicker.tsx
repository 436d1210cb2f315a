import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useTRPC } from '../../../lib/trpc.ts';
import { describeError } from '../../../lib/errors.ts';

/**
 * The account's keychain as checkboxes, for an order or a reinstall: the chosen keys' ids go to the
 * API, which adds them to the root account through cloud-init.
 */
export function SshKeyPicker({
  selected,
  onChange,
  error,
  hint,
}: {
  selected: readonly string[];
  onChange(ids: string[]): void;
  error?: string | undefined;
  hint?: string;
}) {
  const trpc = useTRPC();
  const keys = useQuery(trpc.sshKeys.list.queryOptions());
  const toggle = (id: string, on: boolean) =>
    onChange(on ? [...selected, id] : selected.filter((k) => k !== id));

  return (
    <fieldset aria-describedby={error ? 'ssh-key-picker-error' : undefined}>
      <legend className="text-sm font-medium text-slate-800">SSH keys from your keychain</legend>
      {keys.isPending && <p className="mt-1.5 text-sm text-slate-500">Loading your keys…</p>}
      {keys.isError && (
        <p role="alert" className="mt-1.5 text-sm text-red-700">
          Your keys could not be loaded. {describeError(keys.error).message}
        </p>
      )}
      {keys.data && keys.data.sshKeys.length === 0 && (
        <p className="mt-1.5 text-sm text-slate-500">
          Your keychain is empty.{' '}
          <Link to="/account/ssh-keys" className="text-sky-700 underline hover:text-sky-900">
            Add a key
          </Link>{' '}
          to choose it here.
        </p>
      )}
      {keys.data && keys.data.sshKeys.length > 0 && (
        <ul className="mt-1.5 space-y-1.5">
          {keys.data.sshKeys.map((key) => (
            <li key={key.id}>
              <label className="flex cursor-pointer items-start gap-2 text-sm">
                <input
                  type="checkbox"
                  checked={selected.includes(key.id)}
                  onChange={(e) => toggle(key.id, e.target.checked)}
                  className="mt-0.5 size-4 rounded border-slate-300 accent-sky-700"
                />
                <span className="min-w-0">
                  <span className="text-slate-900">{key.name}</span>{' '}
                  <span className="block truncate font-mono text-xs text-slate-500">{key.fingerprint}</span>
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
      {hint && keys.data && keys.data.sshKeys.length > 0 && (
        <p className="mt-1 text-xs text-slate-500">{hint}</p>
      )}
      {error && (
        <p id="ssh-key-picker-error" className="mt-1 text-sm text-red-700">
          {error}
        </p>
      )}
    </fieldset>
  );
}
