import { lazy, Suspense, useState, type ReactNode } from 'react';
import { Dialog } from '../../../components/Dialog.tsx';
import { OrderFormSkeleton } from './OrderFormSkeleton.tsx';

/**
 * The order form is a chunk of its own: it checks names and keys with the API's schemas, and the
 * validation library they are written in would otherwise be the largest part of the customer's first
 * download. It is fetched as the pointer or focus reaches the button, so the click rarely waits for it.
 */
const loadOrderForm = () => import('./OrderForm.tsx');
const CreateServerForm = lazy(() => loadOrderForm().then((m) => ({ default: m.CreateServerForm })));

export function CreateServerDialog({ trigger }: { trigger: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog
      open={open}
      onOpenChange={setOpen}
      trigger={trigger}
      onTriggerIntent={() => void loadOrderForm()}
      title="Create a server"
      width="lg"
    >
      {open && (
        <Suspense fallback={<OrderFormSkeleton />}>
          <CreateServerForm onDone={() => setOpen(false)} />
        </Suspense>
      )}
    </Dialog>
  );
}
