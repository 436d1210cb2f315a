import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { Server } from '../../../../shared/api.ts';
import { Button } from '../../../components/Button.tsx';
import { Dialog, DialogClose } from '../../../components/Dialog.tsx';
import { Field, inputClass } from '../../../components/Field.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { useStoreServer } from '../hooks/useServers.ts';

/** Termination destroys the server and its disk, so the customer types its name to confirm. */
export function TerminateDialog({
  server,
  open,
  onOpenChange,
}: {
  server: Server;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const trpc = useTRPC();
  const notify = useToast();
  const storeServer = useStoreServer();
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const terminate = useMutation(trpc.servers.terminate.mutationOptions());
  const confirmed = typed.trim() === server.name;

  function close(next: boolean) {
    if (!next) {
      setTyped('');
      setError(null);
    }
    onOpenChange(next);
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
    <Dialog
      open={open}
      onOpenChange={close}
      title={`Terminate ${server.name}?`}
      description="The server and everything on its disk will be deleted for good. Its IP address goes back to the pool. This cannot be undone."
    >
      <form onSubmit={handleSubmit} className="space-y-4">
        <Field label={`Type ${server.name} to confirm`}>
          {(props) => (
            <input
              {...props}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              autoComplete="off"
              autoCapitalize="off"
              spellCheck={false}
              className={`${inputClass} font-mono`}
            />
          )}
        </Field>
        {error && (
          <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
            {error}
          </p>
        )}
        <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
          <DialogClose asChild>
            <Button variant="secondary">Cancel</Button>
          </DialogClose>
          <Button type="submit" variant="danger" disabled={!confirmed || terminate.isPending}>
            {terminate.isPending && <Spinner />}
            Terminate server
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
