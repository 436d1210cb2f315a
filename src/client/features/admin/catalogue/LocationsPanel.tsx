import { useQuery } from '@tanstack/react-query';
import { useId, type FormEvent, type ReactNode } from 'react';
import { locationInputSchema, type AdminLocation, type PveNodeInfo } from '../../../../shared/catalogue.ts';
import { LoadError } from '../../../components/LoadError.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { AdminDialogForm, useDialogForm } from '../components/AdminDialogForm.tsx';
import { cellClass } from '../components/DataTable.tsx';
import { CheckboxField, TextField } from '../components/TextField.tsx';
import { emptyLocation, locationInput, locationValues } from './catalogue-form.ts';
import { NameSlugFields, NamedEntriesPanel, namedEntryLabels, useEntrySave } from './CataloguePanel.tsx';
import { PickerFieldset } from './PickerFieldset.tsx';

const locationLabels = { ...namedEntryLabels, country: 'Country', pveNodes: 'Nodes' };

export function LocationsPanel() {
  const trpc = useTRPC();
  const locations = useQuery(trpc.adminCatalogue.locations.list.queryOptions({ limit: 500 }));

  return (
    <NamedEntriesPanel
      kind="location"
      procedures={trpc.adminCatalogue.locations}
      query={locations}
      items={locations.data?.locations}
      emptyText="A location is where servers run: one or more nodes of the cluster."
      headers={['Country', 'Nodes']}
      cells={(location) => (
        <>
          <td className={`${cellClass} text-slate-700`}>{location.country ?? '—'}</td>
          <td className={`${cellClass} font-mono text-xs text-slate-700`}>{location.pveNodes.join(', ')}</td>
        </>
      )}
      form={(location, onDone) => <LocationForm location={location} onDone={onDone} />}
    />
  );
}

function LocationForm({ location, onDone }: { location: AdminLocation | undefined; onDone(): void }) {
  const trpc = useTRPC();
  const { pending, save, formProps } = useEntrySave(
    'location',
    trpc.adminCatalogue.locations,
    location,
    onDone,
  );
  const { values, set, field, check, errors, submit } = useDialogForm(
    location ? locationValues(location) : emptyLocation,
    locationLabels,
    pending,
  );
  const onSubmit = (event: FormEvent) => submit(event, locationInputSchema, locationInput(values), save);

  return (
    <AdminDialogForm {...formProps} onSubmit={onSubmit} alert={errors.form ?? errors.active}>
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
        {...check('active')}
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
    <PickerFieldset legend="Nodes" error={error} errorId={errorId}>
      {body}
    </PickerFieldset>
  );
}
