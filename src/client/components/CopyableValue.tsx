/** A value to copy by hand or with its copy button, such as a secret shown only once. */
import { CopyButton } from './CopyButton.tsx';

export function CopyableValue({
  value,
  label,
  copyLabel,
  testId,
}: {
  value: string;
  /** Names the value for assistive technology. */
  label: string;
  copyLabel: string;
  /** Finds the value in tests. */
  testId?: string;
}) {
  return (
    <div className="flex items-center gap-1 rounded-lg border border-slate-300 bg-slate-50 px-3 py-2">
      <code
        aria-label={label}
        data-testid={testId}
        className="min-w-0 flex-1 font-mono text-xs break-all text-slate-900"
      >
        {value}
      </code>
      <CopyButton value={value} label={copyLabel} />
    </div>
  );
}
