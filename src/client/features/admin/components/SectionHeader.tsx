import type { ReactNode } from 'react';

/** A console section's heading (`id` names the section), its main action, and a line on what it holds. */
export function SectionHeader({
  id,
  title,
  action,
  descriptionClassName = '',
  children,
}: {
  id: string;
  title: string;
  action: ReactNode;
  /** Added to the description's classes (a width). */
  descriptionClassName?: string;
  /** The description under the heading. */
  children: ReactNode;
}) {
  return (
    <div className="flex flex-wrap items-end justify-between gap-4">
      <div>
        <h2 id={id} className="text-lg font-semibold text-slate-900">
          {title}
        </h2>
        <p className={`mt-0.5 ${descriptionClassName} text-sm text-slate-600`}>{children}</p>
      </div>
      {action}
    </div>
  );
}
