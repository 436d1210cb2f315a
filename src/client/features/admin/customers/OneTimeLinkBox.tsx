/** A one-time link (set or reset a password) to hand to its owner: shown once, with a copy button. */
import type { OneTimeLink } from '../../../../shared/users.ts';
import { CopyButton } from '../../../components/CopyButton.tsx';
import { expiresText } from './customer-format.ts';

export function OneTimeLinkBox({ link, label, intro }: { link: OneTimeLink; label: string; intro: string }) {
  return (
    <div
      role="status"
      className="space-y-2 rounded-xl border border-amber-200 bg-amber-50 p-4 text-sm text-amber-950"
    >
      <p className="font-medium">{intro}</p>
      <div className="flex items-center gap-1 rounded-lg border border-amber-200 bg-white px-3 py-2">
        <code aria-label={label} className="min-w-0 flex-1 font-mono text-xs break-all text-slate-900">
          {link.url}
        </code>
        <CopyButton value={link.url} label={`Copy ${label.toLowerCase()}`} />
      </div>
      <p className="text-xs">
        {expiresText(link.expiresAt, new Date())} Keel shows it only now; send it to the customer yourself.
      </p>
    </div>
  );
}
