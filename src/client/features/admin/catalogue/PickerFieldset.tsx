import type { ReactNode } from 'react';

/** The box of a picker in a form (nodes, templates): its legend, the choices, and its error below. */
export function PickerFieldset({
  legend,
  error,
  errorId,
  children,
}: {
  legend: string;
  error: string | undefined;
  /** The id of the error's line, for the choices' `aria-describedby`. */
  errorId: string;
  children: ReactNode;
}) {
  return (
    <fieldset
      className="space-y-3 rounded-xl border border-slate-200 p-4"
      {...(error ? { 'aria-describedby': errorId } : {})}
    >
      <legend className="px-1 text-sm font-medium text-slate-800">{legend}</legend>
      {children}
      {error && (
        <p id={errorId} className="text-sm text-red-700">
          {error}
        </p>
      )}
    </fieldset>
  );
}
