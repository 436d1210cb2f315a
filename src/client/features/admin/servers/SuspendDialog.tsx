import { useMutation } from '@tanstack/react-query';
import { useRef, useState, type ReactNode } from 'react';
import { ConfirmDialog } from '../../../components/ConfirmDialog.tsx';
import { Field, inputClass } from '../../../components/Field.tsx';
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
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const reasonInput = useRef<HTMLTextAreaElement>(null);
  const suspend = useMutation(trpc.admin.servers.action.mutationOptions());

  function reasonGiven() {
    if (reason.trim()) return true;
    setMissing(true);
    reasonInput.current?.focus();
    return false;
  }

  return (
    <ConfirmDialog
      title={`Suspend ${server.name}?`}
      description="Its VM is stopped and the customer can only look at it until you unsuspend it. They see the reason you give here."
      confirmLabel="Suspend server"
      trigger={trigger}
      initialFocus={reasonInput}
      noValidate
      validate={reasonGiven}
      onOpenChange={(next) => {
        if (next) return;
        setReason('');
        setMissing(false);
      }}
      errorMessage={(err) => {
        const described = describeError(err);
        return described.fields.reason ? `Reason ${described.fields.reason}` : described.message;
      }}
      onConfirm={async () => {
        store(await suspend.mutateAsync({ id: server.id, action: 'suspend', reason: reason.trim() }));
        notify('success', `${server.name} is suspended.`);
      }}
    >
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
    </ConfirmDialog>
  );
}
