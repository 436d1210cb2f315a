import type { Catalog } from '../../../../shared/api.ts';
import { formatMemory, formatMonthlyPrice } from '../lib/format.ts';

type Plan = Catalog['plans'][number];

/** Plans as radio cards with their figures and price, three to a row above phones; inside a fieldset. */
export function PlanChoice({
  plans,
  group,
  selected,
  onSelect,
}: {
  plans: Plan[];
  /** The radio group's name. */
  group: string;
  selected: string;
  onSelect(planId: string): void;
}) {
  return (
    <div className="mt-1.5 grid gap-2 sm:grid-cols-3">
      {plans.map((plan) => {
        const price = formatMonthlyPrice(plan.priceMonthlyCents);
        return (
          <label
            key={plan.id}
            className="relative flex cursor-pointer flex-col rounded-xl border border-slate-300 p-3 text-sm has-checked:border-sky-600 has-checked:bg-sky-50/60 has-checked:ring-1 has-checked:ring-sky-600 has-focus-visible:outline-2 has-focus-visible:outline-sky-600"
          >
            <input
              type="radio"
              name={group}
              value={plan.id}
              checked={selected === plan.id}
              onChange={() => onSelect(plan.id)}
              className="sr-only"
            />
            <span className="font-medium text-slate-900">{plan.name}</span>
            <span className="mt-1 text-xs text-slate-600">
              {plan.cpuCores} vCPU · {formatMemory(plan.memoryMb)} · {plan.diskGb} GB
            </span>
            {price && <span className="mt-1 text-xs text-slate-500">{price}</span>}
          </label>
        );
      })}
    </div>
  );
}
