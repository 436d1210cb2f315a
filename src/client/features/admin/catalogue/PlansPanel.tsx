import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { planInputSchema, type AdminPlan } from '../../../../shared/catalogue.ts';
import { Button } from '../../../components/Button.tsx';
import { Dialog } from '../../../components/Dialog.tsx';
import { LoadError } from '../../../components/LoadError.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { DataTable, EmptyState, TableSkeleton, cellClass } from '../components/DataTable.tsx';
import { FormAlert, StateBadge } from '../components/FormAlert.tsx';
import { CheckboxField, TextField } from '../components/TextField.tsx';
import { errorsFromCall, errorsFromIssues, type FormErrors } from '../lib/form-errors.ts';
import { emptyPlan, planInput, planValues, type PlanValues } from './catalogue-form.ts';
import { EntryActions } from './EntryActions.tsx';
import { FormButtons } from '../components/FormButtons.tsx';

const planLabels = {
  name: 'Name',
  slug: 'Slug',
  cpuCores: 'vCPU cores',
  memoryMb: 'Memory',
  diskGb: 'Disk',
  priceMonthlyCents: 'Monthly price',
  snapshotLimit: 'Snapshot limit',
  active: 'Open to orders',
};
type PlanField = keyof typeof planLabels;

export function formatPrice(cents: number | null): string {
  return cents === null ? '—' : (cents / 100).toFixed(2);
}

