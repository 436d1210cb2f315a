import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, type FormEvent, type ReactNode } from 'react';
import { locationInputSchema, type AdminLocation, type PveNodeInfo } from '../../../../shared/catalogue.ts';
import { Button } from '../../../components/Button.tsx';
import { LoadError } from '../../../components/LoadError.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { AdminDialogForm, useDialogForm } from '../components/AdminDialogForm.tsx';
import { cellClass } from '../components/DataTable.tsx';
import { CheckboxField, TextField } from '../components/TextField.tsx';
import { emptyLocation, locationInput, locationValues } from './catalogue-form.ts';
import {
  CataloguePanel,
  EntryDialog,
  NameSlugCell,
  NameSlugFields,
  StateCell,
  editButton,
  savedMessage,
} from './CataloguePanel.tsx';
import { EntryActions } from './EntryActions.tsx';

const locationLabels = {
  name: 'Name',
  slug: 'Slug',
  country: 'Country',
  pveNodes: 'Nodes',
  active: 'Open to orders',
};

export function LocationsPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const locations = useQuery(trpc.adminCatalogue.locations.list.queryOptions({ limit: 500 }));
  const update = useMutation(trpc.adminCatalogue.locations.update.mutationOptions());
  const remove = useMutation(trpc.adminCatalogue.locations.delete.mutationOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.adminCatalogue.locations.pathKey() });

  return (
    <CataloguePanel
      title="Locations"
      plural="locations"
      newDialog={<LocationDialog trigger={<Button size="sm">New location</Button>} />}
      query={locations}
      items={locations.data?.locations}
      empty={{
        title: 'No locations yet',
        text: 'A location is where servers run: one or more nodes of the cluster.',
      }}
      headers={['Location', 'Country', 'Nodes', 'State', { label: 'Actions', srOnly: true }]}
      row={(location) => (
        <>
          <NameSlugCell entry={location} />
          <td className={`${cellClass} text-slate-700`}>{location.country ?? '—'}</td>
          <td className={`${cellClass} font-mono text-xs text-slate-700`}>{location.pveNodes.join(', ')}</td>
          <StateCell active={location.active} />
          <td className={cellClass}>
            <EntryActions
              kind="location"
              name={location.name}
              active={location.active}
              editDialog={
                <LocationDialog location={location} trigger={editButton(`Edit location ${location.name}`)} />
              }
              onSetActive={async (active) => {
                await update.mutateAsync({ id: location.id, active });
                await refresh();
              }}
              onDelete={async () => {
                await remove.mutateAsync({ id: location.id });
                await refresh();
              }}
            />
          </td>
        </>
      )}
    />
  );
}

export function LocationDialog({ location, trigger }: { location?: AdminLocation; trigger: ReactNode }) {
  return (
    <EntryDialog title={location ? `Edit location ${location.name}` : 'New location'} trigger={trigger}>
      {(onDone) => <LocationForm location={location} onDone={onDone} />}
    </EntryDialog>
  );
}

