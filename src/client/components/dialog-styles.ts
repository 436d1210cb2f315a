/** The look both Dialog and AlertDialog share: a sheet from the bottom on phones, centred above. */
export const overlayClass = 'fixed inset-0 z-40 bg-slate-900/40 backdrop-blur-[2px]';

export function contentClass(width: 'md' | 'lg'): string {
  return `fixed inset-x-0 bottom-0 z-50 max-h-[92vh] overflow-y-auto rounded-t-2xl bg-white p-6 shadow-xl focus:outline-none sm:inset-x-auto sm:top-1/2 sm:bottom-auto sm:left-1/2 sm:w-full sm:-translate-x-1/2 sm:-translate-y-1/2 sm:rounded-2xl ${width === 'lg' ? 'sm:max-w-xl' : 'sm:max-w-md'}`;
}

export const titleClass = 'text-lg font-semibold text-slate-900';
export const descriptionClass = 'mt-1 text-sm text-slate-600';
