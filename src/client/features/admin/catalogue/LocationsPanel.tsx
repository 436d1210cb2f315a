import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { locationInputSchema, type AdminLocation, type PveNodeInfo } from '../../../../shared/catalogue.ts';
import { Button } from '../../../components/Button.tsx';
import { Dialog } from '../../../components/Dialog.tsx';
import { LoadError } from '../../../components/LoadError.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { DataTable, EmptyState, TableSkeleton, cellClass } from '../components/DataTable.tsx';
import { FormAlert, StateBadge } from '../components/FormAlert.tsx';
import { FormButtons } from '../components/FormButtons.tsx';
import { CheckboxField, TextField } from '../components/TextField.tsx';
import { errorsFromCall, errorsFromIssues, type FormErrors } from '../lib/form-errors.ts';
import { emptyLocation, locationInput, locationValues, type LocationValues } from './catalogue-form.ts';
import { EntryActions } from './EntryActions.tsx';

const locationLabels = {
  name: 'Name',
  slug: 'Slug',
  country: 'Country',
  pveNodes: 'Nodes',
  active: 'Open to orders',
};
type LocationField = keyof typeof locationLabels;

export function LocationsPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const locations = useQuery(trpc.adminCatalogue.locations.list.queryOptions({ limit: 500 }));
  const update = useMutation(trpc.adminCatalogue.locations.update.mutationOptions());
  const remove = useMutation(trpc.adminCatalogue.locations.delete.mutationOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.adminCatalogue.locations.pathKey() });

  return (
    <div className="space-y-3">
      <div className="flex items-center justify-between gap-4">
        <h3 className="text-base font-semibold text-slate-900">Locations</h3>
        <LocationDialog trigger={<Button size="sm">New location</Button>} />
      </div>
      {locations.isPending && <TableSkeleton label="Loading locations" />}
      {locations.isError && (
        <LoadError
          title="The locations could not be loaded."
          error={locations.error}
          onRetry={() => void locations.refetch()}
        />
      )}
      {locations.data && locations.data.locations.length === 0 && (
        <EmptyState title="No locations yet">
          A location is where servers run: one or more nodes of the cluster.
        </EmptyState>
      )}
      {locations.data && locations.data.locations.length > 0 && (
        <DataTable
          caption="Locations"
          headers={['Location', 'Country', 'Nodes', 'State', { label: 'Actions', srOnly: true }]}
        >
          {locations.data.locations.map((location) => (
            <tr key={location.id}>
              <td className={cellClass}>
                <div className="font-medium text-slate-900">{location.name}</div>
                <div className="font-mono text-xs text-slate-500">{location.slug}</div>
              </td>
              <td className={`${cellClass} text-slate-700`}>{location.country ?? '—'}</td>
              <td className={`${cellClass} font-mono text-xs text-slate-700`}>
                {location.pveNodes.join(', ')}
              </td>
              <td className={cellClass}>
                <StateBadge tone={location.active ? 'good' : 'neutral'}>
                  {location.active ? 'Open' : 'Retired'}
                </StateBadge>
              </td>
              <td className={cellClass}>
                <EntryActions
                  kind="location"
                  name={location.name}
                  active={location.active}
                  editDialog={
                    <LocationDialog
                      location={location}
                      trigger={
                        <Button variant="secondary" size="sm" aria-label={`Edit location ${location.name}`}>
                          Edit
                        </Button>
                      }
                    />
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
            </tr>
          ))}
        </DataTable>
      )}
      {locations.data?.nextCursor && (
        <p className="text-sm text-slate-600">Showing the first 500 locations.</p>
      )}
    </div>
  );
}

export function LocationDialog({ location, trigger }: { location?: AdminLocation; trigger: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog
      open={open}
      onOpenChange={setOpen}
      trigger={trigger}
      title={location ? `Edit location ${location.name}` : 'New location'}
      width="lg"
    >
      <LocationForm location={location} onDone={() => setOpen(false)} />
    </Dialog>
  );
}

function LocationForm({ location, onDone }: { location: AdminLocation | undefined; onDone(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useToast();
  const create = useMutation(trpc.adminCatalogue.locations.create.mutationOptions());
  const update = useMutation(trpc.adminCatalogue.locations.update.mutationOptions());
  const [values, setValues] = useState<LocationValues>(location ? locationValues(location) : emptyLocation);
  const [errors, setErrors] = useState<FormErrors<LocationField>>({});
  const pending = create.isPending || update.isPending;
  const set =
    <K extends keyof LocationValues>(key: K) =>
    (value: LocationValues[K]) =>
      setValues((v) => ({ ...v, [key]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (pending) return;
    const checked = locationInputSchema.safeParse(locationInput(values));
    if (!checked.success) {
      setErrors(errorsFromIssues(checked.error.issues, locationLabels));
      return;
    }
    setErrors({});
    try {
      const { location: saved } = location
        ? await update.mutateAsync({ id: location.id, ...checked.data })
        : await create.mutateAsync(checked.data);
      await queryClient.invalidateQueries({ queryKey: trpc.adminCatalogue.locations.pathKey() });
      notify('success', location ? `${saved.name} is saved.` : `${saved.name} is in the catalogue.`);
      onDone();
    } catch (err) {
      setErrors(errorsFromCall(err, locationLabels));
    }
  }

  return (
    <form
      onSubmit={submit}
      noValidate
      className="space-y-4"
      aria-label={location ? 'Edit location' : 'New location'}
    >
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          label="Name"
          value={values.name}
          onValueChange={set('name')}
          error={errors.name}
          autoFocus
          placeholder="Frankfurt"
        />
        <TextField
          label="Slug"
          hint="Lowercase, e.g. fra1."
          value={values.slug}
          onValueChange={set('slug')}
          error={errors.slug}
          autoCapitalize="off"
          spellCheck={false}
          className="font-mono"
        />
        <TextField
          label="Country"
          hint="Two letters (ISO 3166-1), e.g. DE; optional."
          value={values.country}
          onValueChange={set('country')}
          error={errors.country}
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
      <FormAlert message={errors.form ?? errors.active} />
      <FormButtons pending={pending} label={location ? 'Save location' : 'Create location'} />
    </form>
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
