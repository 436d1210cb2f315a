import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { poolInputSchema, poolPatchSchema, type AdminPool } from '../../../../shared/catalogue.ts';
import { Button } from '../../../components/Button.tsx';
import { Dialog } from '../../../components/Dialog.tsx';
import { Field } from '../../../components/Field.tsx';
import { LoadError } from '../../../components/LoadError.tsx';
import { Select } from '../../../components/Select.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { DataTable, EmptyState, TableSkeleton, cellClass } from '../components/DataTable.tsx';
import { FormAlert } from '../components/FormAlert.tsx';
import { FormButtons } from '../components/FormButtons.tsx';
import { TextField } from '../components/TextField.tsx';
import { UsageBar } from '../components/UsageBar.tsx';
import { errorsFromCall, errorsFromIssues, type FormErrors } from '../lib/form-errors.ts';
import { emptyPool, poolInput, poolPatch, poolValues, type PoolValues } from './catalogue-form.ts';
import { EntryActions } from './EntryActions.tsx';

const poolLabels = {
  locationId: 'Location',
  cidr: 'Network',
  gateway: 'Gateway',
  rangeStart: 'First address',
  rangeEnd: 'Last address',
  dns: 'DNS servers',
};
type PoolField = keyof typeof poolLabels;

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
    <div className="space-y-3">
      <div className="flex items-center justify-between gap-4">
        <h3 className="text-base font-semibold text-slate-900">IP pools</h3>
        <PoolDialog trigger={<Button size="sm">New IP pool</Button>} />
      </div>
      {pools.isPending && <TableSkeleton label="Loading IP pools" />}
      {pools.isError && (
        <LoadError
          title="The IP pools could not be loaded."
          error={pools.error}
          onRetry={() => void pools.refetch()}
        />
      )}
      {pools.data && pools.data.pools.length === 0 && (
        <EmptyState title="No IP pools yet">
          Servers in a location get their addresses from its pools.
        </EmptyState>
      )}
      {pools.data && pools.data.pools.length > 0 && (
        <DataTable
          caption="IP pools"
          headers={[
            'Network',
            'Location',
            'Range',
            { label: 'Usage', className: 'w-64' },
            { label: 'Actions', srOnly: true },
          ]}
        >
          {pools.data.pools.map((pool) => (
            <tr key={pool.id}>
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
                  editDialog={
                    <PoolDialog
                      pool={pool}
                      trigger={
                        <Button variant="secondary" size="sm" aria-label={`Edit IP pool ${pool.cidr}`}>
                          Edit
                        </Button>
                      }
                    />
                  }
                  onDelete={async () => {
                    await remove.mutateAsync({ id: pool.id });
                    await queryClient.invalidateQueries({ queryKey: trpc.adminCatalogue.ipPools.pathKey() });
                  }}
                />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {pools.data?.nextCursor && <p className="text-sm text-slate-600">Showing the first 500 IP pools.</p>}
    </div>
  );
}

export function PoolDialog({ pool, trigger }: { pool?: AdminPool; trigger: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog
      open={open}
      onOpenChange={setOpen}
      trigger={trigger}
      title={pool ? `Edit IP pool ${pool.cidr}` : 'New IP pool'}
      description={
        pool
          ? 'The network and location of a pool are fixed; its range, gateway and DNS can change.'
          : undefined
      }
      width="lg"
    >
      <PoolForm pool={pool} onDone={() => setOpen(false)} />
    </Dialog>
  );
}

function PoolForm({ pool, onDone }: { pool: AdminPool | undefined; onDone(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useToast();
  const locations = useQuery(trpc.adminCatalogue.locations.list.queryOptions({ limit: 500 }));
  const create = useMutation(trpc.adminCatalogue.ipPools.create.mutationOptions());
  const update = useMutation(trpc.adminCatalogue.ipPools.update.mutationOptions());
  const [values, setValues] = useState<PoolValues>(pool ? poolValues(pool) : emptyPool);
  const [errors, setErrors] = useState<FormErrors<PoolField>>({});
  const pending = create.isPending || update.isPending;
  const set =
    <K extends keyof PoolValues>(key: K) =>
    (value: PoolValues[K]) =>
      setValues((v) => ({ ...v, [key]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (pending) return;
    try {
      if (pool) {
        const checked = poolPatchSchema.safeParse(poolPatch(values));
        if (!checked.success) return setErrors(errorsFromIssues(checked.error.issues, poolLabels));
        setErrors({});
        await update.mutateAsync({ id: pool.id, ...checked.data });
        notify('success', `The pool ${pool.cidr} is saved.`);
      } else {
        const checked = poolInputSchema.safeParse(poolInput(values));
        if (!checked.success) {
          const found = errorsFromIssues(checked.error.issues, poolLabels);
          // The location's id is checked as a UUID; what the operator missed is choosing one.
          if (found.locationId) found.locationId = 'Choose a location.';
          return setErrors(found);
        }
        setErrors({});
        const { pool: saved } = await create.mutateAsync(checked.data);
        notify('success', `The pool ${saved.cidr} hands out ${saved.size.toLocaleString('en')} addresses.`);
      }
      await queryClient.invalidateQueries({ queryKey: trpc.adminCatalogue.ipPools.pathKey() });
      onDone();
    } catch (err) {
      setErrors(errorsFromCall(err, poolLabels));
    }
  }

  const locationOptions = (locations.data?.locations ?? []).map((l) => ({ value: l.id, label: l.name }));
  return (
    <form
      onSubmit={submit}
      noValidate
      className="space-y-4"
      aria-label={pool ? 'Edit IP pool' : 'New IP pool'}
    >
      <div className="grid gap-4 sm:grid-cols-2">
        {pool ? (
          <div className="space-y-1.5 text-sm">
            <div className="font-medium text-slate-800">Location</div>
            <div className="text-slate-700">
              {locationOptions.find((l) => l.value === pool.locationId)?.label ?? '—'}
            </div>
          </div>
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
          <div className="space-y-1.5 text-sm">
            <div className="font-medium text-slate-800">Network</div>
            <div className="font-mono text-slate-700">{pool.cidr}</div>
          </div>
        ) : (
          <TextField
            label="Network"
            hint="In CIDR notation, e.g. 203.0.113.0/24."
            value={values.cidr}
            onValueChange={set('cidr')}
            error={errors.cidr}
            className="font-mono"
            spellCheck={false}
          />
        )}
        <TextField
          label="Gateway"
          value={values.gateway}
          onValueChange={set('gateway')}
          error={errors.gateway}
          className="font-mono"
          spellCheck={false}
        />
        <TextField
          label="DNS servers"
          hint="Separated by commas; optional."
          value={values.dns}
          onValueChange={set('dns')}
          error={errors.dns}
          className="font-mono"
          spellCheck={false}
        />
        <TextField
          label="First address"
          value={values.rangeStart}
          onValueChange={set('rangeStart')}
          error={errors.rangeStart}
          className="font-mono"
          spellCheck={false}
        />
        <TextField
          label="Last address"
          value={values.rangeEnd}
          onValueChange={set('rangeEnd')}
          error={errors.rangeEnd}
          className="font-mono"
          spellCheck={false}
        />
      </div>
      <FormAlert message={errors.form} />
      <FormButtons pending={pending} label={pool ? 'Save IP pool' : 'Create IP pool'} />
    </form>
  );
}
