import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, type FormEvent, type ReactNode } from 'react';
import {
  createWebhookInputSchema,
  updateWebhookInputSchema,
  webhookEventTypes,
  type WebhookEndpoint,
  type WebhookEventTypeName,
} from '../../../../shared/webhooks.ts';
import { Button } from '../../../components/Button.tsx';
import { CopyableValue } from '../../../components/CopyableValue.tsx';
import { DialogClose } from '../../../components/Dialog.tsx';
import { OutcomeDialog } from '../../../components/OutcomeDialog.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { AdminDialogForm, useDialogForm } from '../components/AdminDialogForm.tsx';
import { CheckboxField, TextField } from '../components/TextField.tsx';

const labels = { url: 'URL', description: 'Description', events: 'Events', active: 'Active' };

interface EndpointValues {
  url: string;
  description: string;
  events: WebhookEventTypeName[];
  active: boolean;
}

function endpointValues(endpoint: WebhookEndpoint | undefined): EndpointValues {
  return {
    url: endpoint?.url ?? '',
    description: endpoint?.description ?? '',
    events: endpoint?.events ?? [],
    active: endpoint?.active ?? true,
  };
}

/**
 * Create or edit an endpoint. After creating, the dialog shows the signing secret, once: the API never
 * returns it again, and closing the dialog forgets it.
 */
export function EndpointDialog({ endpoint, trigger }: { endpoint?: WebhookEndpoint; trigger: ReactNode }) {
  return (
    <OutcomeDialog<string>
      trigger={trigger}
      title={(secret) => (secret ? 'Endpoint added' : endpoint ? 'Edit endpoint' : 'New endpoint')}
      width="lg"
    >
      {(secret, show, close) =>
        secret ? (
          <SecretShownOnce secret={secret} />
        ) : (
          <EndpointForm endpoint={endpoint} onSaved={(created) => (created ? show(created) : close())} />
        )
      }
    </OutcomeDialog>
  );
}

function SecretShownOnce({ secret }: { secret: string }) {
  return (
    <div className="space-y-4">
      <div role="alert" className="rounded-xl border border-amber-200 bg-amber-50 p-4 text-sm text-amber-950">
        <p className="font-medium">Copy the signing secret now: Keel does not show it again.</p>
        <p className="mt-1 text-xs">
          The receiver checks each delivery’s X-Keel-Signature with it (HMAC-SHA256 over the timestamp and the
          body). Lost, it cannot be recovered: delete the endpoint and add it again.
        </p>
      </div>
      <CopyableValue value={secret} label="Signing secret" copyLabel="Copy signing secret" />
      <div className="flex justify-end border-t border-slate-100 pt-4">
        <DialogClose asChild>
          <Button>I have copied it</Button>
        </DialogClose>
      </div>
    </div>
  );
}

function EndpointForm({
  endpoint,
  onSaved,
}: {
  endpoint: WebhookEndpoint | undefined;
  /** With the secret after creating; without after saving an edit. */
  onSaved(secret?: string): void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useToast();
  const create = useMutation(trpc.adminWebhooks.create.mutationOptions());
  const update = useMutation(trpc.adminWebhooks.update.mutationOptions());
  const pending = create.isPending || update.isPending;
  const { values, setValues, set, field, check, errors, submit } = useDialogForm(
    endpointValues(endpoint),
    labels,
    pending,
  );
  const eventsErrorId = useId();

  const onSubmit = (event: FormEvent) => {
    // In the order the API lists them, whatever order they were ticked in.
    const input = { ...values, events: webhookEventTypes.filter((e) => values.events.includes(e)) };
    return endpoint
      ? submit(event, updateWebhookInputSchema, { id: endpoint.id, ...input }, async (data) => {
          await update.mutateAsync(data);
          await queryClient.invalidateQueries({ queryKey: trpc.adminWebhooks.list.pathKey() });
          notify('success', `${data.url ?? endpoint.url} is saved.`);
          onSaved();
        })
      : submit(event, createWebhookInputSchema, input, async (data) => {
          const result = await create.mutateAsync(data);
          await queryClient.invalidateQueries({ queryKey: trpc.adminWebhooks.list.pathKey() });
          onSaved(result.secret);
        });
  };
  const { events } = values;
  const setEvents = set('events');

  const eventsAria = errors.events
    ? { 'aria-describedby': eventsErrorId, 'aria-invalid': true as const }
    : {};
  return (
    <AdminDialogForm
      label={endpoint ? 'Edit endpoint' : 'New endpoint'}
      onSubmit={onSubmit}
      alert={errors.form ?? errors.active}
      pending={pending}
      submitLabel={endpoint ? 'Save endpoint' : 'Add endpoint'}
    >
      <TextField
        label="URL"
        type="url"
        hint="Where Keel posts events, e.g. https://billing.example.com/keel."
        {...field('url')}
        autoFocus
        spellCheck={false}
        className="font-mono"
      />
      <TextField label="Description" hint="Optional, for you." {...field('description')} />
      <fieldset className="space-y-2" {...(errors.events ? { 'aria-describedby': eventsErrorId } : {})}>
        <legend className="text-sm font-medium text-slate-800">Events</legend>
        <div className="flex gap-3 text-xs">
          <button
            type="button"
            className="font-medium text-sky-700 underline-offset-2 hover:underline"
            onClick={() => setEvents([...webhookEventTypes])}
          >
            Select all
          </button>
          <button
            type="button"
            className="font-medium text-sky-700 underline-offset-2 hover:underline"
            onClick={() => setEvents([])}
          >
            Clear
          </button>
        </div>
        <div className="grid gap-1.5 sm:grid-cols-2">
          {webhookEventTypes.map((type) => (
            <label key={type} className="flex items-center gap-2 text-sm text-slate-800">
              <input
                type="checkbox"
                {...eventsAria}
                checked={events.includes(type)}
                onChange={(e) =>
                  setValues((v) => ({
                    ...v,
                    events: e.target.checked ? [...v.events, type] : v.events.filter((t) => t !== type),
                  }))
                }
                className="size-4 accent-slate-900"
              />
              <span className="font-mono text-xs">{type}</span>
            </label>
          ))}
        </div>
        {errors.events && (
          <p id={eventsErrorId} className="text-sm text-red-700">
            {errors.events}
          </p>
        )}
      </fieldset>
      <CheckboxField label="Active" hint="A paused endpoint gets no new deliveries." {...check('active')} />
    </AdminDialogForm>
  );
}
