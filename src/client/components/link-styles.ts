/** A row's or an item's own link (its name): bold, underlined on hover. */
export const nameLinkClass =
  'font-medium text-slate-900 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-sky-600';

/** A link inside a sentence (Clear the filters). */
export const inlineLinkClass = 'font-medium text-sky-700 underline-offset-2 hover:underline';
