/**
 * Short notices after an action: success, or the API's reason for refusing. Radix Toast announces each
 * one to screen readers (politely for success, at once for errors), holds it while the pointer or focus
 * is on it, closes it on Escape or a swipe, and clears its own timer when a notice goes. F8 moves focus
 * to the notices.
 */
import * as RadixToast from '@radix-ui/react-toast';
import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from 'react';

export type ToastTone = 'success' | 'error';
interface ToastItem {
  id: number;
  tone: ToastTone;
  message: string;
  open: boolean;
}

type Notify = (tone: ToastTone, message: string) => void;
const ToastContext = createContext<Notify>(() => {});

export function useToast(): Notify {
  return useContext(ToastContext);
}

export const toastDisplayMs = 6_000;
/** More at once would cover the page; the oldest gives way. */
const maxShown = 3;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<ToastItem[]>([]);
  const nextId = useRef(1);
  const notify = useCallback<Notify>((tone, message) => {
    const id = nextId.current++;
    // Closed notices stay mounted until the next one so their exit animation can finish.
    setToasts((all) => [...all.filter((t) => t.open).slice(1 - maxShown), { id, tone, message, open: true }]);
  }, []);
  const close = useCallback((id: number) => {
    setToasts((all) => all.map((t) => (t.id === id ? { ...t, open: false } : t)));
  }, []);
  return (
    <ToastContext.Provider value={notify}>
      <RadixToast.Provider duration={toastDisplayMs} swipeDirection="right">
        {children}
        {toasts.map((toast) => (
          <ToastCard key={toast.id} toast={toast} onClose={close} />
        ))}
        <RadixToast.Viewport className="fixed inset-x-0 bottom-0 z-[60] m-0 flex list-none flex-col items-center gap-2 p-4 outline-none sm:left-auto sm:w-[26rem] sm:items-stretch" />
      </RadixToast.Provider>
    </ToastContext.Provider>
  );
}

/** Slides in, fades out, follows a swipe to the right; still where the user asks for less motion. */
const motion =
  'motion-safe:data-[state=open]:animate-toast-in motion-safe:data-[state=closed]:animate-toast-out data-[swipe=move]:translate-x-(--radix-toast-swipe-move-x) data-[swipe=cancel]:translate-x-0 motion-safe:data-[swipe=cancel]:transition-transform motion-safe:data-[swipe=end]:animate-toast-swipe-out';

function ToastCard({ toast, onClose }: { toast: ToastItem; onClose(id: number): void }) {
  const tone =
    toast.tone === 'success'
      ? 'border-emerald-200 bg-white text-slate-800'
      : 'border-red-200 bg-red-50 text-red-900';
  return (
    <RadixToast.Root
      open={toast.open}
      onOpenChange={(open) => {
        if (!open) onClose(toast.id);
      }}
      type={toast.tone === 'error' ? 'foreground' : 'background'}
      className={`flex w-full max-w-sm items-start gap-3 rounded-xl border px-4 py-3 text-sm shadow-lg sm:max-w-none ${tone} ${motion}`}
    >
      <span
        aria-hidden="true"
        className={`mt-1.5 size-2 shrink-0 rounded-full ${toast.tone === 'success' ? 'bg-emerald-500' : 'bg-red-600'}`}
      />
      <RadixToast.Description className="flex-1">{toast.message}</RadixToast.Description>
      <RadixToast.Close
        className="rounded px-1 text-slate-500 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-600"
        aria-label="Dismiss"
      >
        <span aria-hidden="true">×</span>
      </RadixToast.Close>
    </RadixToast.Root>
  );
}
