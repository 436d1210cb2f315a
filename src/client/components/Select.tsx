/**
 * Radix Select with Keel's look: a button that opens a list, chosen by pointer or keyboard (arrows,
 * typing the first letters, Enter), announced as a combobox. Takes the id and aria props `Field` hands
 * its control, so the label and error are wired to it.
 */
import * as RadixSelect from '@radix-ui/react-select';
import { inputClass } from './Field.tsx';
import { LineIcon } from './LineIcon.tsx';

export interface SelectOption {
  value: string;
  label: string;
}

export interface SelectProps {
  value: string;
  onValueChange(value: string): void;
  options: readonly SelectOption[];
  id?: string;
  name?: string;
  placeholder?: string;
  disabled?: boolean;
  'aria-label'?: string;
  'aria-describedby'?: string;
  'aria-invalid'?: boolean;
}

export function Select({
  value,
  onValueChange,
  options,
  name,
  placeholder,
  disabled,
  ...trigger
}: SelectProps) {
  return (
    <RadixSelect.Root value={value} onValueChange={onValueChange} name={name} disabled={disabled}>
      <RadixSelect.Trigger
        {...trigger}
        className={`${inputClass} flex items-center justify-between gap-2 text-left disabled:cursor-not-allowed disabled:opacity-60 data-placeholder:text-slate-400`}
      >
        <RadixSelect.Value placeholder={placeholder} />
        <RadixSelect.Icon className="text-slate-500">
          <LineIcon path="chevronDown" strokeWidth={1.8} />
        </RadixSelect.Icon>
      </RadixSelect.Trigger>
      <RadixSelect.Portal>
        <RadixSelect.Content
          position="popper"
          sideOffset={4}
          className="z-[70] max-h-(--radix-select-content-available-height) min-w-(--radix-select-trigger-width) overflow-hidden rounded-lg border border-slate-200 bg-white shadow-lg motion-safe:animate-pop-in"
        >
          <RadixSelect.Viewport className="p-1">
            {options.map((option) => (
              <RadixSelect.Item
                key={option.value}
                value={option.value}
                className="relative flex cursor-default items-center rounded-md py-1.5 pr-3 pl-8 text-sm text-slate-800 outline-none select-none data-highlighted:bg-slate-100 data-highlighted:text-slate-900 data-[state=checked]:font-medium"
              >
                <RadixSelect.ItemIndicator className="absolute left-2 text-sky-700">
                  <LineIcon path="check" />
                </RadixSelect.ItemIndicator>
                <RadixSelect.ItemText>{option.label}</RadixSelect.ItemText>
              </RadixSelect.Item>
            ))}
          </RadixSelect.Viewport>
        </RadixSelect.Content>
      </RadixSelect.Portal>
    </RadixSelect.Root>
  );
}
