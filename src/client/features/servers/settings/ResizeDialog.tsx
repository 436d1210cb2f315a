import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import type { Server } from '../../../../shared/api.ts';
import { Dialog } from '../../../components/Dialog.tsx';
import { DialogActions } from '../../../components/DialogActions.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { useStoreServer } from '../hooks/useServers.ts';
import { PlanChoice } from '../components/PlanChoice.tsx';
import { formatMemory } from '../lib/format.ts';
import { biggerPlans } from '../lib/self-service.ts';

/** A move to a bigger plan: only the plans at least as big in every figure are offered. */
export function ResizeDialog({ server, trigger }: { server: Server; trigger: ReactNode }) {
  const [open, setOpen] = useState(false);
  const trpc = useTRPC();
  const notify = useToast();
  const storeServer = useStoreServer();
  const catalog = useQuery({ ...trpc.catalog.get.queryOptions(), enabled: open });
  const resize = useMutation(trpc.servers.resize.mutationOptions());
  const [planId, setPlanId] = useState('');
  const [error, setError] = useState<string | null>(null);
  const offered = catalog.data ? biggerPlans(server, catalog.data.plans) : [];
  const target = offered.find((p) => p.id === planId);

  function close(next: boolean) {
    if (!next) {
      setPlanId('');
      setError(null);
    }
    setOpen(next);
  }

  async function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (!target || resize.isPending) return;
    setError(null);
    try {
      const result = await resize.mutateAsync({ id: server.id, planId: target.id });
      storeServer(result.server);
      notify('success', `${server.name} is moving to ${target.name}.`);
      close(false);
    } catch (err) {
      setError(describeError(err).message);
    }
  }

  return (
    <Dialog
      open={open}
      onOpenChange={close}
      trigger={trigger}
      width="lg"
      title={`Resize ${server.name}`}
      description="Only bigger plans are offered: a disk only grows and can never shrink back. More cores or memory take effect with a reboot when the server is running."
    >
      {catalog.isPending && <p className="text-sm text-slate-500">Loading the plans…</p>}
      {catalog.isError && (
        <p role="alert" className="text-sm text-red-700">
          The plans could not be loaded. {describeError(catalog.error).message}
        </p>
      )}
      {catalog.data && offered.length === 0 && (
        <p className="text-sm text-slate-600">There is no bigger plan to move this server to.</p>
      )}
      {offered.length > 0 && (
        <form onSubmit={handleSubmit} className="space-y-4">
          <fieldset>
            <legend className="text-sm font-medium text-slate-800">
              Now: {server.cpuCores} vCPU · {formatMemory(server.memoryMb)} · {server.diskGb} GB
            </legend>
            <PlanChoice plans={offered} group="resize-plan" selected={planId} onSelect={setPlanId} />
          </fieldset>
          {target && target.diskGb > server.diskGb && (
            <p className="text-sm text-amber-800">
              The disk grows from {server.diskGb} GB to {target.diskGb} GB; the file system inside may need
              growing too. Moving back to a smaller plan will not be possible.
            </p>
          )}
          <DialogActions
            within="dialog"
            label={target ? `Resize to ${target.name}` : 'Choose a plan'}
            pending={resize.isPending}
            disabled={!target}
            error={error}
          />
        </form>
      )}
    </Dialog>
  );
}
