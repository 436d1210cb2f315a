import type { ReactNode } from 'react';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { useToast } from './Toast.tsx';

/**
 * Terminating deletes a server and everything on its disk, so whoever does it, customer or operator,
 * types the server's name to confirm, in an alert dialog that a stray click outside cannot dismiss.
 */
export function TerminateServerDialog({
  name,
  description,
  trigger,
  onTerminate,
}: {
  name: string;
  /** What is lost, said to whoever terminates. */
  description: string;
  trigger: ReactNode;
  /** Sends the request and keeps its answer; a rejection keeps the dialog open with the reason. */
  onTerminate(): Promise<unknown>;
}) {
  const notify = useToast();
  return (
    <ConfirmDialog
      title={`Terminate ${name}?`}
      description={description}
      confirmLabel="Terminate server"
      trigger={trigger}
      typedName={{ name }}
      onConfirm={async () => {
        await onTerminate();
        notify('success', `${name} is being terminated.`);
      }}
    />
  );
}
