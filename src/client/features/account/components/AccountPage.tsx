/**
 * The signed-in person's own account. It holds what the API offers today — the profile, read-only —
 * and gains a tab for changing the password and one for API tokens as the account API grows them.
 */
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { LoadError } from '../../../components/LoadError.tsx';
import { Skeleton } from '../../../components/Skeleton.tsx';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../../components/Tabs.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { SecuritySection } from './SecuritySection.tsx';

const roleLabels = { customer: 'Customer', admin: 'Administrator' } as const;

export function AccountPage() {
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Account</h1>
        <p className="mt-1 text-sm text-slate-600">Who you are signed in as.</p>
        <Link
          to="/account/ssh-keys"
          className="mt-2 inline-block text-sm text-sky-700 underline hover:text-sky-900"
        >
          SSH keys
        </Link>
      </div>
      <Tabs defaultValue="profile">
        <TabsList label="Account">
          <TabsTrigger value="profile">Profile</TabsTrigger>
          <TabsTrigger value="security">Security</TabsTrigger>
        </TabsList>
        <TabsContent value="profile">
          <Profile />
        </TabsContent>
        <TabsContent value="security">
          <SecuritySection />
        </TabsContent>
      </Tabs>
    </div>
  );
}

function Profile() {
  const trpc = useTRPC();
  const me = useQuery(trpc.users.me.queryOptions());
  if (me.isPending) {
    return (
      <div aria-busy="true" aria-label="Loading your profile" className="max-w-xl space-y-3">
        <Skeleton className="h-5 w-48" />
        <Skeleton className="h-5 w-64" />
      </div>
    );
  }
  if (me.isError) {
    return (
      <LoadError
        title="Your profile could not be loaded."
        error={me.error}
        onRetry={() => void me.refetch()}
      />
    );
  }
  const { user } = me.data;
  return (
    <section
      aria-labelledby="profile-title"
      className="max-w-xl rounded-2xl border border-slate-200 bg-white p-5 shadow-xs"
    >
      <h2 id="profile-title" className="text-sm font-semibold text-slate-900">
        Profile
      </h2>
      <dl className="mt-4 grid gap-4 text-sm sm:grid-cols-2">
        <Detail label="Name">{user.name || <span className="text-slate-500">Not given</span>}</Detail>
        <Detail label="Email">{user.email}</Detail>
        <Detail label="Role">{roleLabels[user.role]}</Detail>
      </dl>
      <p className="mt-5 text-xs text-slate-500">To change your name or email address, ask your provider.</p>
    </section>
  );
}

function Detail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="mt-1 break-words text-slate-900">{children}</dd>
    </div>
  );
}
