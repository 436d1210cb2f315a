import type { Ref } from 'react';
import { Field, inputClass } from './Field.tsx';

/**
 * Whether what was typed names the thing to be destroyed. Surrounding spaces are forgiven (a pasted
 * name often carries one); case is not, because names are case-sensitive.
 */
export function typedNameMatches(typed: string, name: string): boolean {
  return typed.trim() === name;
}

/**
 * The "type its name to confirm" field in front of a destructive action: a labelled input that takes
 * the name literally (no autocomplete, capitalisation or spell-check), with the API's objection, if
 * any, wired to it. The caller holds the typed text and enables its button with typedNameMatches.
 */
export function TypedNameConfirm({
  name,
  value,
  onChange,
  inputRef,
  error,
}: {
  name: string;
  value: string;
  onChange: (value: string) => void;
  /** For the dialog's initial focus. */
  inputRef?: Ref<HTMLInputElement>;
  error?: string | undefined;
}) {
  return (
    <Field label={`Type ${name} to confirm`} error={error}>
      {(props) => (
        <input
          {...props}
          ref={inputRef}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
          className={`${inputClass} font-mono`}
        />
      )}
    </Field>
  );
}
