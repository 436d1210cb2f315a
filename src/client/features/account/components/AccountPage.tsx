/**
 * The signed-in person's own account, one tab per section. The sections are handed in (the app puts
 * together its own and those of other features, such as two-factor security or SSH keys), so adding a
 * tab is one entry in that list, and the chosen tab is in the address (`/account?tab=tokens`).
 */
import { Link } from '@tanstack/react-router';
import type { ComponentType } from 'react';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../../components/Tabs.tsx';

export interface AccountSection {
  /** In the address: `/account?tab=<value>`. */
  value: string;
  label: string;
  Component: ComponentType;
}

export interface AccountPageProps {
  sections: readonly AccountSection[];
  /** The tab in the address, if any; an unknown one shows the first. */
  tab: string | undefined;
  onTabChange(tab: string): void;
}

export function AccountPage({ sections, tab, onTabChange }: AccountPageProps) {
  const active = sections.some((s) => s.value === tab) ? tab! : sections[0]!.value;
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Account</h1>
        <p className="mt-1 text-sm text-slate-600">Your profile, your password and your API tokens.</p>
        <Link
          to="/account/ssh-keys"
          className="mt-2 inline-block text-sm text-sky-700 underline hover:text-sky-900"
        >
          SSH keys
        </Link>
      </div>
      <Tabs value={active} onValueChange={onTabChange}>
        <TabsList label="Account">
          {sections.map((section) => (
            <TabsTrigger key={section.value} value={section.value}>
              {section.label}
            </TabsTrigger>
          ))}
        </TabsList>
        {sections.map(({ value, Component }) => (
          <TabsContent key={value} value={value}>
            <Component />
          </TabsContent>
        ))}
      </Tabs>
    </div>
  );
}
