/**
 * What the console's create and edit dialogs share: the form's values and errors (`useDialogForm`), and
 * the form element with the form's own error and the Cancel and submit buttons at its foot
 * (`AdminDialogForm`). Each dialog brings its own fields.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { errorsFromCall, errorsFromIssues, type FormErrors } from '../lib/form-errors.ts';
import { DialogActions } from '../../../components/DialogActions.tsx';

interface Checker<T> {
  safeParse(
    input: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/** The keys of the values that a text input edits. */
type TextKeys<V> = {
  [P in keyof V]: V[P] extends string ? (string extends V[P] ? P : never) : never;
}[keyof V];
type FlagKeys<V> = { [P in keyof V]: V[P] extends boolean ? P : never }[keyof V];

/**
 * A dialog form's values and errors. `submit` checks the input with the shared schema first, so a
 * mistake shows under its field without a call, then saves; what the API refuses lands there too.
 * `field(key)` wires a text field to its value, its setter and its error; `check(key)` a checkbox.
 */
export function useDialogForm<V, K extends string>(initial: V, labels: Record<K, string>, pending: boolean) {
  const [values, setValues] = useState<V>(initial);
  const [errors, setErrors] = useState<FormErrors<K>>({});
  const set =
    <F extends keyof V>(key: F) =>
    (value: V[F]) =>
      setValues((v) => ({ ...v, [key]: value }));
  const field = (key: TextKeys<V> & string) => ({
    value: values[key] as string,
    onValueChange: (value: string) => setValues((v) => ({ ...v, [key]: value })),
    error: (errors as Partial<Record<string, string>>)[key],
  });
  const check = (key: FlagKeys<V>) => ({
    checked: values[key] as boolean,
    onCheckedChange: (checked: boolean) => setValues((v) => ({ ...v, [key]: checked })),
  });

  async function submit<T>(
    event: FormEvent,
    schema: Checker<T>,
    input: unknown,
    save: (data: T) => Promise<void>,
    adjust: (found: FormErrors<K>) => FormErrors<K> = (found) => found,
  ) {
    event.preventDefault();
    if (pending) return;
    try {
      const checked = schema.safeParse(input);
      if (!checked.success) return setErrors(adjust(errorsFromIssues(checked.error.issues, labels)));
      setErrors({});
      await save(checked.data);
    } catch (err) {
      setErrors(errorsFromCall(err, labels));
    }
  }

  return { values, setValues, set, field, check, errors, submit };
}

/** The form of a console dialog: its fields, then the form's own error, then Cancel and submit. */
export function AdminDialogForm({
  label,
  onSubmit,
  alert,
  pending,
  submitLabel,
  children,
}: {
  /** The form's accessible name, e.g. "New plan". */
  label: string;
  onSubmit(event: FormEvent): unknown;
  /** A message not about one field. */
  alert: string | undefined;
  pending: boolean;
  submitLabel: string;
  children: ReactNode;
}) {
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label={label}>
      {children}
      <DialogActions within="dialog" ruled label={submitLabel} pending={pending} error={alert} />
    </form>
  );
}
