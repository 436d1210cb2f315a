/**
 * A dialog that owns its open state and, once its form is done, can show what came of it instead (a
 * secret or a link to copy, shown once); closing forgets that, so the next opening starts at the form.
 */
import { useState, type ReactNode } from 'react';
import { Dialog, type DialogProps } from './Dialog.tsx';

export function OutcomeDialog<T>({
  trigger,
  title,
  width = 'md',
  children,
}: {
  trigger: ReactNode;
  /** The title while the form shows (null) and once there is an outcome. */
  title(outcome: T | null): string;
  width?: DialogProps['width'];
  /** The form, or what came of it; `show` switches to the outcome, `close` closes the dialog. */
  children(outcome: T | null, show: (outcome: T) => void, close: () => void): ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const [outcome, setOutcome] = useState<T | null>(null);
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) setOutcome(null);
      }}
      trigger={trigger}
      title={title(outcome)}
      width={width}
    >
      {children(
        outcome,
        (next) => setOutcome(() => next),
        () => setOpen(false),
      )}
    </Dialog>
  );
}
