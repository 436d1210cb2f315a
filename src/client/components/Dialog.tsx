/**
 * Radix Dialog with Keel's look. Radix traps focus inside, closes on Escape and returns focus to the
 * element that opened it.
 */
import * as RadixDialog from '@radix-ui/react-dialog';
import type { ReactNode } from 'react';
import { contentClass, descriptionClass, overlayClass, titleClass } from './dialog-styles.ts';

export interface DialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description?: ReactNode;
  children: ReactNode;
  /** The element that opens the dialog, if the dialog should own it. */
  trigger?: ReactNode;
  /** Called when the pointer reaches the trigger or focus lands on it: time to fetch what the dialog needs. */
  onTriggerIntent?: () => void;
  width?: 'md' | 'lg';
}

export function Dialog({
  open,
  onOpenChange,
  title,
  description,
  children,
  trigger,
  onTriggerIntent,
  width = 'md',
}: DialogProps) {
  return (
    <RadixDialog.Root open={open} onOpenChange={onOpenChange}>
      {trigger && (
        <RadixDialog.Trigger asChild onPointerEnter={onTriggerIntent} onFocus={onTriggerIntent}>
          {trigger}
        </RadixDialog.Trigger>
      )}
      <RadixDialog.Portal>
        <RadixDialog.Overlay className={overlayClass} />
        <RadixDialog.Content
          className={contentClass(width)}
          {...(description ? {} : { 'aria-describedby': undefined })}
        >
          <RadixDialog.Title className={titleClass}>{title}</RadixDialog.Title>
          {description && (
            <RadixDialog.Description className={descriptionClass}>{description}</RadixDialog.Description>
          )}
          <div className="mt-5">{children}</div>
          <RadixDialog.Close
            className="absolute top-4 right-4 rounded-md p-1 text-slate-500 hover:bg-slate-100 hover:text-slate-800 focus-visible:outline-2 focus-visible:outline-sky-600"
            aria-label="Close"
          >
            <svg viewBox="0 0 20 20" className="size-5" aria-hidden="true">
              <path d="M5 5l10 10M15 5L5 15" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
            </svg>
          </RadixDialog.Close>
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}

export const DialogClose = RadixDialog.Close;
