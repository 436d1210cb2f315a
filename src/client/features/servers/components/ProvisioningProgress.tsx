import type { Server } from '../../../../shared/api.ts';
import { provisioningStepLabels, provisioningSteps } from '../../../../shared/server-status.ts';
import { LineIcon } from '../../../components/LineIcon.tsx';
import { Spinner } from '../../../components/Spinner.tsx';

type Progress = NonNullable<Server['progress']>;

/** One line for the list: "Copying the image · step 3 of 7". */
export function progressSummary(progress: Progress): string {
  return `${provisioningStepLabels[progress.step]} · step ${progress.stepIndex + 1} of ${progress.stepCount}`;
}

/** The provisioning steps as a checklist: done, under way, still to come. */
export function ProvisioningProgress({ progress }: { progress: Progress }) {
  const percent = Math.round((progress.stepIndex / progress.stepCount) * 100);
  return (
    <section aria-labelledby="progress-title" className="rounded-2xl border border-sky-200 bg-sky-50/60 p-5">
      <div className="flex items-baseline justify-between gap-4">
        <h2 id="progress-title" className="text-sm font-semibold text-slate-900">
          Setting up your server
        </h2>
        <span className="text-xs text-slate-600">
          Step {progress.stepIndex + 1} of {progress.stepCount}
        </span>
      </div>
      <div
        role="progressbar"
        aria-label="Provisioning progress"
        aria-valuemin={0}
        aria-valuemax={progress.stepCount}
        aria-valuenow={progress.stepIndex}
        aria-valuetext={progressSummary(progress)}
        className="mt-3 h-1.5 overflow-hidden rounded-full bg-sky-100"
      >
        <div
          className="h-full rounded-full bg-sky-500 transition-[width] duration-500"
          style={{ width: `${Math.max(percent, 4)}%` }}
        />
      </div>
      <ol className="mt-4 grid gap-2 text-sm sm:grid-flow-col sm:grid-cols-2 sm:grid-rows-4">
        {provisioningSteps.map((step, index) => {
          const state =
            index < progress.stepIndex ? 'done' : index === progress.stepIndex ? 'current' : 'todo';
          return (
            <li
              key={step}
              aria-current={state === 'current' ? 'step' : undefined}
              className={`flex items-center gap-2 ${state === 'todo' ? 'text-slate-500' : 'text-slate-800'} ${state === 'current' ? 'font-medium' : ''}`}
            >
              {state === 'done' && (
                <LineIcon path="check" className="size-4 text-emerald-600" strokeWidth={2.2} />
              )}
              {state === 'current' && <Spinner className="size-4 text-sky-600" />}
              {state === 'todo' && (
                <span aria-hidden="true" className="mx-1 size-2 rounded-full bg-slate-300" />
              )}
              {provisioningStepLabels[step]}
              <span className="sr-only">
                {state === 'done' ? '(done)' : state === 'current' ? '(in progress)' : ''}
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
