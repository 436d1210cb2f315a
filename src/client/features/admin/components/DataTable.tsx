/** The console's tables: the customer side's look, a caption for screen readers, headers in a row. */
import type { ReactNode } from 'react';
import { BusyRows } from '../../../components/BusySkeleton.tsx';
import { ListTable, type ListTableHeader } from '../../../components/ListTable.tsx';

export function DataTable({
  caption,
  headers,
  children,
}: {
  caption: string;
  headers: readonly ListTableHeader[];
  children: ReactNode;
}) {
  return (
    <ListTable caption={caption} headers={headers}>
      {children}
    </ListTable>
  );
}

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
