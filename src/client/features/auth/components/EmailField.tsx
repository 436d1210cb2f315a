import type { Ref } from 'react';
import { InputField, type TextState } from '../../../components/InputField.tsx';

/** The account's email, first on the page: focused, and filled in by the password manager as the user name. */
export function EmailField({
  state,
  error,
  disabled,
  inputRef,
}: {
  state: TextState;
  error?: string | undefined;
  disabled: boolean;
  inputRef?: Ref<HTMLInputElement>;
}) {
  return (
    <InputField
      inputRef={inputRef}
      type="email"
      name="email"
      autoComplete="username"
      autoFocus
      disabled={disabled}
      label="Email"
      error={error}
      state={state}
    />
  );
}
