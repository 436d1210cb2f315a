/**
 * Radix AlertDialog with Keel's look, for confirming what cannot be undone. Screen readers announce it
 * as an alert; a click outside does not dismiss it; Escape or Cancel backs out and focus returns to the
 * element that opened it.
 */
import * as RadixAlertDialog from '@radix-ui/react-alert-dialog';
import type { ReactNode, RefObject } from 'react';
import { contentClass, descriptionClass, overlayClass, titleClass } from './dialog-styles.ts';

export interface AlertDialogProps {
  open: boolean;
  onOpenChange(open: boolean): void;
  title: string;
  description: ReactNode;
  /** The body and the buttons; one of them should be `AlertDialogCancel`. */
  children: ReactNode;
  /** The button that opens the dialog; focus returns to it on closing. */
  trigger: ReactNode;
  /** Where focus goes on opening; by default the Cancel button, the safe choice. */
  initialFocus?: RefObject<HTMLElement | null>;
}

export function AlertDialog({ trigger, initialFocus, children, ...sheet }: AlertDialogProps) {
  return (
    <RadixAlertDialog.Root open={sheet.open} onOpenChange={sheet.onOpenChange}>
      <RadixAlertDialog.Trigger asChild>{trigger}</RadixAlertDialog.Trigger>
      <RadixAlertDialog.Portal>
        <RadixAlertDialog.Overlay className={overlayClass} />
        <RadixAlertDialog.Content
          className={contentClass('md')}
          onOpenAutoFocus={(event) => {
            if (!initialFocus?.current) return;
            event.preventDefault();
            initialFocus.current.focus();
          }}
        >
          <RadixAlertDialog.Title className={titleClass}>{sheet.title}</RadixAlertDialog.Title>
          <RadixAlertDialog.Description className={descriptionClass}>
            {sheet.description}
          </RadixAlertDialog.Description>
          <div className="mt-5">{children}</div>
        </RadixAlertDialog.Content>
      </RadixAlertDialog.Portal>
    </RadixAlertDialog.Root>
  );
}

export const AlertDialogCancel = RadixAlertDialog.Cancel;
