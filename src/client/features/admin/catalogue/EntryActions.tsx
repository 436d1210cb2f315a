/**
 * The row actions every catalogue entry shares: edit, retire (closed to new orders, kept for the servers
 * that use it) or reopen, and delete (refused by the API while anything uses the entry; it says what).
 */
import { useState, type ReactNode } from 'react';
import { Button } from '../../../components/Button.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { describeError } from '../../../lib/errors.ts';
import { ConfirmDialog } from '../../../components/ConfirmDialog.tsx';

export function EntryActions({
  kind,
  name,
  active,
  editDialog,
  onSetActive,
  onDelete,
}: {
  /** "plan", "image", … as in a sentence. */
  kind: string;
  name: string;
  /** Undefined for entries that cannot be retired (IP pools). */
  active?: boolean;
  editDialog: ReactNode;
  onSetActive?: (active: boolean) => Promise<unknown>;
  onDelete(): Promise<unknown>;
}) {
  const notify = useToast();
  const [switching, setSwitching] = useState(false);

  async function toggle() {
    if (!onSetActive || active === undefined) return;
    setSwitching(true);
    try {
      await onSetActive(!active);
      notify('success', active ? `${name} is retired: no new orders.` : `${name} is open to orders again.`);
    } catch (err) {
      notify('error', describeError(err).message);
    } finally {
      setSwitching(false);
    }
  }

  return (
    <div className="flex flex-wrap justify-end gap-1.5">
      {editDialog}
      {active !== undefined && onSetActive && (
        <Button
          variant="secondary"
          size="sm"
          onClick={() => void toggle()}
          disabled={switching}
          aria-label={`${active ? 'Retire' : 'Reopen'} ${kind} ${name}`}
        >
          {switching && <Spinner />}
          {active ? 'Retire' : 'Reopen'}
        </Button>
      )}
      <ConfirmDialog
        title={`Delete ${kind} ${name}?`}
        description={`The ${kind} is removed from the catalogue for good. Keel refuses while anything still uses it${active === undefined ? '' : '; retire it instead to close it to new orders'}.`}
        confirmLabel={`Delete ${kind}`}
        trigger={
          <Button
            variant="ghost"
            size="sm"
            aria-label={`Delete ${kind} ${name}`}
            className="text-red-700 hover:bg-red-50"
          >
            Delete
          </Button>
        }
        onConfirm={async () => {
          await onDelete();
          notify('success', `${name} is deleted.`);
        }}
      />
    </div>
  );
}
