/**
 * Radix Tabs with Keel's look: arrow keys move between tabs, Tab moves into the panel, and each panel is
 * labelled by its tab.
 */
import * as RadixTabs from '@radix-ui/react-tabs';
import type { ComponentProps, ReactNode } from 'react';

export const Tabs = RadixTabs.Root;

export function TabsList({ label, children }: { label: string; children: ReactNode }) {
  return (
    <RadixTabs.List aria-label={label} className="flex gap-1 overflow-x-auto border-b border-slate-200">
      {children}
    </RadixTabs.List>
  );
}

export function TabsTrigger({ value, children }: { value: string; children: ReactNode }) {
  return (
    <RadixTabs.Trigger
      value={value}
      className="-mb-px border-b-2 border-transparent px-3 py-2 text-sm font-medium whitespace-nowrap text-slate-600 hover:text-slate-900 focus-visible:rounded-t-md focus-visible:outline-2 focus-visible:outline-sky-600 data-[state=active]:border-slate-900 data-[state=active]:text-slate-900"
    >
      {children}
    </RadixTabs.Trigger>
  );
}

export function TabsContent({ className = '', ...props }: ComponentProps<typeof RadixTabs.Content>) {
  return (
    <RadixTabs.Content
      className={`pt-6 focus-visible:rounded-md focus-visible:outline-2 focus-visible:outline-offset-4 focus-visible:outline-sky-600 ${className}`}
      {...props}
    />
  );
}