function LocationForm({ location, onDone }: { location: AdminLocation | undefined; onDone(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useToast();
  const create = useMutation(trpc.adminCatalogue.locations.create.mutationOptions());
  const update = useMutation(trpc.adminCatalogue.locations.update.mutationOptions());
  const pending = create.isPending || update.isPending;
  const { values, set, field, errors, submit } = useDialogForm(
    location ? locationValues(location) : emptyLocation,
    locationLabels,
    pending,
  );

  const onSubmit = (event: FormEvent) =>
    submit(event, locationInputSchema, locationInput(values), async (data) => {
      const { location: saved } = location
        ? await update.mutateAsync({ id: location.id, ...data })
        : await create.mutateAsync(data);
      await queryClient.invalidateQueries({ queryKey: trpc.adminCatalogue.locations.pathKey() });
      notify('success', savedMessage(Boolean(location), saved.name));
      onDone();
    });

  return (
    <AdminDialogForm
      label={location ? 'Edit location' : 'New location'}
      onSubmit={onSubmit}
      alert={errors.form ?? errors.active}
      pending={pending}
      submitLabel={location ? 'Save location' : 'Create location'}
    >
      <div className="grid gap-4 sm:grid-cols-2">
        <NameSlugFields field={field} placeholder="Frankfurt" slugHint="Lowercase, e.g. fra1." />
        <TextField
          label="Country"
          hint="Two letters (ISO 3166-1), e.g. DE; optional."
          {...field('country')}
          maxLength={2}
          autoCapitalize="characters"
          className="uppercase"
        />
      </div>
      <NodePicker selected={values.pveNodes} onChange={set('pveNodes')} error={errors.pveNodes} />
      <CheckboxField
        label="Open to orders"
        hint="Unticked, the location is retired: no new servers there; the running ones stay."
        checked={values.active}
        onCheckedChange={set('active')}
      />
    </AdminDialogForm>
  );
}

/** "62% CPU · 12 of 64 GB memory" for a node's line in the picker. */
export function nodeSummary(node: PveNodeInfo): string {
  const parts = [node.status];
  if (node.maxcpu) parts.push(`${node.maxcpu} CPUs`);
  if (node.maxmem) parts.push(`${Math.round(node.maxmem / 1024 ** 3)} GB memory`);
  return parts.join(' · ');
}

/**
 * The nodes a location places servers on, chosen from the cluster's nodes. A node the location names
 * that the cluster no longer has stays listed, so unticking it is possible and visible.
 */
function NodePicker({
  selected,
  onChange,
  error,
}: {
  selected: readonly string[];
  onChange(nodes: string[]): void;
  error: string | undefined;
}) {
  const trpc = useTRPC();
  const nodes = useQuery(trpc.adminPve.nodes.queryOptions());
  const errorId = useId();
  const aria = error ? { 'aria-describedby': errorId, 'aria-invalid': true as const } : {};

  let body: ReactNode;
  if (nodes.isPending) {
    body = (
      <p role="status" className="flex items-center gap-2 text-sm text-slate-600">
        <Spinner /> Reading the cluster’s nodes…
      </p>
    );
  } else if (nodes.isError) {
    body = (
      <LoadError
        title="The cluster’s nodes could not be read."
        error={nodes.error}
        onRetry={() => void nodes.refetch()}
      />
    );
  } else {
    const known = nodes.data.nodes.map((n) => n.name);
    const gone = selected.filter((name) => !known.includes(name));
    const rows = [
      ...nodes.data.nodes.map((node) => ({ name: node.name, detail: nodeSummary(node) })),
      ...gone.map((name) => ({ name, detail: 'not in the cluster' })),
    ];
    body = (
      <div className="grid gap-2 sm:grid-cols-2">
        {rows.map((row) => (
          <label
            key={row.name}
            className="flex items-start gap-2.5 rounded-lg border border-slate-200 px-3 py-2 text-sm has-checked:border-sky-600 has-checked:bg-sky-50/60"
          >
            <input
              type="checkbox"
              {...aria}
              checked={selected.includes(row.name)}
              onChange={(e) =>
                onChange(e.target.checked ? [...selected, row.name] : selected.filter((n) => n !== row.name))
              }
              className="mt-0.5 size-4 accent-slate-900"
            />
            <span>
              <span className="font-mono font-medium text-slate-900">{row.name}</span>
              <span className="block text-xs text-slate-500">{row.detail}</span>
            </span>
          </label>
        ))}
        {rows.length === 0 && (
          <p className="text-sm text-slate-600">Discovery found no nodes in the cluster.</p>
        )}
      </div>
    );
  }

  return (
    <fieldset
      className="space-y-3 rounded-xl border border-slate-200 p-4"
      {...(error ? { 'aria-describedby': errorId } : {})}
    >
      <legend className="px-1 text-sm font-medium text-slate-800">Nodes</legend>
      {body}
      {error && (
        <p id={errorId} className="text-sm text-red-700">
          {error}
        </p>
      )}
    </fieldset>
  );
}
