import { Field, inputClass } from './Field.tsx';
import type { TextState } from './InputField.tsx';

/** A textarea for one OpenSSH public key (`ssh-ed25519 AAAA… you@laptop`): small monospace, no spell-check. */
export function SshPublicKeyField({
  label,
  hint,
  error,
  state: [value, setValue],
  rows = 4,
}: {
  label: string;
  hint: string;
  error?: string | undefined;
  state: TextState;
  rows?: number;
}) {
  return (
    <Field label={label} hint={hint} error={error}>
      {(wiring) => (
        <textarea
          {...wiring}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          rows={rows}
          spellCheck={false}
          className={`${inputClass} font-mono text-xs`}
        />
      )}
    </Field>
  );
}
