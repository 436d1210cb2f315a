import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { Server } from '../../../../shared/api.ts';
import { snapshotNameSchema, type Snapshot, type SnapshotList } from '../../../../shared/self-service.ts';
import { Button } from '../../../components/Button.tsx';
import { FormNotice } from '../../../components/FormNotice.tsx';
import { ConfirmDialog } from '../../../components/ConfirmDialog.tsx';
import { Field, inputClass } from '../../../components/Field.tsx';
import { LoadError } from '../../../components/LoadError.tsx';
import { Skeleton } from '../../../components/Skeleton.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { TitledCard } from '../../../components/TitledCard.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { useStoreServer } from '../hooks/useServers.ts';
import { formatAge } from '../lib/format.ts';
import { operationBlockedReason } from '../lib/self-service.ts';

const pendingLabels: Record<NonNullable<SnapshotList['pending']>, string> = {
  create: 'A snapshot is being taken…',
  rollback: 'The server is being rolled back…',
  delete: 'A snapshot is being deleted…',
};

/**
 * The server's Snapshots tab, a chunk of its own: the list with the plan's limit, taking one, rolling
 * back and deleting (both confirmed). It polls while a snapshot operation is under way.
 */
export default function SnapshotsPanel({ server }: { server: Server }) {
  const trpc = useTRPC();
  const list = useQuery({
    ...trpc.servers.snapshots.list.queryOptions({ id: server.id }),
    refetchInterval: (query) => (query.state.data?.pending ? 1500 : false),
  });
  const blocked = operationBlockedReason(server.status);

  if (list.isPending) {
    return (
      <div aria-busy="true" aria-label="Loading the snapshots" className="space-y-3">
        <Skeleton className="h-10" />
        <Skeleton className="h-24" />
      </div>
    );
  }
  if (list.isError) {
    return (
      <LoadError
        title="The snapshots could not be loaded."
        error={list.error}
        onRetry={() => void list.refetch()}
      />
    );
  }
  const { snapshots, limit, pending } = list.data;
  const busyReason = pending ? pendingLabels[pending] : null;
  const disabledReason = blocked ?? busyReason;
  return (
    <div className="space-y-4">
      {disabledReason && (
        <p role="status" className="rounded-xl bg-amber-50 px-4 py-3 text-sm text-amber-900">
          {pending && <Spinner />} {disabledReason}
        </p>
      )}
      <CreateSnapshotForm
        server={server}
        full={snapshots.length >= limit}
        limit={limit}
        disabled={Boolean(disabledReason)}
      />
      <section
        aria-labelledby="snapshots-title"
        className="rounded-2xl border border-slate-200 bg-white p-5 shadow-xs"
      >
        <div className="flex items-baseline justify-between gap-3">
          <h2 id="snapshots-title" className="text-sm font-semibold text-slate-900">
            Snapshots
          </h2>
          <p className="text-xs text-slate-500">
            {snapshots.length} of {limit} allowed by the plan
          </p>
        </div>
        {snapshots.length === 0 ? (
          <p className="mt-4 text-sm text-slate-500">No snapshots yet.</p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-100">
            {snapshots.map((snapshot) => (
              <SnapshotRow
                key={snapshot.name}
                server={server}
                snapshot={snapshot}
                disabled={Boolean(disabledReason) || !snapshot.complete}
              />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function useSnapshotDone(server: Server) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const storeServer = useStoreServer();
  return (updated: Server) => {
    storeServer(updated);
    void queryClient.invalidateQueries({
      queryKey: trpc.servers.snapshots.list.queryKey({ id: server.id }),
    });
  };
}

function CreateSnapshotForm({
  server,
  full,
  limit,
  disabled,
}: {
  server: Server;
  full: boolean;
  limit: number;
  disabled: boolean;
}) {
  const trpc = useTRPC();
  const notify = useToast();
  const done = useSnapshotDone(server);
  const create = useMutation(trpc.servers.snapshots.create.mutationOptions());
  const [name, setName] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [formError, setFormError] = useState<string | null>(null);

  async function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (create.isPending) return;
    setFormError(null);
    const checked = snapshotNameSchema.safeParse(name);
    if (!checked.success) {
      setFieldError(`Name ${checked.error.issues[0]?.message ?? 'is not valid'}.`);
      return;
    }
    setFieldError(undefined);
    try {
      const result = await create.mutateAsync({ id: server.id, name: checked.data });
      done(result.server);
      notify('success', `Snapshot ${checked.data} is being taken.`);
      setName('');
    } catch (err) {
      const { message, fields } = describeError(err);
      if (fields.name) setFieldError(`Name ${fields.name}.`);
      else setFormError(message);
    }
  }

  return (
    <TitledCard id="new-snapshot-title" title="Take a snapshot" heading="h2">
      <form
        onSubmit={handleSubmit}
        noValidate
        className="mt-3 flex flex-col gap-3 sm:flex-row sm:items-start"
      >
        <div className="min-w-0 flex-1">
          <Field
            label="Snapshot name"
            hint="Letters, digits, - and _, starting with a letter; e.g. before-upgrade."
            error={fieldError}
          >
            {(props) => (
              <input
                {...props}
                value={name}
                onChange={(e) => setName(e.target.value)}
                autoComplete="off"
                autoCapitalize="off"
                spellCheck={false}
                placeholder="before-upgrade"
                className={`${inputClass} font-mono`}
              />
            )}
          </Field>
        </div>
        <Button type="submit" className="sm:mt-7" disabled={disabled || full || create.isPending}>
          {create.isPending && <Spinner />}
          Take snapshot
        </Button>
      </form>
      {full && (
        <p className="mt-3 text-sm text-slate-600">
          The plan allows {limit} snapshot{limit === 1 ? '' : 's'} at once; delete one to take another.
        </p>
      )}
      <FormNotice tone="error" className="mt-3">
        {formError}
      </FormNotice>
    </TitledCard>
  );
}

function SnapshotRow({
  server,
  snapshot,
  disabled,
}: {
  server: Server;
  snapshot: Snapshot;
  disabled: boolean;
}) {
  return (
    <li className="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between">
      <div className="min-w-0">
        <p className="font-mono text-sm text-slate-900">{snapshot.name}</p>
        <p className="text-xs text-slate-500">
          {snapshot.createdAt ? (
            <time dateTime={snapshot.createdAt.toISOString()} title={snapshot.createdAt.toLocaleString()}>
              {formatAge(snapshot.createdAt, new Date())}
            </time>
          ) : (
            'Time unknown'
          )}
          {!snapshot.complete && ' · in progress'}
          {snapshot.description && ` · ${snapshot.description}`}
        </p>
      </div>
      <div className="flex gap-2">
        <ConfirmSnapshotAction server={server} snapshot={snapshot} kind="rollback" disabled={disabled} />
        <ConfirmSnapshotAction server={server} snapshot={snapshot} kind="delete" disabled={disabled} />
      </div>
    </li>
  );
}

const confirmTexts = {
  rollback: {
    button: 'Roll back',
    title: (name: string) => `Roll back to ${name}?`,
    description:
      'The server returns to the state of this snapshot. Everything written to its disk since is lost. A running server is stopped and started again.',
    confirm: 'Roll back',
    done: (name: string) => `Rolling back to ${name}.`,
  },
  delete: {
    button: 'Delete',
    title: (name: string) => `Delete snapshot ${name}?`,
    description: 'The snapshot is deleted for good; the server itself is not changed.',
    confirm: 'Delete snapshot',
    done: (name: string) => `Snapshot ${name} is being deleted.`,
  },
} as const;

function ConfirmSnapshotAction({
  server,
  snapshot,
  kind,
  disabled,
}: {
  server: Server;
  snapshot: Snapshot;
  kind: 'rollback' | 'delete';
  disabled: boolean;
}) {
  const trpc = useTRPC();
  const notify = useToast();
  const done = useSnapshotDone(server);
  const texts = confirmTexts[kind];
  const rollback = useMutation(trpc.servers.snapshots.rollback.mutationOptions());
  const remove = useMutation(trpc.servers.snapshots.delete.mutationOptions());
  const mutation = kind === 'rollback' ? rollback : remove;

  return (
    <ConfirmDialog
      title={texts.title(snapshot.name)}
      description={texts.description}
      confirmLabel={texts.confirm}
      trigger={
        <Button
          variant="secondary"
          size="sm"
          disabled={disabled}
          aria-label={`${texts.button} ${snapshot.name}`}
          className={kind === 'delete' ? 'text-red-700' : ''}
        >
          {texts.button}
        </Button>
      }
      onConfirm={async () => {
        const result = await mutation.mutateAsync({ id: server.id, name: snapshot.name });
        done(result.server);
        notify('success', texts.done(snapshot.name));
      }}
    />
  );
}
