/**
 * The controls above a list: a search box and plain selects, each named for screen readers by a label
 * that is not shown (the placeholder and the chosen option say what they are).
 */
import type { InputHTMLAttributes } from 'react';
import { inputClass } from './Field.tsx';

export interface FilterOption {
  value: string;
  label: string;
}

export function SearchBox({
  label,
  onValueChange,
  className,
  ...input
}: {
  label: string;
  onValueChange(value: string): void;
  /** Of the label around the box (its width). */
  className?: string;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'type' | 'onChange' | 'className'>) {
  return (
    <label className={className}>
      <span className="sr-only">{label}</span>
      <input
        type="search"
        {...input}
        onChange={(e) => onValueChange(e.target.value)}
        className={inputClass}
      />
    </label>
  );
}

export function FilterSelect({
  label,
  value,
  options,
  onValueChange,
  className,
}: {
  label: string;
  value: string;
  options: readonly FilterOption[];
  onValueChange(value: string): void;
  /** Of the label around the select (its width). */
  className?: string;
}) {
  return (
    <label className={className}>
      <span className="sr-only">{label}</span>
      <select value={value} onChange={(e) => onValueChange(e.target.value)} className={inputClass}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}
