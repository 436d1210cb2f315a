import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormEvent, ReactNode } from 'react';
import { poolInputSchema, poolPatchSchema, type AdminPool } from '../../../../shared/catalogue.ts';
import { Button } from '../../../components/Button.tsx';
import { Field } from '../../../components/Field.tsx';
import { Select } from '../../../components/Select.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { AdminDialogForm, useDialogForm } from '../components/AdminDialogForm.tsx';
import { cellClass } from '../components/DataTable.tsx';
import { TextField } from '../components/TextField.tsx';
import { UsageBar } from '../components/UsageBar.tsx';
import type { FormErrors } from '../lib/form-errors.ts';
import { emptyPool, poolInput, poolPatch, poolValues } from './catalogue-form.ts';
import { CataloguePanel, EntryDialog, editButton } from './CataloguePanel.tsx';
import { EntryActions } from './EntryActions.tsx';

const poolLabels = {
  locationId: 'Location',
  cidr: 'Network',
  gateway: 'Gateway',
  rangeStart: 'First address',
  rangeEnd: 'Last address',
  dns: 'DNS servers',
};

/** "12 of 254 addresses in use, 242 free". */
export function poolUsageText(pool: Pick<AdminPool, 'allocated' | 'size' | 'free'>): string {
  const n = (x: number) => x.toLocaleString('en');
  return `${n(pool.allocated)} of ${n(pool.size)} addresses in use, ${n(pool.free)} free`;
}

export function PoolsPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const pools = useQuery(trpc.adminCatalogue.ipPools.list.queryOptions({ limit: 500 }));
  const locations = useQuery(trpc.adminCatalogue.locations.list.queryOptions({ limit: 500 }));
  const remove = useMutation(trpc.adminCatalogue.ipPools.delete.mutationOptions());
  const locationName = (id: string) =>
    locations.data?.locations.find((l) => l.id === id)?.name ?? 'Unknown location';

  return (
    <CataloguePanel
      title="IP pools"
      plural="IP pools"
      newDialog={<PoolDialog trigger={<Button size="sm">New IP pool</Button>} />}
      query={pools}
      items={pools.data?.pools}
      empty={{ title: 'No IP pools yet', text: 'Servers in a location get their addresses from its pools.' }}
      headers={[
        'Network',
        'Location',
        'Range',
        { label: 'Usage', className: 'w-64' },
        { label: 'Actions', srOnly: true },
      ]}
      row={(pool) => (
        <>
          <td className={cellClass}>
            <div className="font-mono font-medium text-slate-900">{pool.cidr}</div>
            <div className="text-xs text-slate-500">
              Gateway <span className="font-mono">{pool.gateway}</span>
              {pool.dns.length > 0 && (
                <>
                  {' '}
                  · DNS <span className="font-mono">{pool.dns.join(', ')}</span>
                </>
              )}
            </div>
          </td>
          <td className={`${cellClass} text-slate-700`}>{locationName(pool.locationId)}</td>
          <td className={`${cellClass} font-mono text-xs text-slate-700`}>
            {pool.rangeStart} – {pool.rangeEnd}
          </td>
          <td className={cellClass}>
            <UsageBar
              label={`Addresses in use in ${pool.cidr}`}
              value={pool.allocated}
              max={pool.size}
              valueText={poolUsageText(pool)}
            />
            <div className="mt-1 text-xs text-slate-500">{poolUsageText(pool)}</div>
          </td>
          <td className={cellClass}>
            <EntryActions
              kind="IP pool"
              name={pool.cidr}
              editDialog={<PoolDialog pool={pool} trigger={editButton(`Edit IP pool ${pool.cidr}`)} />}
              onDelete={async () => {
                await remove.mutateAsync({ id: pool.id });
                await queryClient.invalidateQueries({ queryKey: trpc.adminCatalogue.ipPools.pathKey() });
              }}
            />
          </td>
        </>
      )}
    />
  );
}

