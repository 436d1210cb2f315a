/** A labelled text input with its hint and error wired to it (see Field); the console's forms are mostly these. */
import type { InputHTMLAttributes, ReactNode } from 'react';
import { Field, inputClass } from '../../../components/Field.tsx';

export interface TextFieldProps extends Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'id' | 'value' | 'onChange' | 'aria-invalid'
> {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  value: string;
  onValueChange(value: string): void;
}

export function TextField({
  label,
  hint,
  error,
  value,
  onValueChange,
  className = '',
  ...input
}: TextFieldProps) {
  return (
    <Field label={label} hint={hint} error={error}>
      {(props) => (
        <input
          {...input}
          {...props}
          value={value}
          onChange={(e) => onValueChange(e.target.value)}
          className={`${inputClass} ${className}`}
        />
      )}
    </Field>
  );
}

/** A checkbox with its label beside it, and a hint below. */
export function CheckboxField({
  label,
  hint,
  checked,
  onCheckedChange,
}: {
  label: string;
  hint?: string;
  checked: boolean;
  onCheckedChange(checked: boolean): void;
}) {
  return (
    <label className="flex items-start gap-2.5 text-sm text-slate-800">
      <input
        type="checkbox"
        checked={checked}
        onChange={(e) => onCheckedChange(e.target.checked)}
        className="mt-0.5 size-4 rounded border-slate-300 accent-slate-900 focus-visible:outline-2 focus-visible:outline-sky-600"
      />
      <span>
        <span className="font-medium">{label}</span>
        {hint && <span className="block text-xs text-slate-500">{hint}</span>}
      </span>
    </label>
  );
}
