import { Button } from '../../../components/Button.tsx';
import { DialogClose } from '../../../components/Dialog.tsx';
import { Spinner } from '../../../components/Spinner.tsx';

/** Cancel and submit, as at the foot of every console dialog. */
export function FormButtons({ pending, label }: { pending: boolean; label: string }) {
  return (
    <div className="flex flex-col-reverse gap-2 border-t border-slate-100 pt-4 sm:flex-row sm:justify-end">
      <DialogClose asChild>
        <Button variant="secondary">Cancel</Button>
      </DialogClose>
      <Button type="submit" disabled={pending}>
        {pending && <Spinner />}
        {label}
      </Button>
    </div>
  );
}
