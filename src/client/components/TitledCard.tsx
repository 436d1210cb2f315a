import type { ReactNode } from 'react';

/** A white card named by its heading (`id` ties the two together for screen readers). */
export function TitledCard({
  id,
  title,
  heading,
  titleClassName = 'text-sm',
  className = '',
  children,
}: {
  id: string;
  title: string;
  /** The heading's level where the card stands. */
  heading: 'h2' | 'h3' | 'h4';
  /** The heading's size and spacing. */
  titleClassName?: string;
  /** Added to the card's classes (its place in a grid). */
  className?: string;
  children: ReactNode;
}) {
  const Heading = heading;
  return (
    <section
      aria-labelledby={id}
      className={`rounded-2xl border border-slate-200 bg-white p-5 shadow-xs ${className}`}
    >
      <Heading id={id} className={`${titleClassName} font-semibold text-slate-900`}>
        {title}
      </Heading>
      {children}
    </section>
  );
}
