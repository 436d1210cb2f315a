import { useQuery } from '@tanstack/react-query';
import { useId, type FormEvent, type ReactNode } from 'react';
import {
  imageInputSchema,
  type AdminImage,
  type PveNodeInfo,
  type PveTemplateInfo,
} from '../../../../shared/catalogue.ts';
import { Field } from '../../../components/Field.tsx';
import { LoadError } from '../../../components/LoadError.tsx';
import { Select } from '../../../components/Select.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { AdminDialogForm, useDialogForm } from '../components/AdminDialogForm.tsx';
import { cellClass } from '../components/DataTable.tsx';
import { CheckboxField, TextField } from '../components/TextField.tsx';
import {
  describeTemplates,
  emptyImage,
  imageInput,
  imageValues,
  sharedTemplates,
  templateLabel,
  templatesFor,
  type ImageValues,
} from './catalogue-form.ts';
import { NameSlugFields, NamedEntriesPanel, namedEntryLabels, useEntrySave } from './CataloguePanel.tsx';
import { PickerFieldset } from './PickerFieldset.tsx';

const imageLabels = { ...namedEntryLabels, osFamily: 'OS family', pveTemplates: 'Templates' };

export function ImagesPanel() {
  const trpc = useTRPC();
  const images = useQuery(trpc.adminCatalogue.images.list.queryOptions({ limit: 500 }));

  return (
    <NamedEntriesPanel
      kind="image"
      procedures={trpc.adminCatalogue.images}
      query={images}
      items={images.data?.images}
      emptyText="An image is an operating system customers install, cloned from a cloud-init template in the cluster."
      headers={['OS family', 'Templates']}
      cells={(image) => (
        <>
          <td className={`${cellClass} text-slate-700`}>{image.osFamily}</td>
          <td className={`${cellClass} font-mono text-xs text-slate-700`}>
            {describeTemplates(image.pveTemplates)}
          </td>
        </>
      )}
      form={(image, onDone) => <ImageForm image={image} onDone={onDone} />}
    />
  );
}

function ImageForm({ image, onDone }: { image: AdminImage | undefined; onDone(): void }) {
  const trpc = useTRPC();
  const { pending, save, formProps } = useEntrySave('image', trpc.adminCatalogue.images, image, onDone);
  const { values, setValues, field, check, errors, submit } = useDialogForm(
    image ? imageValues(image) : emptyImage,
    imageLabels,
    pending,
  );
  const onSubmit = (event: FormEvent) => submit(event, imageInputSchema, imageInput(values), save);

  return (
    <AdminDialogForm {...formProps} onSubmit={onSubmit} alert={errors.form ?? errors.active}>
      <div className="grid gap-4 sm:grid-cols-2">
        <NameSlugFields field={field} placeholder="Debian 12" slugHint="Lowercase, e.g. debian-12." />
        <TextField
          label="OS family"
          hint="A short lowercase word, e.g. debian or ubuntu."
          {...field('osFamily')}
          autoCapitalize="off"
          spellCheck={false}
        />
      </div>
      <TemplatePicker
        values={values}
        onChange={(next) => setValues((v) => ({ ...v, ...next }))}
        error={errors.pveTemplates}
      />
      <CheckboxField
        label="Open to orders"
        hint="Unticked, the image is retired: no new orders or reinstalls with it."
        {...check('active')}
      />
    </AdminDialogForm>
  );
}

type TemplateValues = Pick<ImageValues, 'templateMode' | 'sharedTemplate' | 'nodeTemplates'>;

/**
 * The template an image clones, chosen from what discovery finds in the cluster: one on storage every
 * node sees, or one per node. The API checks the choice again (it exists, is a template, has a
 * cloud-init drive) and its answer shows below the picker.
 */
