import { InputField, type InputFieldProps } from './InputField.tsx';

/**
 * A labelled password input. `autoComplete` tells the browser's password manager which password it is: a
 * new one (the default), for which it may offer a generated one, or the `current-password` to fill in.
 */
export function PasswordField({
  autoComplete = 'new-password',
  ...field
}: Omit<InputFieldProps, 'type' | 'autoComplete'> & { autoComplete?: 'current-password' | 'new-password' }) {
  return <InputField type="password" autoComplete={autoComplete} {...field} />;
}
