import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { hostnameSchema, sshKeySchema, type Catalog } from '../../../../shared/api.ts';
import { Button } from '../../../components/Button.tsx';
import { DialogActions } from '../../../components/DialogActions.tsx';
import { Field } from '../../../components/Field.tsx';
import { InputField } from '../../../components/InputField.tsx';
import { Select } from '../../../components/Select.tsx';
import { SshPublicKeyField } from '../../../components/SshPublicKeyField.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { useStoreServer } from '../hooks/useServers.ts';
import { ImageField } from './ImageField.tsx';
import { OrderFormSkeleton } from './OrderFormSkeleton.tsx';
import { PlanChoice } from './PlanChoice.tsx';
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
      <InputField
        autoFocus
        autoComplete="off"
        autoCapitalize="off"
        spellCheck={false}
        placeholder="web-1"
        label="Name"
        hint="A hostname, for example web-1 or db.example.com."
        error={errors.name}
        state={[name, setName]}
      />

      <fieldset>
        <legend className="text-sm font-medium text-slate-800">Plan</legend>
        <PlanChoice plans={catalog.plans} group="plan" selected={planId} onSelect={setPlanId} />
        {errors.planId && <p className="mt-1 text-sm text-red-700">{errors.planId}</p>}
      </fieldset>

      <div className="grid gap-4 sm:grid-cols-2">
        <ImageField
          images={catalog.images}
          state={[imageId, setImageId]}
          error={errors.imageId}
          placeholder="Choose an image"
        />
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

      <SshPublicKeyField
        rows={2}
        label="SSH public key (optional)"
        hint="Added to the root account, e.g. ssh-ed25519 AAAA… you@laptop."
        error={errors.sshKeys}
        state={[sshKey, setSshKey]}
      />

      <DialogActions
        within="dialog"
        label="Create server"
        pending={create.isPending}
        error={errors.form}
        ruled
      />
    </form>
  );
}
