/**
 * Radix DropdownMenu with Keel's look: opened by click, Enter, Space or the down arrow; arrows and typed
 * letters move through the items; Escape closes it and focus returns to the button that opened it.
 */
import * as RadixMenu from '@radix-ui/react-dropdown-menu';
import type { ReactNode } from 'react';

export const DropdownMenu = RadixMenu.Root;
export const DropdownMenuTrigger = RadixMenu.Trigger;

export function DropdownMenuContent({
  children,
  align = 'end',
}: {
  children: ReactNode;
  align?: 'start' | 'center' | 'end';
}) {
  return (
    <RadixMenu.Portal>
      <RadixMenu.Content
        align={align}
        sideOffset={6}
        className="z-[70] min-w-48 rounded-lg border border-slate-200 bg-white p-1 text-sm shadow-lg motion-safe:animate-pop-in"
      >
        {children}
      </RadixMenu.Content>
    </RadixMenu.Portal>
  );
}

export function DropdownMenuItem({
  children,
  onSelect,
  disabled,
  tone = 'default',
}: {
  children: ReactNode;
  onSelect(): void;
  disabled?: boolean;
  tone?: 'default' | 'danger';
}) {
  return (
    <RadixMenu.Item
      onSelect={onSelect}
      disabled={disabled}
      className={`flex cursor-default items-center gap-2 rounded-md px-2.5 py-1.5 outline-none select-none data-disabled:opacity-45 data-highlighted:bg-slate-100 ${tone === 'danger' ? 'text-red-700 data-highlighted:bg-red-50' : 'text-slate-800'}`}
    >
      {children}
    </RadixMenu.Item>
  );
}

export function DropdownMenuLabel({ children }: { children: ReactNode }) {
  return <RadixMenu.Label className="px-2.5 py-1.5 text-xs text-slate-500">{children}</RadixMenu.Label>;
}

export function DropdownMenuSeparator() {
  return <RadixMenu.Separator className="my-1 h-px bg-slate-100" />;
}
