/**
 * Confirmation for an operator action that is hard to take back (delete, disable): an alert dialog that
 * a stray click outside cannot dismiss, focus on Cancel, the API's refusal shown inside it.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { AlertDialog, AlertDialogCancel } from '../../../components/AlertDialog.tsx';
import { Button } from '../../../components/Button.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { describeError } from '../../../lib/errors.ts';

export function ConfirmDialog({
  title,
  description,
  confirmLabel,
  trigger,
  onConfirm,
  tone = 'danger',
  children,
}: {
  title: string;
  description: ReactNode;
  confirmLabel: string;
  trigger: ReactNode;
  /** Resolves when done; a rejection keeps the dialog open with the reason. */
  onConfirm(): Promise<unknown>;
  tone?: 'danger' | 'primary';
  /** Extra inputs (a reason) above the buttons. */
  children?: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  function change(next: boolean) {
    if (!next) setError(null);
    setOpen(next);
  }

  async function confirm(event: FormEvent) {
    event.preventDefault();
    if (pending) return;
    setPending(true);
    setError(null);
    try {
      await onConfirm();
      setOpen(false);
    } catch (err) {
      setError(describeError(err).message);
    } finally {
      setPending(false);
    }
  }

  return (
    <AlertDialog open={open} onOpenChange={change} title={title} description={description} trigger={trigger}>
      <form onSubmit={confirm} className="space-y-4">
        {children}
        {error && (
          <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
            {error}
          </p>
        )}
        <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
          <AlertDialogCancel asChild>
            <Button variant="secondary">Cancel</Button>
          </AlertDialogCancel>
          <Button type="submit" variant={tone} disabled={pending}>
            {pending && <Spinner />}
            {confirmLabel}
          </Button>
        </div>
      </form>
    </AlertDialog>
  );
}
