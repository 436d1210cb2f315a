import { useMutation } from '@tanstack/react-query';
import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import { AlertDialog, AlertDialogCancel } from '../../../components/AlertDialog.tsx';
import { Button } from '../../../components/Button.tsx';
import { Field, inputClass } from '../../../components/Field.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { useStoreAdminServer } from './useAdminServers.ts';

export const suspendReasonMaxLength = 500;

/**
 * Suspending stops the customer's VM and leaves them only reading it, so the operator says why: the
 * reason is shown to the customer and kept in the audit log. The dialog refuses to send without one.
 */
export function SuspendDialog({
  server,
  trigger,
}: {
  server: { id: string; name: string };
  trigger: ReactNode;
}) {
  const trpc = useTRPC();
  const notify = useToast();
  const store = useStoreAdminServer();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reasonInput = useRef<HTMLTextAreaElement>(null);
  const suspend = useMutation(trpc.admin.servers.action.mutationOptions());

  function close(next: boolean) {
    if (!next) {
      setReason('');
      setMissing(false);
      setError(null);
    }
    setOpen(next);
  }

  async function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (suspend.isPending) return;
    const text = reason.trim();
    if (!text) {
      setMissing(true);
      reasonInput.current?.focus();
      return;
    }
    setError(null);
    try {
      const result = await suspend.mutateAsync({ id: server.id, action: 'suspend', reason: text });
      store(result);
      notify('success', `${server.name} is suspended.`);
      close(false);
    } catch (err) {
      const described = describeError(err);
      setError(described.fields.reason ? `Reason ${described.fields.reason}` : described.message);
    }
  }

  return (
    <AlertDialog
      open={open}
      onOpenChange={close}
      title={`Suspend ${server.name}?`}
      description="Its VM is stopped and the customer can only look at it until you unsuspend it. They see the reason you give here."
      trigger={trigger}
      initialFocus={reasonInput}
    >
      <form onSubmit={handleSubmit} className="space-y-4" noValidate>
        <Field
          label="Reason"
          hint="Shown to the customer and kept in the audit log."
          error={missing ? 'Give a reason: the customer is shown it.' : undefined}
        >
          {(props) => (
            <textarea
              {...props}
              ref={reasonInput}
              required
              rows={3}
              maxLength={suspendReasonMaxLength}
              value={reason}
              onChange={(e) => {
                setReason(e.target.value);
                if (e.target.value.trim()) setMissing(false);
              }}
              className={inputClass}
            />
          )}
        </Field>
        {error && (
          <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
            {error}
          </p>
        )}
        <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
          <AlertDialogCancel asChild>
            <Button variant="secondary">Cancel</Button>
          </AlertDialogCancel>
          <Button type="submit" variant="danger" disabled={suspend.isPending}>
            {suspend.isPending && <Spinner />}
            Suspend server
          </Button>
        </div>
      </form>
    </AlertDialog>
  );
}
