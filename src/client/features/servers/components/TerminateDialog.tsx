import { useMutation } from '@tanstack/react-query';
import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { Server } from '../../../../shared/api.ts';
import { Button } from '../../../components/Button.tsx';
import { AlertDialog, AlertDialogCancel } from '../../../components/AlertDialog.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { TypedNameConfirm, typedNameMatches } from '../../../components/TypedNameConfirm.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { useStoreServer } from '../hooks/useServers.ts';

/**
 * Termination destroys the server and its disk, so the customer types its name to confirm, in an alert
 * dialog that a stray click outside cannot dismiss.
 */
export function TerminateDialog({ server, trigger }: { server: Server; trigger: ReactNode }) {
  const [open, setOpen] = useState(false);
  const trpc = useTRPC();
  const notify = useToast();
  const storeServer = useStoreServer();
  const [typed, setTyped] = useState('');
  const confirmInput = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | null>(null);
  const terminate = useMutation(trpc.servers.terminate.mutationOptions());
  const confirmed = typedNameMatches(typed, server.name);

  function close(next: boolean) {
    if (!next) {
      setTyped('');
      setError(null);
    }
    setOpen(next);
  }

  async function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (!confirmed || terminate.isPending) return;
    setError(null);
    try {
      const result = await terminate.mutateAsync({ id: server.id });
      storeServer(result.server);
      notify('success', `${server.name} is being terminated.`);
      close(false);
    } catch (err) {
      setError(describeError(err).message);
    }
  }

  return (
    <AlertDialog
      open={open}
      onOpenChange={close}
      title={`Terminate ${server.name}?`}
      description="The server and everything on its disk will be deleted for good. Its IP address goes back to the pool. This cannot be undone."
      trigger={trigger}
      initialFocus={confirmInput}
    >
      <form onSubmit={handleSubmit} className="space-y-4">
        <TypedNameConfirm name={server.name} value={typed} onChange={setTyped} inputRef={confirmInput} />
        {error && (
          <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
            {error}
          </p>
        )}
        <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
          <AlertDialogCancel asChild>
            <Button variant="secondary">Cancel</Button>
          </AlertDialogCancel>
          <Button type="submit" variant="danger" disabled={!confirmed || terminate.isPending}>
            {terminate.isPending && <Spinner />}
            Terminate server
          </Button>
        </div>
      </form>
    </AlertDialog>
  );
}
