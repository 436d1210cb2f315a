/**
 * What the console's tables (the shared ListTable) have around them: cell padding, the empty state and
 * the loading rows.
 */
import type { ReactNode } from 'react';
import { BusyRows } from '../../../components/BusySkeleton.tsx';

export const cellClass = 'px-4 py-3 align-top';

/** Shown instead of a table while there is nothing in it. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-12 text-center">
      <h3 className="text-base font-semibold text-slate-900">{title}</h3>
      {children && <div className="mx-auto mt-1 max-w-md text-sm text-slate-600">{children}</div>}
    </div>
  );
}

/** Rows of grey bars while a list loads, announced as busy. */
export function TableSkeleton({ label }: { label: string }) {
  return <BusyRows label={label} rows={4} bars={['h-4 w-32', 'h-4 w-48', 'h-4 w-20']} />;
}
