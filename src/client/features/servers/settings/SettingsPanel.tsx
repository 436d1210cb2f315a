import type { ReactNode } from 'react';
import type { Server } from '../../../../shared/api.ts';
import { Button } from '../../../components/Button.tsx';
import { operationBlockedReason } from '../lib/self-service.ts';
import { ReinstallDialog } from './ReinstallDialog.tsx';
import { ResizeDialog } from './ResizeDialog.tsx';
import { RootPasswordDialog } from './RootPasswordDialog.tsx';

/**
 * The server's Settings tab: reinstall, root password and resize. A chunk of its own, loaded when the
 * tab opens. While the server cannot take them (busy, suspended) the buttons are off and say why; an
 * operation another tab started meanwhile comes back from the API as a 409 shown in the dialog.
 */
const settings = [
  {
    title: 'Reinstall',
    text: 'Build the server again from an image, erasing its disk. It keeps its IP address and plan.',
    Dialog: ReinstallDialog,
    label: 'Reinstall…',
    destructive: true,
  },
  {
    title: 'Root password',
    text: 'Set a new password for root. It is shown once; Keel keeps no copy.',
    Dialog: RootPasswordDialog,
    label: 'Reset root password…',
    destructive: false,
  },
  {
    title: 'Resize',
    text: 'Move to a bigger plan. The disk only grows, so there is no way back to a smaller plan.',
    Dialog: ResizeDialog,
    label: 'Resize…',
    destructive: false,
  },
];

export default function SettingsPanel({ server }: { server: Server }) {
  const blocked = operationBlockedReason(server.status);
  return (
    <div className="space-y-4">
      {blocked && (
        <p role="status" className="rounded-xl bg-amber-50 px-4 py-3 text-sm text-amber-900">
          {blocked}
        </p>
      )}
      {settings.map(({ title, text, Dialog, label, destructive }) => (
        <Setting
          key={title}
          title={title}
          text={text}
          action={
            <Dialog
              server={server}
              trigger={
                <Button
                  variant="secondary"
                  size="sm"
                  disabled={Boolean(blocked)}
                  className={destructive ? 'text-red-700' : ''}
                >
                  {label}
                </Button>
              }
            />
          }
        />
      ))}
    </div>
  );
}

function Setting({ title, text, action }: { title: string; text: string; action: ReactNode }) {
  const id = `setting-${title.toLowerCase().replace(/\s+/g, '-')}`;
  return (
    <section
      aria-labelledby={id}
      className="flex flex-col gap-3 rounded-2xl border border-slate-200 bg-white p-5 shadow-xs sm:flex-row sm:items-center sm:justify-between"
    >
      <div className="min-w-0">
        <h2 id={id} className="text-sm font-semibold text-slate-900">
          {title}
        </h2>
        <p className="mt-1 text-sm text-slate-600">{text}</p>
      </div>
      <div className="shrink-0">{action}</div>
    </section>
  );
}
