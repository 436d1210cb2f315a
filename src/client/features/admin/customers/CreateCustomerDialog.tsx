import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { FormEvent, ReactNode } from 'react';
import { adminCreateUserInputSchema, type AdminUser, type OneTimeLink } from '../../../../shared/users.ts';
import { Button } from '../../../components/Button.tsx';
import { DialogClose } from '../../../components/Dialog.tsx';
import { Field } from '../../../components/Field.tsx';
import { OutcomeDialog } from '../../../components/OutcomeDialog.tsx';
import { Select } from '../../../components/Select.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { useTRPC } from '../../../lib/trpc.ts';
import { AdminDialogForm, useDialogForm } from '../components/AdminDialogForm.tsx';
import { TextField } from '../components/TextField.tsx';
import { OneTimeLinkBox } from './OneTimeLinkBox.tsx';

const labels = { email: 'Email', name: 'Name', password: 'Password', role: 'Role' };

const blankCustomer: { email: string; name: string; password: string; role: 'customer' | 'admin' } = {
  email: '',
  name: '',
  password: '',
  role: 'customer',
};

interface Created {
  user: AdminUser;
  link?: OneTimeLink;
}

/**
 * A new account. Without a password the API answers with a one-time link for the customer to set one;
 * the dialog then shows it to copy (it is not shown again).
 */
export function CreateCustomerDialog({ trigger }: { trigger: ReactNode }) {
  return (
    <OutcomeDialog<Created>
      trigger={trigger}
      title={(created) => (created ? `${created.user.email} is created` : 'New customer')}
      width="lg"
    >
      {(created, show) =>
        created ? (
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
          <CreateCustomerForm onCreated={(user, link) => show({ user, ...(link ? { link } : {}) })} />
        )
      }
    </OutcomeDialog>
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
  const { values, set, field, errors, submit } = useDialogForm(blankCustomer, labels, create.isPending);

  const { email, name, password, role } = values;
  const onSubmit = (event: FormEvent) =>
    submit(
      event,
      adminCreateUserInputSchema,
      { email, name, role, ...(password ? { password } : {}) },
      async (data) => {
        const result = await create.mutateAsync(data);
        await queryClient.invalidateQueries({ queryKey: trpc.admin.users.pathKey() });
        notify('success', `${result.user.email} is created.`);
        onCreated(result.user, result.setPasswordLink);
      },
    );

  return (
    <AdminDialogForm
      label="New customer"
      onSubmit={onSubmit}
      alert={errors.form}
      pending={create.isPending}
      submitLabel="Create account"
    >
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField label="Email" type="email" autoComplete="off" {...field('email')} autoFocus />
        <TextField label="Name" {...field('name')} autoComplete="off" />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          hint="Optional. Leave empty to get a link for the customer to set one."
          {...field('password')}
        />
        <Field label="Role" error={errors.role}>
          {(props) => (
            <Select
              {...props}
              value={role}
              onValueChange={(v) => set('role')(v === 'admin' ? 'admin' : 'customer')}
              options={[
                { value: 'customer', label: 'Customer' },
                { value: 'admin', label: 'Administrator' },
              ]}
            />
          )}
        </Field>
      </div>
    </AdminDialogForm>
  );
}
