import {
  cloneElement,
  lazy,
  Suspense,
  useEffect,
  useRef,
  useState,
  type ButtonHTMLAttributes,
  type ReactElement,
  type Ref,
} from 'react';
import { OrderFormSkeleton } from './OrderFormSkeleton.tsx';

/**
 * The dialog and the order form in it are chunks of their own: the form checks names and keys with the
 * API's schemas, and the validation library they are written in, with the dialog's focus trapping and
 * scroll locking, would otherwise be a large part of the customer's first download. Both are fetched as
 * the pointer or focus reaches the button, so the click rarely waits for them.
 */
const loadDialog = () => import('../../../components/Dialog.tsx');
const loadOrderForm = () => import('./OrderForm.tsx');
const Dialog = lazy(() => loadDialog().then((m) => ({ default: m.Dialog })));
const CreateServerForm = lazy(() => loadOrderForm().then((m) => ({ default: m.CreateServerForm })));

type TriggerProps = ButtonHTMLAttributes<HTMLButtonElement> & { ref?: Ref<HTMLButtonElement> };

export function CreateServerDialog({ trigger }: { trigger: ReactElement<TriggerProps> }) {
  const [open, setOpen] = useState(false);
  const [mounted, setMounted] = useState(false);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);

  useEffect(() => {
    // The dialog does not own its trigger, so focus goes back to the button by hand.
    if (wasOpen.current && !open) triggerRef.current?.focus();
    wasOpen.current = open;
  }, [open]);

  const preload = () => {
    void loadDialog();
    void loadOrderForm();
  };

  return (
    <>
      {cloneElement(trigger, {
        ref: triggerRef,
        'aria-haspopup': 'dialog',
        'aria-expanded': open,
        onPointerEnter: preload,
        onFocus: preload,
        onClick: () => {
          setMounted(true);
          setOpen(true);
        },
      })}
      {mounted && (
        <Suspense fallback={null}>
          <Dialog open={open} onOpenChange={setOpen} title="Create a server" width="lg">
            {open && (
              <Suspense fallback={<OrderFormSkeleton />}>
                <CreateServerForm onDone={() => setOpen(false)} />
              </Suspense>
            )}
          </Dialog>
        </Suspense>
      )}
    </>
  );
}
