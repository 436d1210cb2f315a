import { useQuery } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { planInputSchema, type AdminPlan } from '../../../../shared/catalogue.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { AdminDialogForm, useDialogForm } from '../components/AdminDialogForm.tsx';
import { cellClass } from '../components/DataTable.tsx';
import { CheckboxField, TextField } from '../components/TextField.tsx';
import { emptyPlan, planInput, planValues } from './catalogue-form.ts';
import { NameSlugFields, NamedEntriesPanel, namedEntryLabels, useEntrySave } from './CataloguePanel.tsx';

const planLabels = {
  ...namedEntryLabels,
  cpuCores: 'vCPU cores',
  memoryMb: 'Memory',
  diskGb: 'Disk',
  priceMonthlyCents: 'Monthly price',
  snapshotLimit: 'Snapshot limit',
};

export function formatPrice(cents: number | null): string {
  return cents === null ? '—' : (cents / 100).toFixed(2);
}

export function PlansPanel() {
  const trpc = useTRPC();
  const plans = useQuery(trpc.adminCatalogue.plans.list.queryOptions({ limit: 500 }));

  return (
    <NamedEntriesPanel
      kind="plan"
      procedures={trpc.adminCatalogue.plans}
      query={plans}
      items={plans.data?.plans}
      emptyText="A plan sets the vCPUs, memory and disk a customer orders."
      headers={['vCPU / memory / disk', 'Price a month', 'Snapshots']}
      cells={(plan) => (
        <>
          <td className={`${cellClass} text-slate-700`}>
            {plan.cpuCores} vCPU · {plan.memoryMb} MB · {plan.diskGb} GB
          </td>
          <td className={`${cellClass} text-slate-700`}>{formatPrice(plan.priceMonthlyCents)}</td>
          <td className={`${cellClass} text-slate-700`}>{plan.snapshotLimit}</td>
        </>
      )}
      form={(plan, onDone) => <PlanForm plan={plan} onDone={onDone} />}
    />
  );
}

function PlanForm({ plan, onDone }: { plan: AdminPlan | undefined; onDone(): void }) {
  const trpc = useTRPC();
  const { pending, save, formProps } = useEntrySave('plan', trpc.adminCatalogue.plans, plan, onDone);
  const { values, field, check, errors, submit } = useDialogForm(
    plan ? planValues(plan) : emptyPlan,
    planLabels,
    pending,
  );
  const onSubmit = (event: FormEvent) => submit(event, planInputSchema, planInput(values), save);

  const count = { type: 'number', inputMode: 'numeric', min: 1 } as const;
  return (
    <AdminDialogForm {...formProps} onSubmit={onSubmit} alert={errors.form ?? errors.active}>
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
        {...check('active')}
      />
    </AdminDialogForm>
  );
}
