/**
 * Confirmation for an action that is hard to take back (delete, terminate, suspend): an alert dialog that a
 * stray click outside cannot dismiss, focus on Cancel, the API's refusal shown inside it. Where the user
 * types the name of what is destroyed (`typedName`), focus starts in that field and the button waits for it.
 */
import { useRef, useState, type FormEvent, type ReactNode, type RefObject } from 'react';
import { describeError } from '../lib/errors.ts';
import { AlertDialog } from './AlertDialog.tsx';
import { DialogActions } from './DialogActions.tsx';
import { TypedNameConfirm, typedNameMatches } from './TypedNameConfirm.tsx';

export interface ConfirmDialogProps {
  title: string;
  description: ReactNode;
  confirmLabel: string;
  trigger: ReactNode;
  /** Resolves when done; a rejection keeps the dialog open with the reason. */
  onConfirm(): Promise<unknown>;
  tone?: 'danger' | 'primary';
  /** Extra inputs (a reason) above the buttons. */
  children?: ReactNode;
  /** The name to type before the button works, with the API's objection to it, if any. */
  typedName?: { name: string; error?: string | undefined };
  /** Checks the extra inputs first; false sends nothing and leaves the dialog as it is. */
  validate?(): boolean;
  /** The words for a rejection, by default the API's message; null when the fields show it instead. */
  errorMessage?(error: unknown): string | null;
  /** Told of each opening and closing, e.g. to empty the extra inputs on closing. */
  onOpenChange?(open: boolean): void;
  /** Where focus goes on opening, when not Cancel (or the name to type). */
  initialFocus?: RefObject<HTMLElement | null>;
  /** Leaves checking the extra inputs to `validate` instead of the browser. */
  noValidate?: boolean;
}

function apiMessage(error: unknown): string {
  return describeError(error).message;
}

export function ConfirmDialog({
  confirmLabel,
  onConfirm,
  tone = 'danger',
  children,
  typedName,
  validate,
  errorMessage = apiMessage,
  onOpenChange,
  initialFocus,
  noValidate,
  ...sheet
}: ConfirmDialogProps) {
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [typed, setTyped] = useState('');
  const typedInput = useRef<HTMLInputElement>(null);
  const confirmed = !typedName || typedNameMatches(typed, typedName.name);

  function change(next: boolean) {
    if (!next) {
      setError(null);
      setTyped('');
    }
    setOpen(next);
    onOpenChange?.(next);
  }

  async function confirm(event: FormEvent) {
    event.preventDefault();
    if (pending || !confirmed) return;
    if (validate && !validate()) return;
    setPending(true);
    setError(null);
    try {
      await onConfirm();
      change(false);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setPending(false);
    }
  }

  return (
    <AlertDialog
      {...sheet}
      open={open}
      onOpenChange={change}
      initialFocus={typedName ? typedInput : initialFocus}
    >
      <form onSubmit={confirm} noValidate={noValidate} className="space-y-4">
        {children}
        {typedName && (
          <TypedNameConfirm
            name={typedName.name}
            value={typed}
            onChange={setTyped}
            inputRef={typedInput}
            error={typedName.error}
          />
        )}
        <DialogActions
          within="alert-dialog"
          label={confirmLabel}
          pending={pending}
          disabled={!confirmed}
          tone={tone}
          error={error}
        />
      </form>
    </AlertDialog>
  );
}
