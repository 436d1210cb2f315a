import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import {
  createWebhookInputSchema,
  updateWebhookInputSchema,
  webhookEventTypes,
  type WebhookEndpoint,
  type WebhookEventTypeName,
} from '../../../../shared/webhooks.ts';
import { Button } from '../../../components/Button.tsx';
import { CopyButton } from '../../../components/CopyButton.tsx';
import { Dialog, DialogClose } from '../../../components/Dialog.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { FormAlert } from '../components/FormAlert.tsx';
import { FormButtons } from '../components/FormButtons.tsx';
import { CheckboxField, TextField } from '../components/TextField.tsx';
import { errorsFromCall, errorsFromIssues, type FormErrors } from '../lib/form-errors.ts';

const labels = { url: 'URL', description: 'Description', events: 'Events', active: 'Active' };
type EndpointField = keyof typeof labels;

/**
 * Create or edit an endpoint. After creating, the dialog shows the signing secret, once: the API never
 * returns it again, and closing the dialog forgets it.
 */
export function EndpointDialog({ endpoint, trigger }: { endpoint?: WebhookEndpoint; trigger: ReactNode }) {
  const [open, setOpen] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) setSecret(null);
      }}
      trigger={trigger}
      title={secret ? 'Endpoint added' : endpoint ? 'Edit endpoint' : 'New endpoint'}
      width="lg"
    >
      {secret ? (
        <SecretShownOnce secret={secret} />
      ) : (
        <EndpointForm
          endpoint={endpoint}
          onSaved={(created) => (created ? setSecret(created) : setOpen(false))}
        />
      )}
    </Dialog>
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
      <div className="flex items-center gap-1 rounded-lg border border-slate-300 bg-slate-50 px-3 py-2">
        <code
          aria-label="Signing secret"
          className="min-w-0 flex-1 font-mono text-xs break-all text-slate-900"
        >
          {secret}
        </code>
        <CopyButton value={secret} label="Copy signing secret" />
      </div>
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
  const [url, setUrl] = useState(endpoint?.url ?? '');
  const [description, setDescription] = useState(endpoint?.description ?? '');
  const [events, setEvents] = useState<WebhookEventTypeName[]>(endpoint?.events ?? []);
  const [active, setActive] = useState(endpoint?.active ?? true);
  const [errors, setErrors] = useState<FormErrors<EndpointField>>({});
  const pending = create.isPending || update.isPending;
  const eventsErrorId = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (pending) return;
    // In the order the API lists them, whatever order they were ticked in.
    const input = { url, description, events: webhookEventTypes.filter((e) => events.includes(e)), active };
    try {
      if (endpoint) {
        const checked = updateWebhookInputSchema.safeParse({ id: endpoint.id, ...input });
        if (!checked.success) return setErrors(errorsFromIssues(checked.error.issues, labels));
        setErrors({});
        await update.mutateAsync(checked.data);
        await queryClient.invalidateQueries({ queryKey: trpc.adminWebhooks.list.pathKey() });
        notify('success', `${checked.data.url ?? endpoint.url} is saved.`);
        onSaved();
      } else {
        const checked = createWebhookInputSchema.safeParse(input);
        if (!checked.success) return setErrors(errorsFromIssues(checked.error.issues, labels));
        setErrors({});
        const result = await create.mutateAsync(checked.data);
        await queryClient.invalidateQueries({ queryKey: trpc.adminWebhooks.list.pathKey() });
        onSaved(result.secret);
      }
    } catch (err) {
      setErrors(errorsFromCall(err, labels));
    }
  }

  const eventsAria = errors.events
    ? { 'aria-describedby': eventsErrorId, 'aria-invalid': true as const }
    : {};
  return (
    <form
      onSubmit={submit}
      noValidate
      className="space-y-4"
      aria-label={endpoint ? 'Edit endpoint' : 'New endpoint'}
    >
      <TextField
        label="URL"
        type="url"
        hint="Where Keel posts events, e.g. https://billing.example.com/keel."
        value={url}
        onValueChange={setUrl}
        error={errors.url}
        autoFocus
        spellCheck={false}
        className="font-mono"
      />
      <TextField
        label="Description"
        hint="Optional, for you."
        value={description}
        onValueChange={setDescription}
        error={errors.description}
      />
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
                  setEvents((all) => (e.target.checked ? [...all, type] : all.filter((t) => t !== type)))
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
      <CheckboxField
        label="Active"
        hint="A paused endpoint gets no new deliveries."
        checked={active}
        onCheckedChange={setActive}
      />
      <FormAlert message={errors.form ?? errors.active} />
      <FormButtons pending={pending} label={endpoint ? 'Save endpoint' : 'Add endpoint'} />
    </form>
  );
}
