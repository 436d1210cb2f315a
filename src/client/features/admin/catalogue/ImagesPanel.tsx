import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import {
  imageInputSchema,
  type AdminImage,
  type PveNodeInfo,
  type PveTemplateInfo,
} from '../../../../shared/catalogue.ts';
import { Button } from '../../../components/Button.tsx';
import { Dialog } from '../../../components/Dialog.tsx';
import { Field } from '../../../components/Field.tsx';
import { LoadError } from '../../../components/LoadError.tsx';
import { Select } from '../../../components/Select.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { DataTable, EmptyState, TableSkeleton, cellClass } from '../components/DataTable.tsx';
import { FormAlert, StateBadge } from '../components/FormAlert.tsx';
import { FormButtons } from '../components/FormButtons.tsx';
import { CheckboxField, TextField } from '../components/TextField.tsx';
import { errorsFromCall, errorsFromIssues, type FormErrors } from '../lib/form-errors.ts';
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
import { EntryActions } from './EntryActions.tsx';

const imageLabels = {
  name: 'Name',
  slug: 'Slug',
  osFamily: 'OS family',
  pveTemplates: 'Templates',
  active: 'Open to orders',
};
type ImageField = keyof typeof imageLabels;

export function ImagesPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const images = useQuery(trpc.adminCatalogue.images.list.queryOptions({ limit: 500 }));
  const update = useMutation(trpc.adminCatalogue.images.update.mutationOptions());
  const remove = useMutation(trpc.adminCatalogue.images.delete.mutationOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.adminCatalogue.images.pathKey() });

  return (
    <div className="space-y-3">
      <div className="flex items-center justify-between gap-4">
        <h3 className="text-base font-semibold text-slate-900">Images</h3>
        <ImageDialog trigger={<Button size="sm">New image</Button>} />
      </div>
      {images.isPending && <TableSkeleton label="Loading images" />}
      {images.isError && (
        <LoadError
          title="The images could not be loaded."
          error={images.error}
          onRetry={() => void images.refetch()}
        />
      )}
      {images.data && images.data.images.length === 0 && (
        <EmptyState title="No images yet">
          An image is an operating system customers install, cloned from a cloud-init template in the cluster.
        </EmptyState>
      )}
      {images.data && images.data.images.length > 0 && (
        <DataTable
          caption="Images"
          headers={['Image', 'OS family', 'Templates', 'State', { label: 'Actions', srOnly: true }]}
        >
          {images.data.images.map((image) => (
            <tr key={image.id}>
              <td className={cellClass}>
                <div className="font-medium text-slate-900">{image.name}</div>
                <div className="font-mono text-xs text-slate-500">{image.slug}</div>
              </td>
              <td className={`${cellClass} text-slate-700`}>{image.osFamily}</td>
              <td className={`${cellClass} font-mono text-xs text-slate-700`}>
                {describeTemplates(image.pveTemplates)}
              </td>
              <td className={cellClass}>
                <StateBadge tone={image.active ? 'good' : 'neutral'}>
                  {image.active ? 'Open' : 'Retired'}
                </StateBadge>
              </td>
              <td className={cellClass}>
                <EntryActions
                  kind="image"
                  name={image.name}
                  active={image.active}
                  editDialog={
                    <ImageDialog
                      image={image}
                      trigger={
                        <Button variant="secondary" size="sm" aria-label={`Edit image ${image.name}`}>
                          Edit
                        </Button>
                      }
                    />
                  }
                  onSetActive={async (active) => {
                    await update.mutateAsync({ id: image.id, active });
                    await refresh();
                  }}
                  onDelete={async () => {
                    await remove.mutateAsync({ id: image.id });
                    await refresh();
                  }}
                />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {images.data?.nextCursor && <p className="text-sm text-slate-600">Showing the first 500 images.</p>}
    </div>
  );
}

export function ImageDialog({ image, trigger }: { image?: AdminImage; trigger: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog
      open={open}
      onOpenChange={setOpen}
      trigger={trigger}
      title={image ? `Edit image ${image.name}` : 'New image'}
      width="lg"
    >
      <ImageForm image={image} onDone={() => setOpen(false)} />
    </Dialog>
  );
}

function ImageForm({ image, onDone }: { image: AdminImage | undefined; onDone(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useToast();
  const create = useMutation(trpc.adminCatalogue.images.create.mutationOptions());
  const update = useMutation(trpc.adminCatalogue.images.update.mutationOptions());
  const [values, setValues] = useState<ImageValues>(image ? imageValues(image) : emptyImage);
  const [errors, setErrors] = useState<FormErrors<ImageField>>({});
  const pending = create.isPending || update.isPending;
  const set =
    <K extends keyof ImageValues>(key: K) =>
    (value: ImageValues[K]) =>
      setValues((v) => ({ ...v, [key]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (pending) return;
    const checked = imageInputSchema.safeParse(imageInput(values));
    if (!checked.success) {
      setErrors(errorsFromIssues(checked.error.issues, imageLabels));
      return;
    }
    setErrors({});
    try {
      const { image: saved } = image
        ? await update.mutateAsync({ id: image.id, ...checked.data })
        : await create.mutateAsync(checked.data);
      await queryClient.invalidateQueries({ queryKey: trpc.adminCatalogue.images.pathKey() });
      notify('success', image ? `${saved.name} is saved.` : `${saved.name} is in the catalogue.`);
      onDone();
    } catch (err) {
      setErrors(errorsFromCall(err, imageLabels));
    }
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label={image ? 'Edit image' : 'New image'}>
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          label="Name"
          value={values.name}
          onValueChange={set('name')}
          error={errors.name}
          autoFocus
          placeholder="Debian 12"
        />
        <TextField
          label="Slug"
          hint="Lowercase, e.g. debian-12."
          value={values.slug}
          onValueChange={set('slug')}
          error={errors.slug}
          autoCapitalize="off"
          spellCheck={false}
          className="font-mono"
        />
        <TextField
          label="OS family"
          hint="A short lowercase word, e.g. debian or ubuntu."
          value={values.osFamily}
          onValueChange={set('osFamily')}
          error={errors.osFamily}
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
        checked={values.active}
        onCheckedChange={set('active')}
      />
      <FormAlert message={errors.form ?? errors.active} />
      <FormButtons pending={pending} label={image ? 'Save image' : 'Create image'} />
    </form>
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
    <fieldset className="space-y-3 rounded-xl border border-slate-200 p-4" aria-describedby={describedBy}>
      <legend className="px-1 text-sm font-medium text-slate-800">Templates</legend>
      {body}
      {error && (
        <p id={errorId} className="text-sm text-red-700">
          {error}
        </p>
      )}
    </fieldset>
  );
}

const noTemplate = 'none';

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
        <label className="flex items-center gap-2">
          <input
            type="radio"
            name={modeName}
            checked={values.templateMode === 'shared'}
            onChange={() => onChange({ templateMode: 'shared' })}
            className="accent-slate-900"
          />
          One template on shared storage
        </label>
        <label className="flex items-center gap-2">
          <input
            type="radio"
            name={modeName}
            checked={values.templateMode === 'perNode'}
            onChange={() => onChange({ templateMode: 'perNode' })}
            className="accent-slate-900"
          />
          A template on each node
        </label>
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
