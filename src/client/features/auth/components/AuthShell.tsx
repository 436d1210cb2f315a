import type { ReactNode } from 'react';
import { KeelMark } from '../../../components/KeelMark.tsx';

/** The signed-out pages' frame: Keel's mark above one narrow card, centred on the page. */
export function AuthShell({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-dvh flex-col items-center justify-center bg-slate-50 px-4 py-12">
      <div className="mb-8 flex items-center gap-2.5">
        <KeelMark />
        <span className="text-lg font-semibold tracking-tight text-slate-900">Keel</span>
      </div>
      <main className="w-full max-w-sm rounded-2xl border border-slate-200 bg-white p-8 shadow-sm">
        {children}
      </main>
    </div>
  );
}