export function PoolDialog({ pool, trigger }: { pool?: AdminPool; trigger: ReactNode }) {
  return (
    <EntryDialog
      title={pool ? `Edit IP pool ${pool.cidr}` : 'New IP pool'}
      description={
        pool
          ? 'The network and location of a pool are fixed; its range, gateway and DNS can change.'
          : undefined
      }
      trigger={trigger}
    >
      {(onDone) => <PoolForm pool={pool} onDone={onDone} />}
    </EntryDialog>
  );
}

/** The location's id is checked as a UUID; what the operator missed is choosing one. */
function chooseLocation(found: FormErrors<keyof typeof poolLabels>) {
  return found.locationId ? { ...found, locationId: 'Choose a location.' } : found;
}

function PoolForm({ pool, onDone }: { pool: AdminPool | undefined; onDone(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useToast();
  const locations = useQuery(trpc.adminCatalogue.locations.list.queryOptions({ limit: 500 }));
  const create = useMutation(trpc.adminCatalogue.ipPools.create.mutationOptions());
  const update = useMutation(trpc.adminCatalogue.ipPools.update.mutationOptions());
  const pending = create.isPending || update.isPending;
  const { values, set, field, errors, submit } = useDialogForm(
    pool ? poolValues(pool) : emptyPool,
    poolLabels,
    pending,
  );
  const finish = async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.adminCatalogue.ipPools.pathKey() });
    onDone();
  };

  const onSubmit = (event: FormEvent) =>
    pool
      ? submit(event, poolPatchSchema, poolPatch(values), async (data) => {
          await update.mutateAsync({ id: pool.id, ...data });
          notify('success', `The pool ${pool.cidr} is saved.`);
          await finish();
        })
      : submit(
          event,
          poolInputSchema,
          poolInput(values),
          async (data) => {
            const { pool: saved } = await create.mutateAsync(data);
            notify(
              'success',
              `The pool ${saved.cidr} hands out ${saved.size.toLocaleString('en')} addresses.`,
            );
            await finish();
          },
          chooseLocation,
        );

  const locationOptions = (locations.data?.locations ?? []).map((l) => ({ value: l.id, label: l.name }));
  const mono = { className: 'font-mono', spellCheck: false };
  return (
    <AdminDialogForm
      label={pool ? 'Edit IP pool' : 'New IP pool'}
      onSubmit={onSubmit}
      alert={errors.form}
      pending={pending}
      submitLabel={pool ? 'Save IP pool' : 'Create IP pool'}
    >
      <div className="grid gap-4 sm:grid-cols-2">
        {pool ? (
          <FixedValue label="Location">
            {locationOptions.find((l) => l.value === pool.locationId)?.label ?? '—'}
          </FixedValue>
        ) : (
          <Field
            label="Location"
            error={errors.locationId}
            hint={locations.isError ? 'The locations could not be loaded.' : undefined}
          >
            {(props) => (
              <Select
                {...props}
                value={values.locationId}
                onValueChange={set('locationId')}
                placeholder={locations.isPending ? 'Loading…' : 'Choose a location'}
                options={locationOptions}
              />
            )}
          </Field>
        )}
        {pool ? (
          <FixedValue label="Network" mono>
            {pool.cidr}
          </FixedValue>
        ) : (
          <TextField
            label="Network"
            hint="In CIDR notation, e.g. 203.0.113.0/24."
            {...field('cidr')}
            {...mono}
          />
        )}
        <TextField label="Gateway" {...field('gateway')} {...mono} />
        <TextField label="DNS servers" hint="Separated by commas; optional." {...field('dns')} {...mono} />
        <TextField label="First address" {...field('rangeStart')} {...mono} />
        <TextField label="Last address" {...field('rangeEnd')} {...mono} />
      </div>
    </AdminDialogForm>
  );
}

/** What an edit cannot change, shown where its field would be. */
function FixedValue({
  label,
  mono = false,
  children,
}: {
  label: string;
  mono?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="space-y-1.5 text-sm">
      <div className="font-medium text-slate-800">{label}</div>
      <div className={mono ? 'font-mono text-slate-700' : 'text-slate-700'}>{children}</div>
    </div>
  );
}
