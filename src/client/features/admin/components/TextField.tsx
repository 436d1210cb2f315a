/**
 * A labelled text input (the dashboard's InputField) for the console's forms, which hold their fields in
 * one form object and so pass a value and a setter rather than a `useState` pair.
 */
import { InputField, type InputFieldProps } from '../../../components/InputField.tsx';

export interface TextFieldProps extends Omit<InputFieldProps, 'state' | 'inputRef'> {
  value: string;
  onValueChange(value: string): void;
}

export function TextField({ value, onValueChange, ...input }: TextFieldProps) {
  return <InputField {...input} state={[value, onValueChange]} />;
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