export function PlansPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const plans = useQuery(trpc.adminCatalogue.plans.list.queryOptions({ limit: 500 }));
  const update = useMutation(trpc.adminCatalogue.plans.update.mutationOptions());
  const remove = useMutation(trpc.adminCatalogue.plans.delete.mutationOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.adminCatalogue.plans.pathKey() });

  return (
    <div className="space-y-3">
      <div className="flex items-center justify-between gap-4">
        <h3 className="text-base font-semibold text-slate-900">Plans</h3>
        <PlanDialog trigger={<Button size="sm">New plan</Button>} />
      </div>
      {plans.isPending && <TableSkeleton label="Loading plans" />}
      {plans.isError && (
        <LoadError
          title="The plans could not be loaded."
          error={plans.error}
          onRetry={() => void plans.refetch()}
        />
      )}
      {plans.data && plans.data.plans.length === 0 && (
        <EmptyState title="No plans yet">
          A plan sets the vCPUs, memory and disk a customer orders.
        </EmptyState>
      )}
      {plans.data && plans.data.plans.length > 0 && (
        <DataTable
          caption="Plans"
          headers={[
            'Plan',
            'vCPU / memory / disk',
            'Price a month',
            'Snapshots',
            'State',
            { label: 'Actions', srOnly: true },
          ]}
        >
          {plans.data.plans.map((plan) => (
            <tr key={plan.id}>
              <td className={cellClass}>
                <div className="font-medium text-slate-900">{plan.name}</div>
                <div className="font-mono text-xs text-slate-500">{plan.slug}</div>
              </td>
              <td className={`${cellClass} text-slate-700`}>
                {plan.cpuCores} vCPU · {plan.memoryMb} MB · {plan.diskGb} GB
              </td>
              <td className={`${cellClass} text-slate-700`}>{formatPrice(plan.priceMonthlyCents)}</td>
              <td className={`${cellClass} text-slate-700`}>{plan.snapshotLimit}</td>
              <td className={cellClass}>
                <StateBadge tone={plan.active ? 'good' : 'neutral'}>
                  {plan.active ? 'Open' : 'Retired'}
                </StateBadge>
              </td>
              <td className={cellClass}>
                <EntryActions
                  kind="plan"
                  name={plan.name}
                  active={plan.active}
                  editDialog={
                    <PlanDialog
                      plan={plan}
                      trigger={
                        <Button variant="secondary" size="sm" aria-label={`Edit plan ${plan.name}`}>
                          Edit
                        </Button>
                      }
                    />
                  }
                  onSetActive={async (active) => {
                    await update.mutateAsync({ id: plan.id, active });
                    await refresh();
                  }}
                  onDelete={async () => {
                    await remove.mutateAsync({ id: plan.id });
                    await refresh();
                  }}
                />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {plans.data?.nextCursor && <p className="text-sm text-slate-600">Showing the first 500 plans.</p>}
    </div>
  );
}

export function PlanDialog({ plan, trigger }: { plan?: AdminPlan; trigger: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog
      open={open}
      onOpenChange={setOpen}
      trigger={trigger}
      title={plan ? `Edit plan ${plan.name}` : 'New plan'}
      width="lg"
    >
      <PlanForm plan={plan} onDone={() => setOpen(false)} />
    </Dialog>
  );
}

function PlanForm({ plan, onDone }: { plan: AdminPlan | undefined; onDone(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useToast();
  const create = useMutation(trpc.adminCatalogue.plans.create.mutationOptions());
  const update = useMutation(trpc.adminCatalogue.plans.update.mutationOptions());
  const [values, setValues] = useState<PlanValues>(plan ? planValues(plan) : emptyPlan);
  const [errors, setErrors] = useState<FormErrors<PlanField>>({});
  const pending = create.isPending || update.isPending;
  const set =
    <K extends keyof PlanValues>(key: K) =>
    (value: PlanValues[K]) =>
      setValues((v) => ({ ...v, [key]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (pending) return;
    const checked = planInputSchema.safeParse(planInput(values));
    if (!checked.success) {
      setErrors(errorsFromIssues(checked.error.issues, planLabels));
      return;
    }
    setErrors({});
    try {
      const { plan: saved } = plan
        ? await update.mutateAsync({ id: plan.id, ...checked.data })
        : await create.mutateAsync(checked.data);
      await queryClient.invalidateQueries({ queryKey: trpc.adminCatalogue.plans.pathKey() });
      notify('success', plan ? `${saved.name} is saved.` : `${saved.name} is in the catalogue.`);
      onDone();
    } catch (err) {
      setErrors(errorsFromCall(err, planLabels));
    }
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label={plan ? 'Edit plan' : 'New plan'}>
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          label="Name"
          value={values.name}
          onValueChange={set('name')}
          error={errors.name}
          autoFocus
          placeholder="VPS S"
        />
        <TextField
          label="Slug"
          hint="Lowercase, for the API and catalog files, e.g. vps-s."
          value={values.slug}
          onValueChange={set('slug')}
          error={errors.slug}
          autoCapitalize="off"
          spellCheck={false}
          className="font-mono"
        />
        <TextField
          label="vCPU cores"
          type="number"
          inputMode="numeric"
          min={1}
          value={values.cpuCores}
          onValueChange={set('cpuCores')}
          error={errors.cpuCores}
        />
        <TextField
          label="Memory"
          hint="In MB, e.g. 4096 for 4 GB."
          type="number"
          inputMode="numeric"
          min={1}
          value={values.memoryMb}
          onValueChange={set('memoryMb')}
          error={errors.memoryMb}
        />
        <TextField
          label="Disk"
          hint="In GB."
          type="number"
          inputMode="numeric"
          min={1}
          value={values.diskGb}
          onValueChange={set('diskGb')}
          error={errors.diskGb}
        />
        <TextField
          label="Monthly price"
          hint="Shown to customers, e.g. 5.00; leave empty for none."
          inputMode="decimal"
          value={values.price}
          onValueChange={set('price')}
          error={errors.priceMonthlyCents}
        />
        <TextField
          label="Snapshot limit"
          hint="Snapshots a server on this plan may keep."
          type="number"
          inputMode="numeric"
          min={0}
          value={values.snapshotLimit}
          onValueChange={set('snapshotLimit')}
          error={errors.snapshotLimit}
        />
      </div>
      <CheckboxField
        label="Open to orders"
        hint="Unticked, the plan is retired: no new orders, existing servers keep it."
        checked={values.active}
        onCheckedChange={set('active')}
      />
      <FormAlert message={errors.form ?? errors.active} />
      <FormButtons pending={pending} label={plan ? 'Save plan' : 'Create plan'} />
    </form>
  );
}
