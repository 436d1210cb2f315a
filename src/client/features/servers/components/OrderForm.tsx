import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { hostnameSchema, sshKeySchema, type Catalog } from '../../../../shared/api.ts';
import { Button } from '../../../components/Button.tsx';
import { DialogClose } from '../../../components/Dialog.tsx';
import { Field, inputClass } from '../../../components/Field.tsx';
import { Select } from '../../../components/Select.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { useStoreServer } from '../hooks/useServers.ts';
import { formatMemory, formatMonthlyPrice } from '../lib/format.ts';
import { OrderFormSkeleton } from './OrderFormSkeleton.tsx';
import { SshKeyPicker } from './SshKeyPicker.tsx';

type Errors = Partial<
  Record<'name' | 'planId' | 'imageId' | 'locationId' | 'sshKeys' | 'sshKeyIds' | 'form', string>
>;

/** Checks the order with the same schemas the API uses, so a refusal rarely needs a round trip. */
export function validateOrder(values: { name: string; sshKey: string }): Errors {
  const errors: Errors = {};
  const name = hostnameSchema.safeParse(values.name);
  if (!name.success) errors.name = `Name ${name.error.issues[0]?.message ?? 'is not valid'}.`;
  if (values.sshKey.trim()) {
    const key = sshKeySchema.safeParse(values.sshKey);
    if (!key.success) errors.sshKeys = `SSH key ${key.error.issues[0]?.message ?? 'is not valid'}.`;
  }
  return errors;
}

/** The API names fields like `sshKeys.0`; the form has one key field. */
function errorsFromApi(fields: Record<string, string>): Errors {
  const errors: Errors = {};
  for (const [path, message] of Object.entries(fields)) {
    const field = path.split('.')[0] as keyof Errors;
    if (['name', 'planId', 'imageId', 'locationId', 'sshKeys', 'sshKeyIds'].includes(field))
      errors[field] = message;
  }
  return errors;
}

/** The order form with the catalogue it offers; loaded on its own, with the schemas it checks with. */
export function CreateServerForm({ onDone }: { onDone(): void }) {
  const trpc = useTRPC();
  const catalog = useQuery(trpc.catalog.get.queryOptions());
  if (catalog.isPending) return <OrderFormSkeleton />;
  if (catalog.isError) {
    return (
      <div role="alert" className="space-y-3 text-sm text-red-800">
        <p>The list of plans could not be loaded. {describeError(catalog.error).message}</p>
        <Button variant="secondary" size="sm" onClick={() => void catalog.refetch()}>
          Try again
        </Button>
      </div>
    );
  }
  return <OrderForm catalog={catalog.data} onDone={onDone} />;
}

function OrderForm({ catalog, onDone }: { catalog: Catalog; onDone(): void }) {
  const trpc = useTRPC();
  const notify = useToast();
  const storeServer = useStoreServer();
  const create = useMutation(trpc.servers.create.mutationOptions());
  const [name, setName] = useState('');
  const [planId, setPlanId] = useState(catalog.plans[0]?.id ?? '');
  const [imageId, setImageId] = useState(catalog.images[0]?.id ?? '');
  const [locationId, setLocationId] = useState(catalog.locations[0]?.id ?? '');
  const [sshKey, setSshKey] = useState('');
  const [sshKeyIds, setSshKeyIds] = useState<string[]>([]);
  const [errors, setErrors] = useState<Errors>({});

  async function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (create.isPending) return;
    const found = validateOrder({ name, sshKey });
    if (!planId) found.planId = 'Choose a plan.';
    if (!imageId) found.imageId = 'Choose an image.';
    if (!locationId) found.locationId = 'Choose a location.';
    setErrors(found);
    if (Object.keys(found).length) return;
    try {
      const { server } = await create.mutateAsync({
        name: hostnameSchema.parse(name),
        planId,
        imageId,
        locationId,
        ...(sshKey.trim() ? { sshKeys: [sshKey.trim()] } : {}),
        ...(sshKeyIds.length ? { sshKeyIds } : {}),
      });
      storeServer(server);
      notify('success', `${server.name} is being set up. It usually takes a minute or two.`);
      onDone();
    } catch (err) {
      const { message, fields } = describeError(err);
      const fieldErrors = errorsFromApi(fields);
      setErrors(Object.keys(fieldErrors).length ? fieldErrors : { form: message });
    }
  }

  return (
    <form onSubmit={handleSubmit} noValidate className="space-y-5">
      <Field label="Name" hint="A hostname, for example web-1 or db.example.com." error={errors.name}>
        {(props) => (
          <input
            {...props}
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoFocus
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            placeholder="web-1"
            className={inputClass}
          />
        )}
      </Field>

      <fieldset>
        <legend className="text-sm font-medium text-slate-800">Plan</legend>
        <div className="mt-1.5 grid gap-2 sm:grid-cols-3">
          {catalog.plans.map((plan) => {
            const price = formatMonthlyPrice(plan.priceMonthlyCents);
            return (
              <label
                key={plan.id}
                className="relative flex cursor-pointer flex-col rounded-xl border border-slate-300 p-3 text-sm has-checked:border-sky-600 has-checked:bg-sky-50/60 has-checked:ring-1 has-checked:ring-sky-600 has-focus-visible:outline-2 has-focus-visible:outline-sky-600"
              >
                <input
                  type="radio"
                  name="plan"
                  value={plan.id}
                  checked={planId === plan.id}
                  onChange={() => setPlanId(plan.id)}
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
        {errors.planId && <p className="mt-1 text-sm text-red-700">{errors.planId}</p>}
      </fieldset>

      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Image" error={errors.imageId}>
          {(props) => (
            <Select
              {...props}
              value={imageId}
              onValueChange={setImageId}
              placeholder="Choose an image"
              options={catalog.images.map((image) => ({ value: image.id, label: image.name }))}
            />
          )}
        </Field>
        <Field label="Location" error={errors.locationId}>
          {(props) => (
            <Select
              {...props}
              value={locationId}
              onValueChange={setLocationId}
              placeholder="Choose a location"
              options={catalog.locations.map((location) => ({ value: location.id, label: location.name }))}
            />
          )}
        </Field>
      </div>

      <SshKeyPicker selected={sshKeyIds} onChange={setSshKeyIds} error={errors.sshKeyIds} />

      <Field
        label="SSH public key (optional)"
        hint="Added to the root account, e.g. ssh-ed25519 AAAA… you@laptop."
        error={errors.sshKeys}
      >
        {(props) => (
          <textarea
            {...props}
            value={sshKey}
            onChange={(e) => setSshKey(e.target.value)}
            rows={2}
            spellCheck={false}
            className={`${inputClass} font-mono text-xs`}
          />
        )}
      </Field>

      {errors.form && (
        <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          {errors.form}
        </p>
      )}

      <div className="flex flex-col-reverse gap-2 border-t border-slate-100 pt-4 sm:flex-row sm:justify-end">
        <DialogClose asChild>
          <Button variant="secondary">Cancel</Button>
        </DialogClose>
        <Button type="submit" disabled={create.isPending}>
          {create.isPending && <Spinner />}
          Create server
        </Button>
      </div>
    </form>
  );
}
