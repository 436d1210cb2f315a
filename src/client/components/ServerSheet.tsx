/**
 * The pieces a server's page is built from, on the customer's side and in the console alike: the name
 * with its status, why it is in that status, cards of details, and the details' common values. Meant to
 * be imported whole: `import * as Sheet from '…/ServerSheet.tsx'`, then `<Sheet.Card>`.
 */
import type { ReactNode } from 'react';
import type { ServerStatus } from '../../shared/server-status.ts';
import { CopyButton } from './CopyButton.tsx';
import { StatusBadge } from './StatusBadge.tsx';

/** The look of a page's "← All …" link. */
export const backLinkClass =
  'inline-flex items-center gap-1 text-sm text-slate-600 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-600';

/** The page's heading: the server's name and status, a line under it, its actions to the side. */
export function Heading({
  name,
  status,
  level,
  subtitle,
  actions,
}: {
  name: string;
  status: ServerStatus;
  /** h1 on a page of its own, h2 under the console's heading. */
  level: 'h1' | 'h2';
  subtitle: ReactNode;
  actions: ReactNode;
}) {
  const Heading = level;
  return (
    <header className="flex flex-col gap-4 lg:flex-row lg:items-start lg:justify-between">
      <div className="min-w-0">
        <div className="flex flex-wrap items-center gap-3">
          <Heading
            className={`truncate ${level === 'h1' ? 'text-2xl' : 'text-xl'} font-semibold tracking-tight text-slate-900`}
          >
            {name}
          </Heading>
          <StatusBadge status={status} />
        </div>
        <p className="mt-1 text-sm text-slate-600">{subtitle}</p>
      </div>
      {status !== 'terminated' && actions}
    </header>
  );
}

/** Why the server is in its status (a failure in red, anything else in amber); nothing without a reason. */
export function ReasonNote({ status, reason }: { status: ServerStatus; reason: string | null }) {
  if (!reason) return null;
  return (
    <p
      role="status"
      className={`rounded-xl px-4 py-3 text-sm ${status === 'error' ? 'bg-red-50 text-red-900' : 'bg-amber-50 text-amber-900'}`}
    >
      {reason}
    </p>
  );
}

/** The status reason as one line under a list's status badge, cut short with the whole on hover. */
export function ReasonLine({ reason }: { reason: string | null }) {
  if (!reason) return null;
  return (
    <div className="mt-1 max-w-56 truncate text-xs text-slate-500" title={reason}>
      {reason}
    </div>
  );
}

/** A card of details or events. */
export { TitledCard as Card } from './TitledCard.tsx';

/** The details as a grid of labelled values. */
export function Details({ children }: { children: ReactNode }) {
  return <dl className="mt-4 grid grid-cols-2 gap-x-6 gap-y-4 text-sm sm:grid-cols-3">{children}</dl>;
}

export function Detail({
  label,
  children,
  gap = 'mt-1',
}: {
  label: string;
  children: ReactNode;
  /** Between the label and the value. */
  gap?: 'mt-1' | 'mt-0.5';
}) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className={`${gap} text-slate-900`}>{children}</dd>
    </div>
  );
}

/** The address in monospace with a button that copies it. */
export function IpAddress({ address }: { address: string }) {
  return (
    <span className="inline-flex items-center gap-1 font-mono text-[13px]">
      {address}
      <CopyButton value={address} label="Copy IP address" />
    </span>
  );
}

/** A long id on one line, cut short with the whole on hover. */
export function ServerId({ id }: { id: string }) {
  return (
    <span className="block truncate font-mono text-xs text-slate-600" title={id}>
      {id}
    </span>
  );
}
