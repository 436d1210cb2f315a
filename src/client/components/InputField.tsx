import type { InputHTMLAttributes, ReactNode, Ref } from 'react';
import { Field, inputClass } from './Field.tsx';

/** A text as `useState` holds it: the value and its setter. */
export type TextState = readonly [string, (value: string) => void];

export interface InputFieldProps extends Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'id' | 'value' | 'onChange' | 'aria-invalid' | 'aria-describedby'
> {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  /** The text typed, with its setter: `useState` as it comes. */
  state: TextState;
  /** For focusing or selecting it after a refusal. */
  inputRef?: Ref<HTMLInputElement>;
}

/** A labelled input with its hint and error wired to it for assistive technology (see Field). */
export function InputField({
  label,
  hint,
  error,
  state: [value, setValue],
  inputRef,
  className,
  ...input
}: InputFieldProps) {
  return (
    <Field label={label} hint={hint} error={error}>
      {(wiring) => (
        <input
          ref={inputRef}
          {...input}
          {...wiring}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          className={className ? `${inputClass} ${className}` : inputClass}
        />
      )}
    </Field>
  );
}
