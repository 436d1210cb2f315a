import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormEvent, ReactNode } from 'react';
import { planInputSchema, type AdminPlan } from '../../../../shared/catalogue.ts';
import { Button } from '../../../components/Button.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { AdminDialogForm, useDialogForm } from '../components/AdminDialogForm.tsx';
import { cellClass } from '../components/DataTable.tsx';
import { CheckboxField, TextField } from '../components/TextField.tsx';
import { emptyPlan, planInput, planValues } from './catalogue-form.ts';
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
    <CataloguePanel
      title="Plans"
      plural="plans"
      newDialog={<PlanDialog trigger={<Button size="sm">New plan</Button>} />}
      query={plans}
      items={plans.data?.plans}
      empty={{ title: 'No plans yet', text: 'A plan sets the vCPUs, memory and disk a customer orders.' }}
      headers={[
        'Plan',
        'vCPU / memory / disk',
        'Price a month',
        'Snapshots',
        'State',
        { label: 'Actions', srOnly: true },
      ]}
      row={(plan) => (
        <>
          <NameSlugCell entry={plan} />
          <td className={`${cellClass} text-slate-700`}>
            {plan.cpuCores} vCPU · {plan.memoryMb} MB · {plan.diskGb} GB
          </td>
          <td className={`${cellClass} text-slate-700`}>{formatPrice(plan.priceMonthlyCents)}</td>
          <td className={`${cellClass} text-slate-700`}>{plan.snapshotLimit}</td>
          <StateCell active={plan.active} />
          <td className={cellClass}>
            <EntryActions
              kind="plan"
              name={plan.name}
              active={plan.active}
              editDialog={<PlanDialog plan={plan} trigger={editButton(`Edit plan ${plan.name}`)} />}
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
        </>
      )}
    />
  );
}

export function PlanDialog({ plan, trigger }: { plan?: AdminPlan; trigger: ReactNode }) {
  return (
    <EntryDialog title={plan ? `Edit plan ${plan.name}` : 'New plan'} trigger={trigger}>
      {(onDone) => <PlanForm plan={plan} onDone={onDone} />}
    </EntryDialog>
  );
}

function PlanForm({ plan, onDone }: { plan: AdminPlan | undefined; onDone(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useToast();
  const create = useMutation(trpc.adminCatalogue.plans.create.mutationOptions());
  const update = useMutation(trpc.adminCatalogue.plans.update.mutationOptions());
  const pending = create.isPending || update.isPending;
  const { values, set, field, errors, submit } = useDialogForm(
    plan ? planValues(plan) : emptyPlan,
    planLabels,
    pending,
  );

  const onSubmit = (event: FormEvent) =>
    submit(event, planInputSchema, planInput(values), async (data) => {
      const { plan: saved } = plan
        ? await update.mutateAsync({ id: plan.id, ...data })
        : await create.mutateAsync(data);
      await queryClient.invalidateQueries({ queryKey: trpc.adminCatalogue.plans.pathKey() });
      notify('success', savedMessage(Boolean(plan), saved.name));
      onDone();
    });

  const count = { type: 'number', inputMode: 'numeric', min: 1 } as const;
  return (
    <AdminDialogForm
      label={plan ? 'Edit plan' : 'New plan'}
      onSubmit={onSubmit}
      alert={errors.form ?? errors.active}
      pending={pending}
      submitLabel={plan ? 'Save plan' : 'Create plan'}
    >
      <div className="grid gap-4 sm:grid-cols-2">
        <NameSlugFields
          field={field}
          placeholder="VPS S"
          slugHint="Lowercase, for the API and catalog files, e.g. vps-s."
        />
        <TextField label="vCPU cores" {...count} {...field('cpuCores')} />
        <TextField label="Memory" hint="In MB, e.g. 4096 for 4 GB." {...count} {...field('memoryMb')} />
        <TextField label="Disk" hint="In GB." {...count} {...field('diskGb')} />
        <TextField
          label="Monthly price"
          hint="Shown to customers, e.g. 5.00; leave empty for none."
          inputMode="decimal"
          {...field('price')}
          error={errors.priceMonthlyCents}
        />
        <TextField
          label="Snapshot limit"
          hint="Snapshots a server on this plan may keep."
          type="number"
          inputMode="numeric"
          min={0}
          {...field('snapshotLimit')}
        />
      </div>
      <CheckboxField
        label="Open to orders"
        hint="Unticked, the plan is retired: no new orders, existing servers keep it."
        checked={values.active}
        onCheckedChange={set('active')}
      />
    </AdminDialogForm>
  );
}