function TemplatePicker({
  values,
  onChange,
  error,
}: {
  values: TemplateValues;
  onChange(next: Partial<TemplateValues>): void;
  error: string | undefined;
}) {
  const trpc = useTRPC();
  const nodes = useQuery(trpc.adminPve.nodes.queryOptions());
  const templates = useQuery(trpc.adminPve.templates.queryOptions());
  const errorId = useId();
  const describedBy = error ? errorId : undefined;

  let body: ReactNode;
  if (nodes.isPending || templates.isPending) {
    body = (
      <p role="status" className="flex items-center gap-2 text-sm text-slate-600">
        <Spinner /> Reading the cluster’s templates…
      </p>
    );
  } else if (nodes.isError || templates.isError) {
    body = (
      <LoadError
        title="The cluster’s nodes and templates could not be read."
        error={nodes.error ?? templates.error}
        onRetry={() => {
          void nodes.refetch();
          void templates.refetch();
        }}
      />
    );
  } else {
    body = (
      <TemplateChoices
        values={values}
        onChange={onChange}
        nodes={nodes.data.nodes}
        templates={templates.data.templates}
        describedBy={describedBy}
        invalid={Boolean(error)}
      />
    );
  }

  return (
    <PickerFieldset legend="Templates" error={error} errorId={errorId}>
      {body}
    </PickerFieldset>
  );
}

const noTemplate = 'none';

const templateModes = [
  ['shared', 'One template on shared storage'],
  ['perNode', 'A template on each node'],
] as const satisfies readonly (readonly [TemplateValues['templateMode'], string])[];

function TemplateChoices({
  values,
  onChange,
  nodes,
  templates,
  describedBy,
  invalid,
}: {
  values: TemplateValues;
  onChange(next: Partial<TemplateValues>): void;
  nodes: readonly PveNodeInfo[];
  templates: readonly PveTemplateInfo[];
  describedBy: string | undefined;
  invalid: boolean;
}) {
  const aria = {
    ...(describedBy ? { 'aria-describedby': describedBy } : {}),
    ...(invalid ? { 'aria-invalid': true } : {}),
  };
  const shared = sharedTemplates(templates);
  const known = nodes.map((n) => n.name);
  const nodeNames = [...known, ...Object.keys(values.nodeTemplates).filter((n) => !known.includes(n))];
  const modeName = useId();
  return (
    <div className="space-y-3">
      <div
        role="radiogroup"
        aria-label="Where the template is"
        className="flex flex-col gap-1.5 text-sm text-slate-800 sm:flex-row sm:gap-5"
      >
        {templateModes.map(([mode, label]) => (
          <label key={mode} className="flex items-center gap-2">
            <input
              type="radio"
              name={modeName}
              checked={values.templateMode === mode}
              onChange={() => onChange({ templateMode: mode })}
              className="accent-slate-900"
            />
            {label}
          </label>
        ))}
      </div>
      {values.templateMode === 'shared' ? (
        <Field
          label="Template for every node"
          hint={
            shared.length ? undefined : 'The cluster has no template on shared storage; name one per node.'
          }
        >
          {(props) => (
            <Select
              {...props}
              {...aria}
              value={values.sharedTemplate}
              onValueChange={(sharedTemplate) => onChange({ sharedTemplate })}
              placeholder="Choose a template"
              options={shared.map((t) => ({ value: String(t.vmid), label: templateLabel(t) }))}
              disabled={shared.length === 0}
            />
          )}
        </Field>
      ) : (
        <div className="grid gap-3 sm:grid-cols-2">
          {nodeNames.map((name) => {
            const options = templatesFor(name, templates).map((t) => ({
              value: String(t.vmid),
              label: templateLabel(t),
            }));
            const current = values.nodeTemplates[name] ?? '';
            // A VMID the image names that discovery does not offer here stays visible, so it can be seen and removed.
            if (current && !options.some((o) => o.value === current))
              options.push({ value: current, label: `${current} (not found on ${name})` });
            return (
              <Field key={name} label={`Template on ${name}`}>
                {(props) => (
                  <Select
                    {...props}
                    {...aria}
                    value={current || noTemplate}
                    onValueChange={(vmid) =>
                      onChange({
                        nodeTemplates: {
                          ...values.nodeTemplates,
                          [name]: vmid === noTemplate ? '' : vmid,
                        },
                      })
                    }
                    options={[{ value: noTemplate, label: 'None on this node' }, ...options]}
                  />
                )}
              </Field>
            );
          })}
        </div>
      )}
    </div>
  );
}
