/**
 * Radix Tooltip with Keel's look: a short label shown on hover and on keyboard focus, dismissed with
 * Escape, and read out as the description of the element it belongs to. For words a control needs to be
 * understood, not for anything that must be read to use the page.
 */
import * as RadixTooltip from '@radix-ui/react-tooltip';
import type { ReactElement, ReactNode } from 'react';

export function Tooltip({
  content,
  children,
  side = 'top',
}: {
  content: ReactNode;
  /** One focusable element, e.g. a button; it receives the tooltip's trigger props. */
  children: ReactElement;
  side?: 'top' | 'right' | 'bottom' | 'left';
}) {
  return (
    <RadixTooltip.Provider delayDuration={300}>
      <RadixTooltip.Root>
        <RadixTooltip.Trigger asChild>{children}</RadixTooltip.Trigger>
        <RadixTooltip.Portal>
          <RadixTooltip.Content
            side={side}
            sideOffset={6}
            collisionPadding={8}
            className="z-[70] max-w-64 rounded-md bg-slate-900 px-2 py-1 text-xs text-white shadow-md motion-safe:animate-pop-in"
          >
            {content}
            <RadixTooltip.Arrow className="fill-slate-900" />
          </RadixTooltip.Content>
        </RadixTooltip.Portal>
      </RadixTooltip.Root>
    </RadixTooltip.Provider>
  );
}
