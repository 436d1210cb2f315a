/**
 * What each console section shows until its page is built on the operator API: the section's name and
 * a plain statement that there is nothing here yet. Replaced route by route, never filled with made-up
 * figures.
 */
import { useMatch } from '@tanstack/react-router';

export function AdminSectionPlaceholder() {
  const title = useMatch({ strict: false, select: (match) => match.staticData.title }) ?? '';
  const section = title.replace(/ · Operator console$/, '');
  return (
    <section
      aria-labelledby="section-title"
      className="rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-12 text-center"
    >
      <h2 id="section-title" className="text-base font-semibold text-slate-900">
        {section}
      </h2>
      <p className="mx-auto mt-1 max-w-sm text-sm text-slate-600">
        This part of the console is not available yet.
      </p>
    </section>
  );
}
