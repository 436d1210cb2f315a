/** The console's tables: the customer side's look, a caption for screen readers, headers in a row. */
import type { ReactNode } from 'react';

export function DataTable({
  caption,
  headers,
  children,
}: {
  caption: string;
  headers: readonly (string | { label: string; className?: string; srOnly?: boolean })[];
  children: ReactNode;
}) {
  return (
    <div className="overflow-x-auto rounded-2xl border border-slate-200 bg-white shadow-xs">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="border-b border-slate-200 bg-slate-50/80 text-xs font-medium text-slate-500">
          <tr>
            {headers.map((header) => {
              const h = typeof header === 'string' ? { label: header } : header;
              return (
                <th key={h.label} scope="col" className={`px-4 py-2.5 font-medium ${h.className ?? ''}`}>
                  {h.srOnly ? <span className="sr-only">{h.label}</span> : h.label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
    </div>
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
  return (
    <div
      aria-busy="true"
      aria-label={label}
      className="overflow-hidden rounded-2xl border border-slate-200 bg-white"
    >
      {Array.from({ length: 4 }, (_, i) => (
        <div key={i} className="flex items-center gap-6 border-b border-slate-100 px-4 py-4 last:border-0">
          <div className="h-4 w-32 animate-pulse rounded bg-slate-200" />
          <div className="h-4 w-48 animate-pulse rounded bg-slate-200" />
          <div className="h-4 w-20 animate-pulse rounded bg-slate-200" />
        </div>
      ))}
    </div>
  );
}
