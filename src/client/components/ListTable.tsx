/**
 * The dashboard's tables: a caption for screen readers, a header row from a list of labels, and rows
 * divided by hairlines. The look says where the table stands: a card of its own, a bordered header
 * inside a panel, or tight rows in a small panel.
 */
import type { ReactNode } from 'react';

export type ListTableHeader =
  | string
  | {
      label: string;
      /** The column is shown from this screen width up (its cells say so too). */
      from?: keyof typeof shownFrom;
      align?: 'right';
      srOnly?: boolean;
      className?: string;
    };

const shownFrom = {
  sm: 'hidden sm:table-cell',
  md: 'hidden md:table-cell',
  lg: 'hidden lg:table-cell',
  xl: 'hidden xl:table-cell',
} as const;

const looks = {
  card: {
    frame: 'overflow-x-auto rounded-2xl border border-slate-200 bg-white shadow-xs',
    head: 'border-b border-slate-200 bg-slate-50/80 text-xs font-medium text-slate-500',
    th: 'px-4 py-2.5 font-medium',
  },
  panel: {
    frame: 'overflow-x-auto',
    head: 'border-b border-slate-200 text-xs text-slate-500',
    th: 'py-2 pr-4 font-medium last:pr-0',
  },
  compact: { frame: null, head: 'text-xs text-slate-500', th: 'py-1.5 font-medium' },
} as const;

export function ListTable({
  caption,
  headers,
  children,
  look = 'card',
  frameClassName,
}: {
  /** Read out as the table's name; none where the page around it names the list. */
  caption?: string;
  headers: readonly ListTableHeader[];
  children: ReactNode;
  look?: keyof typeof looks;
  /** In place of the look's frame (its overflow and border). */
  frameClassName?: string;
}) {
  const { frame, head, th } = looks[look];
  const table = (
    <table className="w-full text-left text-sm">
      {caption && <caption className="sr-only">{caption}</caption>}
      <thead className={head}>
        <tr>
          {headers.map((header) => {
            const h = typeof header === 'string' ? { label: header } : header;
            return (
              <th key={h.label} scope="col" className={headerClass(th, h)}>
                {h.srOnly ? <span className="sr-only">{h.label}</span> : h.label}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">{children}</tbody>
    </table>
  );
  const frameClass = frameClassName ?? frame;
  return frameClass ? <div className={frameClass}>{table}</div> : table;
}

function headerClass(base: string, header: Exclude<ListTableHeader, string>): string {
  const { from, align, className } = header;
  return [base, from && shownFrom[from], align === 'right' && 'text-right', className]
    .filter(Boolean)
    .join(' ');
}
