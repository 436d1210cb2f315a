import type { ReactNode } from 'react';
import { AlertDialogCancel } from './AlertDialog.tsx';
import { Button } from './Button.tsx';
import { DialogClose } from './Dialog.tsx';
import { FormNotice } from './FormNotice.tsx';
import { Spinner } from './Spinner.tsx';

/** Cancel below the submit button on phones, beside it on the right above. */
const stackedRow = 'flex flex-col-reverse gap-2 sm:flex-row sm:justify-end';

/**
 * The foot of a form in a dialog: the form's own error (not about one field), announced when it appears,
 * then Cancel, which closes the dialog, and the submit button, with a spinner while the request runs.
 * `within` names the dialog, because an alert dialog closes through its own Cancel.
 */
export function DialogActions({
  within,
  label,
  pending,
  disabled = false,
  tone = 'primary',
  error,
  ruled = false,
  className = stackedRow,
}: {
  within: 'dialog' | 'alert-dialog';
  label: ReactNode;
  pending: boolean;
  /** Off for another reason than a request under way (nothing chosen yet, the name not typed). */
  disabled?: boolean;
  tone?: 'primary' | 'danger';
  error?: string | null | undefined;
  /** A hairline above the buttons, setting them apart from a form of several fields. */
  ruled?: boolean;
  className?: string;
}) {
  const Cancel = within === 'alert-dialog' ? AlertDialogCancel : DialogClose;
  return (
    <>
      <FormNotice tone="error">{error}</FormNotice>
      <div className={ruled ? `${className} border-t border-slate-100 pt-4` : className}>
        <Cancel asChild>
          <Button variant="secondary">Cancel</Button>
        </Cancel>
        <Button type="submit" variant={tone} disabled={pending || disabled}>
          {pending && <Spinner />}
          {label}
        </Button>
      </div>
    </>
  );
}

/** The one button under something shown once (a secret): Done, which closes the dialog. */
export function DialogDoneAction() {
  return (
    <div className="flex justify-end">
      <DialogClose asChild>
        <Button>Done</Button>
      </DialogClose>
    </div>
  );
}
