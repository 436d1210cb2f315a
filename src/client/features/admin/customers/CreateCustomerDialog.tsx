import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState, type FormEvent, type ReactNode } from 'react';
import { adminCreateUserInputSchema, type AdminUser, type OneTimeLink } from '../../../../shared/users.ts';
import { Button } from '../../../components/Button.tsx';
import { Dialog, DialogClose } from '../../../components/Dialog.tsx';
import { Field } from '../../../components/Field.tsx';
import { Select } from '../../../components/Select.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { FormAlert } from '../components/FormAlert.tsx';
import { FormButtons } from '../components/FormButtons.tsx';
import { TextField } from '../components/TextField.tsx';
import { errorsFromCall, errorsFromIssues, type FormErrors } from '../lib/form-errors.ts';
import { OneTimeLinkBox } from './OneTimeLinkBox.tsx';

const labels = { email: 'Email', name: 'Name', password: 'Password', role: 'Role' };
type CustomerField = keyof typeof labels;

/**
 * A new account. Without a password the API answers with a one-time link for the customer to set one;
 * the dialog then shows it to copy (it is not shown again).
 */
export function CreateCustomerDialog({ trigger }: { trigger: ReactNode }) {
  const [open, setOpen] = useState(false);
  const [created, setCreated] = useState<{ user: AdminUser; link?: OneTimeLink } | null>(null);
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) setCreated(null);
      }}
      trigger={trigger}
      title={created ? `${created.user.email} is created` : 'New customer'}
      width="lg"
    >
      {created ? (
        <div className="space-y-4">
          {created.link ? (
            <OneTimeLinkBox
              link={created.link}
              label="Set-password link"
              intro="Send this link to the customer to set their password."
            />
          ) : (
            <p className="text-sm text-slate-700">The account can sign in with the password you gave.</p>
          )}
          <div className="flex flex-col-reverse gap-2 border-t border-slate-100 pt-4 sm:flex-row sm:justify-end">
            <DialogClose asChild>
              <Button variant="secondary">Done</Button>
            </DialogClose>
            <Link
              to="/admin/customers/$customerId"
              params={{ customerId: created.user.id }}
              className="inline-flex items-center justify-center rounded-lg bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
            >
              Open the account
            </Link>
          </div>
        </div>
      ) : (
        <CreateCustomerForm onCreated={(user, link) => setCreated({ user, ...(link ? { link } : {}) })} />
      )}
    </Dialog>
  );
}

function CreateCustomerForm({
  onCreated,
}: {
  onCreated(user: AdminUser, link: OneTimeLink | undefined): void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useToast();
  const create = useMutation(trpc.admin.users.create.mutationOptions());
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<'customer' | 'admin'>('customer');
  const [errors, setErrors] = useState<FormErrors<CustomerField>>({});

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (create.isPending) return;
    const checked = adminCreateUserInputSchema.safeParse({
      email,
      name,
      role,
      ...(password ? { password } : {}),
    });
    if (!checked.success) {
      setErrors(errorsFromIssues(checked.error.issues, labels));
      return;
    }
    setErrors({});
    try {
      const result = await create.mutateAsync(checked.data);
      await queryClient.invalidateQueries({ queryKey: trpc.admin.users.pathKey() });
      notify('success', `${result.user.email} is created.`);
      onCreated(result.user, result.setPasswordLink);
    } catch (err) {
      setErrors(errorsFromCall(err, labels));
    }
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label="New customer">
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          label="Email"
          type="email"
          autoComplete="off"
          value={email}
          onValueChange={setEmail}
          error={errors.email}
          autoFocus
        />
        <TextField label="Name" value={name} onValueChange={setName} error={errors.name} autoComplete="off" />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          hint="Optional. Leave empty to get a link for the customer to set one."
          value={password}
          onValueChange={setPassword}
          error={errors.password}
        />
        <Field label="Role" error={errors.role}>
          {(props) => (
            <Select
              {...props}
              value={role}
              onValueChange={(v) => setRole(v === 'admin' ? 'admin' : 'customer')}
              options={[
                { value: 'customer', label: 'Customer' },
                { value: 'admin', label: 'Administrator' },
              ]}
            />
          )}
        </Field>
      </div>
      <FormAlert message={errors.form} />
      <FormButtons pending={create.isPending} label="Create account" />
    </form>
  );
}
